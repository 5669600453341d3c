import { sql, type Kysely } from 'kysely';

/**
 * Booking support: the local calendar (spas without Google, and development), Google access per
 * spa (refresh tokens or service-account keys, encrypted at rest), and OAuth consent states.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Mirrors the few Google Calendar event fields we use, so both adapters behave alike.
  await db.schema
    .createTable('local_calendar_events')
    .addColumn('calendar_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('confirmed', 'cancelled')`))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('appointment_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('local_calendar_events_pkey', ['calendar_id', 'id'])
    .addCheckConstraint('local_calendar_events_time_order', sql`ends_at > starts_at`)
    .execute();
  await sql`create index local_calendar_events_range_idx on local_calendar_events (calendar_id, starts_at, ends_at) where status = 'confirmed'`.execute(
    db,
  );

  await db.schema
    .createTable('google_credentials')
    .addColumn('spa_id', 'uuid', (c) => c.primaryKey().references('spas.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('oauth_refresh_token', 'service_account')`))
    // AES-256-GCM: iv, auth tag and ciphertext, base64.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('account_email', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('calendar_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth_states').ifExists().execute();
  await db.schema.dropTable('google_credentials').ifExists().execute();
  await db.schema.dropTable('local_calendar_events').ifExists().execute();
}
