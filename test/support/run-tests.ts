/**
 * `npm test`: runs tap against one embedded Postgres server started here (each test file then
 * creates its own fresh database on it), or against DATABASE_URL's server when that is set.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pino } from 'pino';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { connect } from '../../src/storage/database.js';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { freePort } from './free-port.js';

const TEMPLATE = 'test_template';
const args = process.argv.slice(2);
const env: NodeJS.ProcessEnv = { ...process.env };
let stopServer: (() => Promise<void>) | undefined;

if (!process.env.DATABASE_URL) {
  const server = await startEmbeddedPostgres({
    dataDir: path.resolve('.data/test'),
    port: await freePort(),
    logger: pino({ level: 'warn' }),
    // Test data is thrown away: no waiting for disk flushes.
    durable: false,
  });
  env.TEST_DATABASE_ADMIN_URL = server.urlFor('postgres');
  stopServer = () => server.stop();
  // Migrate once; every test database is then a cheap copy of this template.
  await server.dropDatabase(TEMPLATE);
  await server.ensureDatabase(TEMPLATE);
  const template = await connect(server.urlFor(TEMPLATE));
  await prepareSchema({ db: template, url: server.urlFor(TEMPLATE) });
  await template.destroy();
  env.TEST_DATABASE_TEMPLATE = TEMPLATE;
}

const tapBin = path.join(path.dirname(createRequire(import.meta.url).resolve('tap/package.json')), 'dist/esm/run.mjs');
const child = spawn(process.execPath, [tapBin, ...args], { stdio: 'inherit', env });
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await stopServer?.();
process.exit(code);
