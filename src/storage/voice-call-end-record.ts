import { sql } from 'kysely';
import type { Trx } from './database.js';
import type { ConversationStatus } from './schema.js';

/** The end-of-call record: who ended it, timings, latency figures, usage and cost. */

export interface VoiceCallSummary {
  conversationId: string;
  streamSid: string | null;
  streamStartedAt: Date | null;
  endedAt: Date;
  endedBy: string;
  status: ConversationStatus;
  transferredTo: string | null;
  greetingLatencyMs: number | null;
  replyLatenciesMs: number[];
  /** Replies the caller talked over. */
  bargeIns?: number;
  model: string;
  usage: unknown;
  costUsd: number;
}

/** The nearest-rank percentile of ascending `sorted`, null when empty. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? null;
}

/**
 * Writes the end-of-call record. Run it in a transaction. Returns false, changing nothing, when
 * the record is not this stream's to write: another stream already wrote the call's end (a
 * re-open after an unanswered transfer clears it first), a later stream of the call has begun,
 * or the conversation had ended before this stream started. Only Twilio's own status callbacks
 * change a call that has ended.
 */
export async function finishVoiceCall(trx: Trx, summary: VoiceCallSummary): Promise<boolean> {
  // Locks the call's details first, as every writer of both tables does (no deadlock).
  const details = await trx
    .selectFrom('voice_call_details')
    .select(['ended_by as endedBy', 'stream_sid as streamSid'])
    .where('conversation_id', '=', summary.conversationId)
    .forUpdate()
    .executeTakeFirst();
  const conversation = await trx.selectFrom('conversations').select('ended_at as endedAt').where('id', '=', summary.conversationId).executeTakeFirst();
  const current = details && conversation ? { ...details, ...conversation } : undefined;
  if (current) {
    if (current.endedBy !== null && current.streamSid !== summary.streamSid) return false;
    const started = summary.streamStartedAt;
    if (current.endedAt !== null && started !== null && started.getTime() > new Date(current.endedAt).getTime()) return false;
    // A later stream of the call (back after an unanswered transfer) owns the end now.
    const streams = await trx
      .selectFrom('conversation_streams')
      .select('stream_sid')
      .where('conversation_id', '=', summary.conversationId)
      .orderBy('base_seq', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
    const mine = streams.findIndex((s) => s.stream_sid === summary.streamSid);
    if (mine > 0) return false;
  }
  const sorted = [...summary.replyLatenciesMs].sort((a, b) => a - b);
  await trx
    .updateTable('voice_call_details')
    .set({
      stream_sid: summary.streamSid,
      stream_started_at: summary.streamStartedAt,
      ended_at: sql`coalesce(ended_at, ${summary.endedAt}::timestamptz)`,
      ended_by: summary.endedBy,
      transferred_to: summary.transferredTo,
      greeting_latency_ms: summary.greetingLatencyMs,
      reply_latencies_ms: summary.replyLatenciesMs,
      reply_latency_p50_ms: percentile(sorted, 50),
      reply_latency_p95_ms: percentile(sorted, 95),
      reply_latency_max_ms: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
      barge_ins: summary.bargeIns ?? null,
      model: summary.model,
      usage: JSON.stringify(summary.usage),
      cost_usd: summary.costUsd.toFixed(6),
      duration_seconds: sql`coalesce(duration_seconds, ${
        summary.streamStartedAt ? Math.round((summary.endedAt.getTime() - summary.streamStartedAt.getTime()) / 1000) : null
      }::integer)`,
    })
    .where('conversation_id', '=', summary.conversationId)
    .execute();
  await trx
    .updateTable('conversations')
    .set({
      // The call's own ending (transferred, failed) is more precise than Twilio's "completed".
      status: sql`case when status = 'active' or (status = 'completed' and ${summary.status}::text in ('transferred', 'failed')) then ${summary.status}::text else status end`,
      ended_at: sql`coalesce(ended_at, ${summary.endedAt}::timestamptz)`,
      last_activity_at: summary.endedAt,
      cost_usd: summary.costUsd.toFixed(6),
    })
    .where('id', '=', summary.conversationId)
    .execute();
  return true;
}
