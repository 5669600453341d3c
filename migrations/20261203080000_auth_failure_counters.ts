import type { Kysely } from 'kysely';

/**
 * Failed authentications counted across every machine: one row per (kind, key) in its current
 * window, e.g. wrong passwords for one email or wrong credentials from one client address. The key
 * is only a SHA-256 of the kind and the raw key, so no email or address is stored; a row is dead
 * once its window has ended and is deleted by a periodic job.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_failure_counters')
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('window_ends_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_failure_counters_window_ends_idx').on('auth_failure_counters').column('window_ends_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_failure_counters').ifExists().execute();
}
