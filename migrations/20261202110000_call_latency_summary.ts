import type { Kysely } from 'kysely';

/**
 * The latency callers feel, summed up per call: the 95th percentile of reply latency beside the
 * median and the worst, and how often the caller talked over a reply.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_call_details').addColumn('reply_latency_p95_ms', 'integer').addColumn('barge_ins', 'integer').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_call_details').dropColumn('reply_latency_p95_ms').dropColumn('barge_ins').execute();
}
