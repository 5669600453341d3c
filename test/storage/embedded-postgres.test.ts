import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { freePort } from '../support/free-port.js';

t.test('run as root from a folder the postgres user cannot enter, it stops with one line naming the folder', { skip: userInfo().uid !== 0 && 'only root runs Postgres as another user' }, async (t) => {
  // mkdtemp makes the folder 0700 and root's: like a checkout under /root.
  const closed = await mkdtemp(path.join(tmpdir(), 'receptionist-closed-'));
  t.teardown(() => rm(closed, { recursive: true, force: true }));
  const dataDir = path.join(closed, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const unhandled: unknown[] = [];
  const onUnhandled = (error: unknown) => unhandled.push(error);
  process.on('uncaughtException', onUnhandled);
  t.teardown(() => process.off('uncaughtException', onUnhandled));
  const started = startEmbeddedPostgres({ dataDir, port: await freePort(), logger: pino({ level: 'silent' }) });
  const error = await started.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof Error, 'it refuses to start');
  const message = error instanceof Error ? error.message : '';
  t.notMatch(message, /\n/, 'one line');
  t.match(message, `cannot enter ${closed} (mode 700)`);
  t.match(message, /DATABASE_URL/, 'and says how else to run');
  t.same(unhandled, [], 'no unhandled error');
});

t.test("the test runner's server is a throwaway one: it waits for no disk flush", { skip: !process.env.TEST_DATABASE_ADMIN_URL && 'only under npm test' }, async (t) => {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
  await client.connect();
  t.teardown(() => client.end());
  const flushing = await client.query<{ name: string; setting: string }>(
    "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes') order by name",
  );
  t.same(flushing.rows, [
    { name: 'fsync', setting: 'off' },
    { name: 'full_page_writes', setting: 'off' },
    { name: 'synchronous_commit', setting: 'off' },
  ]);
});
