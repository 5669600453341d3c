import { sql, type Kysely } from 'kysely';

/**
 * Where each media stream of a call starts in the conversation's timeline. A call can have several
 * streams (it comes back after an unanswered transfer); each numbers its turns and events from 1,
 * and the first of its writes to reach the database fixes its base here, once. Later writes of the
 * same stream, even replayed after a restart, land on the same places.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversation_streams')
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('stream_sid', 'text', (c) => c.notNull())
    .addColumn('base_seq', 'integer', (c) => c.notNull().check(sql`base_seq >= 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('conversation_streams_pkey', ['conversation_id', 'stream_sid'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('conversation_streams').ifExists().execute();
}
