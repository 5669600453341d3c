import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { connect, describeUrl, type DatabaseHandle } from '../../src/storage/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/storage/embedded-postgres.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { freePort } from './free-port.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface StoppablePostgres {
  /** The migrated database with the demo spa, on a Postgres server of this test file's own. */
  database: DatabaseHandle;
  demoSpaId: string;
  /** Stops the server (fast shutdown: every connection is cut), as a database outage. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  readonly running: boolean;
}

/**
 * A real Postgres that this test may stop and start, so it never touches the server other test
 * files share. Migrated and seeded with the demo spa; stopped and removed when the test ends.
 */
export async function startStoppablePostgres(t: Teardown): Promise<StoppablePostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'receptionist-outage-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const logger = pino({ level: 'silent' });
  let server: EmbeddedPostgresServer | undefined = await startEmbeddedPostgres({ dataDir, port, logger });
  await server.ensureDatabase('receptionist');
  const url = server.urlFor('receptionist');
  const db = await connect(url);
  await prepareSchema({ db, url });
  const { spaId } = await seedSpa(db, await loadDemoSpaCatalog());
  const database: DatabaseHandle = { db, embedded: false, description: describeUrl(url), url, close: () => db.destroy() };
  t.teardown(async () => {
    await db.destroy().catch(() => {});
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    database,
    demoSpaId: spaId,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await startEmbeddedPostgres({ dataDir, port, logger });
    },
    get running() {
      return server !== undefined;
    },
  };
}
