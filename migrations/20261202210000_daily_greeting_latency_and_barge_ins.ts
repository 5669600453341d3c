import { sql, type Kysely } from 'kysely';

/**
 * The rest of a call's latency summary in the daily roll-up: each conversation's usage row keeps
 * the call's greeting latency and barge-in count, and its day keeps the greeting latencies as a
 * histogram of 10 ms buckets (like the reply latencies) and the barge-ins as a count. Rows rolled
 * up before this start with none; `npm run analytics:backfill` fills them from the calls' records.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('conversation_usage')
    .addColumn('greeting_latency_ms', 'integer')
    .addColumn('barge_ins', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('daily_usage')
    .addColumn('greeting_latency_histogram', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('barge_ins', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('daily_usage').dropColumn('greeting_latency_histogram').dropColumn('barge_ins').execute();
  await db.schema.alterTable('conversation_usage').dropColumn('greeting_latency_ms').dropColumn('barge_ins').execute();
}
