import { sql, type Kysely, type Transaction } from 'kysely';
import type { ConversationStatus, Database, MessageRole } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface OpenVoiceConversation {
  spaId: string;
  customerId: string | null;
  callSid: string;
  from: string | null;
  to: string;
}

/**
 * Creates the conversation and its voice details for a CallSid, or returns the existing one:
 * Twilio retries webhooks, and a retry must not create a second record.
 */
export async function openVoiceConversation(
  db: Kysely<Database>,
  call: OpenVoiceConversation,
): Promise<{ conversationId: string; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    // Serialises concurrent retries of the same call.
    await sql`select pg_advisory_xact_lock(hashtextextended(${call.callSid}, 0))`.execute(trx);
    const existing = await trx
      .selectFrom('voice_call_details')
      .select('conversation_id')
      .where('call_sid', '=', call.callSid)
      .executeTakeFirst();
    if (existing) return { conversationId: existing.conversation_id, created: false };
    const conversation = await trx
      .insertInto('conversations')
      .values({ spa_id: call.spaId, customer_id: call.customerId, channel: 'voice' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('voice_call_details')
      .values({
        conversation_id: conversation.id,
        call_sid: call.callSid,
        from_number: call.from,
        to_number: call.to,
        twilio_status: 'ringing',
      })
      .execute();
    return { conversationId: conversation.id, created: true };
  });
}

/** Twilio call statuses after which the call is over. */
export const TERMINAL_TWILIO_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

function conversationStatusFor(twilioStatus: string): ConversationStatus | undefined {
  switch (twilioStatus) {
    case 'completed':
      return 'completed';
    case 'busy':
    case 'no-answer':
    case 'canceled':
      return 'abandoned';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}

/**
 * Applies a Twilio status callback. Callbacks arrive out of order and more than once: a terminal
 * status is never replaced by an earlier one, and what the call itself recorded (e.g. transferred)
 * is kept. Returns the call's conversation id, or undefined for a call we do not know.
 */
export async function applyTwilioCallStatus(
  db: Kysely<Database>,
  update: { callSid: string; status: string; durationSeconds: number | undefined },
): Promise<string | undefined> {
  const terminal = TERMINAL_TWILIO_STATUSES.includes(update.status);
  const details = await db
    .updateTable('voice_call_details')
    .set((eb) => ({
      twilio_status: update.status,
      duration_seconds: update.durationSeconds ?? eb.ref('duration_seconds'),
      ended_at: terminal ? sql<Date>`coalesce(ended_at, now())` : eb.ref('ended_at'),
    }))
    .where('call_sid', '=', update.callSid)
    .where((eb) => (terminal ? eb.val(true) : eb('twilio_status', 'not in', TERMINAL_TWILIO_STATUSES)))
    .returning('conversation_id')
    .executeTakeFirst();
  if (!details) return undefined;
  const status = conversationStatusFor(update.status);
  if (status) {
    await db
      .updateTable('conversations')
      .set({ status, ended_at: sql`coalesce(ended_at, now())` })
      .where('id', '=', details.conversation_id)
      .where('status', '=', 'active')
      .execute();
  }
  return details.conversation_id;
}

export interface MessageRow {
  conversationId: string;
  seq: number;
  role: MessageRole;
  text: string;
  interrupted: boolean;
  spokenAt: Date;
}

export async function insertMessages(db: Db, rows: MessageRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('messages')
    .values(
      rows.map((r) => ({
        conversation_id: r.conversationId,
        seq: r.seq,
        role: r.role,
        text: r.text,
        interrupted: r.interrupted,
        spoken_at: r.spokenAt,
      })),
    )
    // A flush retried after a timeout must not duplicate turns.
    .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doNothing())
    .execute();
}

export interface EventRow {
  conversationId: string;
  seq: number;
  type: string;
  name: string | null;
  data: unknown;
  at: Date;
}

export async function insertEvents(db: Db, rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('conversation_events')
    .values(
      rows.map((r) => ({
        conversation_id: r.conversationId,
        seq: r.seq,
        type: r.type,
        name: r.name,
        data: JSON.stringify(r.data ?? {}),
        created_at: r.at,
      })),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doNothing())
    .execute();
}

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
  model: string;
  usage: unknown;
  costUsd: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? null;
}

/** Writes the end-of-call record: who ended it, timings, latency figures, usage and cost. */
export async function finishVoiceCall(db: Kysely<Database>, summary: VoiceCallSummary): Promise<void> {
  const sorted = [...summary.replyLatenciesMs].sort((a, b) => a - b);
  await db.transaction().execute(async (trx) => {
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
        reply_latency_max_ms: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
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
  });
}

/** What the <Connect action> needs to decide the caller's next TwiML when our stream ended. */
export async function findVoiceCallEnding(
  db: Kysely<Database>,
  callSid: string,
): Promise<{ endedBy: string | null; transferredTo: string | null } | undefined> {
  return db
    .selectFrom('voice_call_details')
    .select(['ended_by as endedBy', 'transferred_to as transferredTo'])
    .where('call_sid', '=', callSid)
    .executeTakeFirst();
}

/**
 * The next place in a conversation's timeline (messages and events share one sequence). Takes a
 * transaction-scoped lock, so writers in other processes (a reply job, an inbound text) queue up
 * instead of colliding on the same number.
 */
export async function nextConversationSeq(trx: Transaction<Database>, conversationId: string): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`conversation:${conversationId}`}, 0))`.execute(trx);
  return (await maxConversationSeq(trx, conversationId)) + 1;
}

/** The highest place used so far in a conversation's timeline, 0 if none. */
export async function maxConversationSeq(db: Db, conversationId: string): Promise<number> {
  const row = await sql<{ max: number | null }>`
    select greatest(
      (select max(seq) from messages where conversation_id = ${conversationId}),
      (select max(seq) from conversation_events where conversation_id = ${conversationId})) as max`.execute(db);
  return row.rows[0]?.max ?? 0;
}

/** What a conversation achieved, as the tools saw it happen (wins over any later guess). */
export async function recordOutcome(db: Db, conversationId: string, outcome: string): Promise<void> {
  await db.updateTable('conversations').set({ outcome, outcome_source: 'tool' }).where('id', '=', conversationId).execute();
}

/**
 * The front desk did not answer a transfer: the call comes back to the receptionist, so the
 * conversation is live again. Returns its id and who is calling, or undefined for an unknown call.
 */
export async function reopenAfterUnansweredTransfer(
  db: Kysely<Database>,
  callSid: string,
  dialStatus: string,
): Promise<{ conversationId: string; spaId: string; customerId: string | null; customerPhone: string | null } | undefined> {
  return db.transaction().execute(async (trx) => {
    const call = await trx
      .selectFrom('voice_call_details as v')
      .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
      .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
      .select(['c.id as conversationId', 'c.spa_id as spaId', 'c.customer_id as customerId', 'cu.phone as customerPhone'])
      .where('v.call_sid', '=', callSid)
      .executeTakeFirst();
    if (!call) return undefined;
    await trx.updateTable('conversations').set({ status: 'active', ended_at: null }).where('id', '=', call.conversationId).execute();
    await trx.updateTable('voice_call_details').set({ ended_by: null, ended_at: null }).where('call_sid', '=', callSid).execute();
    await trx
      .insertInto('conversation_events')
      .values({
        conversation_id: call.conversationId,
        seq: await nextConversationSeq(trx, call.conversationId),
        type: 'transfer_unanswered',
        data: JSON.stringify({ dialStatus }),
      })
      .execute();
    return call;
  });
}
