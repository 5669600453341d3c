import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { runningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgresServer } from './embedded-postgres.js';
import type { Database } from './schema.js';

export const EMBEDDED_DATABASE_NAME = 'receptionist';

/**
 * The database handle every repository takes: the pool, or a transaction taken from it (a Kysely
 * `Transaction` is a `Kysely`, so one type covers both).
 */
export type Db = Kysely<Database>;

/**
 * A handle inside a transaction, for work that is only right inside one: a transaction-scoped
 * advisory lock, or several statements that must commit together with the caller's.
 */
export type Trx = Transaction<Database>;

/** Runs `work` in the caller's transaction when `db` is one, otherwise in a new transaction. */
export async function inTransaction<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Trx);
  return db.transaction().execute(work);
}

// Return timestamptz as Date and bigint ids as strings (ids stay exact); numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
// A calendar day stays 'YYYY-MM-DD': a Date would shift it by the process's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly recoverable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface DatabaseHandle {
  readonly db: Db;
  /** True when this process runs the Postgres server itself. */
  readonly embedded: boolean;
  /** host:port/database, without credentials, for logs. */
  readonly description: string;
  /** Connection URL (with credentials: never log it). */
  readonly url: string;
  close(): Promise<void>;
}

export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** Connects with a pool and proves the connection, so a wrong DATABASE_URL fails at start, quickly. */
export async function connect(url: string, options: { poolSize?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    // Bookings hold a connection across a calendar call; leave room for webhooks and call records.
    max: options.poolSize ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Nor one that is checked out (e.g. inside a transaction, between statements): pg emits 'error'
  // on it, and an unheard 'error' event kills node. The statement in progress, if any, rejects.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new DatabaseUnavailableError(`cannot reach the database at ${describeUrl(url)}: ${reason}`, {
      cause: error,
    });
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * DATABASE_URL when set; otherwise the embedded server under DATA_DIR. With `joinRunning` (the
 * command-line tools), an embedded server that a running service already started on DATA_DIR is
 * used as it is, and left running at close.
 */
export async function openDatabase(config: Config, logger: Logger, options: { joinRunning?: boolean } = {}): Promise<DatabaseHandle> {
  if (!config.databaseUrl && options.joinRunning) {
    const running = await runningEmbeddedPostgres(config.dataDir);
    if (running) {
      await running.ensureDatabase(EMBEDDED_DATABASE_NAME);
      const url = running.urlFor(EMBEDDED_DATABASE_NAME);
      const db = await connect(url, { poolSize: 2 });
      logger.debug({ port: running.port }, 'using the embedded postgres a running service started');
      return { db, embedded: true, description: `embedded ${describeUrl(url)} (already running)`, url, close: () => db.destroy() };
    }
  }
  if (config.databaseUrl) {
    const db = await connect(config.databaseUrl);
    return {
      db,
      embedded: false,
      description: describeUrl(config.databaseUrl),
      url: config.databaseUrl,
      close: () => db.destroy(),
    };
  }
  const server: EmbeddedPostgresServer = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    logger,
  });
  try {
    await server.ensureDatabase(EMBEDDED_DATABASE_NAME);
    const url = server.urlFor(EMBEDDED_DATABASE_NAME);
    const db = await connect(url);
    return {
      db,
      embedded: true,
      description: `embedded ${describeUrl(url)}`,
      url,
      async close() {
        await db.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }
}
