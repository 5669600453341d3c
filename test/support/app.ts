import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { createTestDatabase, testDataDir, type TestDatabase } from './database.js';

export const DEMO_SPA_NUMBER = '+12025550100';

export interface TestApp {
  app: App;
  config: Config;
  database: TestDatabase;
  demoSpaId: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** The whole app on a fresh, migrated database seeded with the demo spa; closed when the test ends. */
export async function buildTestApp(t: Teardown, env: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<TestApp> {
  const database = await createTestDatabase(t);
  const { spaId } = await seedSpa(database.db, await loadDemoSpaCatalog());
  return { ...(await buildMachine(t, database, env, options)), database, demoSpaId: spaId };
}

/**
 * Another machine of the same service, as on Fly: its own app (memory, DATA_DIR) on the first
 * one's database; closed when the test ends.
 */
export async function buildAnotherMachine(t: Teardown, first: TestApp, env: Record<string, string> = {}, options: { now?: () => Date } = {}): Promise<TestApp> {
  return { ...(await buildMachine(t, first.database, env, options)), database: first.database, demoSpaId: first.demoSpaId };
}

async function buildMachine(t: Teardown, database: TestDatabase, env: Record<string, string>, options: { now?: () => Date }): Promise<Pick<TestApp, 'app' | 'config'>> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: 'https://receptionist.test',
    DATABASE_URL: database.url,
    DATA_DIR: await testDataDir(t),
    ...env,
  });
  const app = await buildApp({ config, database, logger: pino({ level: config.logLevel }), ...(options.now ? { now: options.now } : {}) });
  t.teardown(() => app.close());
  return { app, config };
}
