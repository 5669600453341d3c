import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { freePort } from './support/free-port.js';

function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function untilReady(port: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms`);
}

t.test('on embedded defaults the service becomes ready, stops cleanly and keeps its data', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'receptionist-server-'));
  await chmod(dataDir, 0o755);
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_POSTGRES_PORT: String(await freePort()) };

  const spaIds = async () => {
    const credentials = JSON.parse(await readFile(path.join(dataDir, 'postgres-credentials.json'), 'utf8'));
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(env.EMBEDDED_POSTGRES_PORT),
      user: credentials.user,
      password: credentials.password,
      database: 'receptionist',
    });
    await client.connect();
    const rows = await client.query('select id from spas');
    await client.end();
    return rows.rows.map((r: { id: string }) => r.id);
  };

  const first = startServer(env);
  t.teardown(() => first.child.kill('SIGKILL'));
  const readyMs = await untilReady(Number(env.PORT), 30_000);
  t.ok(readyMs < 30_000, `ready in ${readyMs} ms`);
  const before = await spaIds();
  t.equal(before.length, 1, 'the demo spa is seeded');
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'SIGTERM stops it cleanly');

  const second = startServer(env);
  t.teardown(() => second.child.kill('SIGKILL'));
  await untilReady(Number(env.PORT), 30_000);
  t.same(await spaIds(), before, 'same data after a restart, nothing seeded twice');
  second.child.kill('SIGTERM');
  t.equal(await second.exited, 0);
});

t.test('a DATABASE_URL on a closed port fails fast with one line', async (t) => {
  const port = await freePort();
  const started = Date.now();
  const server = startServer({ DATABASE_URL: `postgres://user:secret@127.0.0.1:${port}/db`, PORT: String(await freePort()) });
  const code = await server.exited;
  t.equal(code, 1);
  // Not a speed target: it must give up rather than retry (a retry loop would run for minutes). The
  // bound is loose because starting Node and tsx alone takes many seconds on a loaded machine.
  t.ok(Date.now() - started < 45_000, `failed within ${Date.now() - started} ms`);
  const lines = server.output().trim().split('\n');
  t.equal(lines.length, 1, server.output());
  t.match(lines[0], /cannot reach the database at 127\.0\.0\.1:\d+\/db/);
  t.notMatch(server.output(), /secret/);
});
