import { sql, type Kysely } from 'kysely';

/**
 * One row per media stream we let in: the stream token's nonce, used once across every machine.
 * A call's first stream ("new" leg) is unique per CallSid, so a second stream for the same call
 * is refused even with a token of its own; a stream after an unanswered transfer is a "resume"
 * leg. No foreign key to the conversation: its row may still wait in another machine's queue.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stream_token_redemptions')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('call_sid', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull())
    .addColumn('leg', 'text', (c) => c.notNull().check(sql`leg in ('new', 'resume')`))
    /** Random per redemption attempt: the same write applied twice is recognised as itself. */
    .addColumn('claim_id', 'text', (c) => c.notNull())
    .addColumn('stream_sid', 'text', (c) => c.notNull())
    .addColumn('machine_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('redeemed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index stream_token_redemptions_first_leg on stream_token_redemptions (call_sid) where leg = 'new'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stream_token_redemptions').ifExists().execute();
}
