import { sql, type Kysely } from 'kysely';

/**
 * One-time codes texted to the number on file when a caller asks about a patient's appointments
 * from another number. Only a slow hash of the code is kept; the conversation is not a foreign key
 * because a call's conversation row is written behind and may not be there yet.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('caller_verifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('caller_verifications_conversation_idx')
    .on('caller_verifications')
    .columns(['conversation_id', 'created_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('caller_verifications').ifExists().execute();
}
