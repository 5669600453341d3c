import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import pg from 'pg';
import { pino } from 'pino';
import { connect, describeUrl, type DatabaseHandle } from '../../src/storage/database.js';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { freePort } from './free-port.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Where test databases are created: the server `npm test` started, DATABASE_URL's server, or one of our own. */
async function adminUrl(t: Teardown): Promise<string> {
  const fromRunner = process.env.TEST_DATABASE_ADMIN_URL;
  if (fromRunner) return fromRunner;
  const external = process.env.DATABASE_URL;
  if (external) {
    const url = new URL(external);
    url.pathname = '/postgres';
    return url.toString();
  }
  // A test file run on its own (`npx tap test/x.test.ts`): start a private embedded server.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'receptionist-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: pino({ level: 'warn' }), durable: false });
  t.teardown(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return server.urlFor('postgres');
}

export interface TestDatabase extends DatabaseHandle {
  url: string;
}

async function createDatabase(t: Teardown, template: string | undefined): Promise<TestDatabase> {
  const admin = await adminUrl(t);
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await client.end();

  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await connect(url.toString(), { poolSize: 20 });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
    const dropper = new pg.Client({ connectionString: admin });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
  };
  t.teardown(close);
  return { db, embedded: false, description: describeUrl(url.toString()), url: url.toString(), close };
}

/** A DATA_DIR of the test's own (the write queue keeps its files there); removed when the test ends. */
export async function testDataDir(t: Teardown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'receptionist-data-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A brand-new, empty database for this test; dropped when the test ends. */
export function createEmptyDatabase(t: Teardown): Promise<TestDatabase> {
  return createDatabase(t, undefined);
}

/**
 * A fresh database with every migration applied (ours and the job queue's): a copy of the
 * template `npm test` migrated once, or migrated here when a file runs on its own.
 */
export async function createTestDatabase(t: Teardown): Promise<TestDatabase> {
  const template = process.env.TEST_DATABASE_TEMPLATE;
  if (template && process.env.TEST_DATABASE_ADMIN_URL) return createDatabase(t, template);
  const database = await createDatabase(t, undefined);
  await prepareSchema(database);
  return database;
}
