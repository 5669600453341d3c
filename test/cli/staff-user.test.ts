import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);

/** Runs an npm-script command as a person would, with only the environment a developer has. */
async function command(script: string, args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|TEST_DATABASE_)/.test(name)));
  return run(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...clean, LOG_LEVEL: 'silent', ...env }, timeout: 120_000 });
}

t.test('staff-user and api-key work beside a service that runs the embedded database', async (t) => {
  // The running service's embedded server, on a port the commands are not told about.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'receptionist-cli-'));
  await chmod(dataDir, 0o755);
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: pino({ level: 'silent' }) });
  t.teardown(() => server.stop());
  const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), PUBLIC_BASE_URL: 'https://spa.example.com' };

  const created = await command('src/cli/staff-user.ts', ['--spa', 'willow-oak-dc', '--email', 'Owner@Example.com', '--role', 'owner', '--password', 'lilac-harbour-tram-42'], env);
  t.match(created.stdout, /^owner owner@example\.com of Willow & Oak Medical Spa can sign in/);

  const invited = await command('src/cli/staff-user.ts', ['--spa', 'willow-oak-dc', '--email', 'desk@example.com', '--role', 'staff'], env);
  t.match(invited.stdout, /valid until .*usable once:\nhttps:\/\/spa\.example\.com\/console\/invite#token=[A-Za-z0-9_-]{40,}\n$/);

  const key = await command('src/cli/api-key.ts', ['--spa', 'willow-oak-dc', '--role', 'staff'], env);
  t.match(key.stdout, /staff key for Willow & Oak Medical Spa/);

  const refused = await command('src/cli/staff-user.ts', ['--spa', 'willow-oak-dc', '--email', 'x@example.com', '--role', 'staff', '--password', 'password123'], env).catch(
    (error: { code: number; stderr: string }) => error,
  );
  t.equal('code' in refused ? refused.code : 0, 1, 'a common password is refused');
  t.match('stderr' in refused ? refused.stderr : '', /one of the first that attackers try/);

  const client = new pg.Client({ connectionString: server.urlFor('receptionist') });
  await client.connect();
  t.teardown(() => client.end());
  const people = await client.query<{ email: string; role: string; has_password: boolean }>(
    'select email, role, password_hash is not null as has_password from people order by email',
  );
  t.same(people.rows, [{ email: 'owner@example.com', role: 'owner', has_password: true }]);
  const invites = await client.query<{ email: string }>('select email from staff_invites');
  t.same(invites.rows, [{ email: 'desk@example.com' }]);
  // The service's own embedded server keeps its data safe on disk (only the test runner's does not).
  const flushing = await client.query<{ name: string; setting: string }>(
    "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes') order by name",
  );
  t.same(flushing.rows, [
    { name: 'fsync', setting: 'on' },
    { name: 'full_page_writes', setting: 'on' },
    { name: 'synchronous_commit', setting: 'on' },
  ]);
});
