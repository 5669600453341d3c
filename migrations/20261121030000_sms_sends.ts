import { sql, type Kysely } from 'kysely';

/**
 * One row per text we mean to send, keyed by what it is for (appointment, purpose, version): a job
 * that runs twice, on one machine or two, finds the row and does not send again.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sms_sends')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('sending', 'sent', 'failed', 'skipped')`))
    .addColumn('message_sid', 'text')
    .addColumn('detail', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sms_sends_spa_idx').on('sms_sends').columns(['spa_id', 'created_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sms_sends').ifExists().execute();
}
