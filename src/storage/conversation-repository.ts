import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { upsertCustomerByPhone } from './customer-repository.js';
import type { ConversationStatus, Database, MessageRole } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** UUID namespace of voice conversations (RFC 9562 name-based ids, version 5). */
const VOICE_CONVERSATION_NAMESPACE = Buffer.from('6f1c2a4e5b7d4e0a9c3f8d2b1a0e7c56', 'hex');

/**
 * The conversation id of a call, derived from its CallSid: every machine, every retry of the
 * webhook and every replay of a queued write agrees on it without asking the database.
 */
export function voiceConversationId(callSid: string): string {
  const bytes = createHash('sha1').update(VOICE_CONVERSATION_NAMESPACE).update(callSid).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface OpenVoiceConversation {
  /** Chosen by the caller of this function (see `voiceConversationId`), so it is known without the database. */
  conversationId: string;
  spaId: string;
  callSid: string;
  /** The caller's number; they become (or stay) a customer of the spa. Null when withheld. */
  from: string | null;
  to: string;
  startedAt: Date;
}

/**
 * Creates the conversation, its voice details and the customer for a CallSid, or returns the
 * existing ones: Twilio retries webhooks, and the same write may be replayed after a restart.
 */
export async function openVoiceConversation(
  trx: Transaction<Database>,
  call: OpenVoiceConversation,
): Promise<{ conversationId: string; customerId: string | null; created: boolean }> {
  // Serialises concurrent retries of the same call.
  await sql`select pg_advisory_xact_lock(hashtextextended(${call.callSid}, 0))`.execute(trx);
  const existing = await trx
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select(['c.id', 'c.customer_id'])
    .where('v.call_sid', '=', call.callSid)
    .executeTakeFirst();
  if (existing) return { conversationId: existing.id, customerId: existing.customer_id, created: false };
  const customerId = call.from ? await upsertCustomerByPhone(trx, call.spaId, call.from) : null;
  await trx
    .insertInto('conversations')
    .values({
      id: call.conversationId,
      spa_id: call.spaId,
      customer_id: customerId,
      channel: 'voice',
      started_at: call.startedAt,
      last_activity_at: call.startedAt,
    })
    .execute();
  await trx
    .insertInto('voice_call_details')
    .values({
      conversation_id: call.conversationId,
      call_sid: call.callSid,
      from_number: call.from,
      to_number: call.to,
      twilio_status: 'ringing',
    })
    .execute();
  return { conversationId: call.conversationId, customerId, created: true };
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
  db: Db,
  update: { callSid: string; status: string; durationSeconds: number | undefined; at: Date },
): Promise<string | undefined> {
  const terminal = TERMINAL_TWILIO_STATUSES.includes(update.status);
  const details = await db
    .updateTable('voice_call_details')
    .set((eb) => ({
      twilio_status: update.status,
      duration_seconds: update.durationSeconds ?? eb.ref('duration_seconds'),
      ended_at: terminal ? sql<Date>`coalesce(ended_at, ${update.at}::timestamptz)` : eb.ref('ended_at'),
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
      .set({ status, ended_at: sql`coalesce(ended_at, ${update.at}::timestamptz)` })
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

/** Writes the end-of-call record: who ended it, timings, latency figures, usage and cost. Run it in a transaction. */
export async function finishVoiceCall(trx: Transaction<Database>, summary: VoiceCallSummary): Promise<void> {
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

/** Adds one event at the end of a conversation's timeline (outside a live call's own recorder). */
export async function appendConversationEvent(db: Kysely<Database>, conversationId: string, type: string, data: unknown): Promise<void> {
  const write = async (trx: Transaction<Database>) => {
    await trx
      .insertInto('conversation_events')
      .values({ conversation_id: conversationId, seq: await nextConversationSeq(trx, conversationId), type, data: JSON.stringify(data) })
      .execute();
  };
  if (db.isTransaction) await write(db as Transaction<Database>);
  else await db.transaction().execute(write);
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

export interface ResumedVoiceCall {
  conversationId: string;
  spaId: string;
  customerId: string | null;
  customerPhone: string | null;
}

/**
 * The front desk did not answer a transfer: the call comes back to the receptionist, so the
 * conversation is live again. Returns its id and who is calling, or undefined for an unknown call.
 */
export async function reopenAfterUnansweredTransfer(
  trx: Transaction<Database>,
  callSid: string,
  dialStatus: string,
  at: Date,
): Promise<ResumedVoiceCall | undefined> {
  const call = await trx
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.id as conversationId', 'c.spa_id as spaId', 'c.customer_id as customerId', 'cu.phone as customerPhone'])
    .where('v.call_sid', '=', callSid)
    .executeTakeFirst();
  if (!call) return undefined;
  // The same reopen applied again (a replay after a restart) changes nothing.
  const reopenedAt = at.toISOString();
  const already = await trx
    .selectFrom('conversation_events')
    .select('seq')
    .where('conversation_id', '=', call.conversationId)
    .where('type', '=', 'transfer_unanswered')
    .where(sql<string>`data->>'at'`, '=', reopenedAt)
    .executeTakeFirst();
  if (already) return call;
  await trx.updateTable('conversations').set({ status: 'active', ended_at: null }).where('id', '=', call.conversationId).execute();
  await trx.updateTable('voice_call_details').set({ ended_by: null, ended_at: null }).where('call_sid', '=', callSid).execute();
  await trx
    .insertInto('conversation_events')
    .values({
      conversation_id: call.conversationId,
      seq: await nextConversationSeq(trx, call.conversationId),
      type: 'transfer_unanswered',
      data: JSON.stringify({ dialStatus, at: reopenedAt }),
      created_at: at,
    })
    .execute();
  return call;
}

export interface StreamTimeline {
  conversationId: string;
  /** The media stream these turns and events happened on; their `seq`s count from 1 within it. */
  streamSid: string;
  messages: Omit<MessageRow, 'conversationId'>[];
  events: Omit<EventRow, 'conversationId'>[];
}

/** Rows per INSERT statement, well under Postgres's 65,535 parameters. */
const ROWS_PER_INSERT = 1_000;

/**
 * Writes streams' turns and events at their places in their conversations, in the order given,
 * with one INSERT per table for the lot. A stream's first write fixes where it starts (after
 * everything already in the conversation, e.g. an earlier stream of the same call); every later
 * write, and any replay of one, uses that same start.
 */
export async function appendStreamTimelines(trx: Transaction<Database>, timelines: StreamTimeline[]): Promise<void> {
  const key = (t: { conversationId: string; streamSid: string }) => `${t.conversationId} ${t.streamSid}`;
  const bases = await knownStreamBases(trx, timelines);
  let messages: MessageRow[] = [];
  let events: EventRow[] = [];
  const flush = async () => {
    for (let i = 0; i < messages.length; i += ROWS_PER_INSERT) await insertMessages(trx, messages.slice(i, i + ROWS_PER_INSERT));
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) await insertEvents(trx, events.slice(i, i + ROWS_PER_INSERT));
    messages = [];
    events = [];
  };
  for (const timeline of timelines) {
    let base = bases.get(key(timeline));
    if (base === undefined) {
      // A new stream starts after everything before it, including rows still gathered here.
      await flush();
      base = await fixStreamBase(trx, timeline.conversationId, timeline.streamSid);
      bases.set(key(timeline), base);
    }
    const { conversationId } = timeline;
    for (const m of timeline.messages) messages.push({ ...m, conversationId, seq: m.seq + base });
    for (const e of timeline.events) events.push({ ...e, conversationId, seq: e.seq + base });
  }
  await flush();
}

async function knownStreamBases(
  trx: Transaction<Database>,
  streams: { conversationId: string; streamSid: string }[],
): Promise<Map<string, number>> {
  const bases = new Map<string, number>();
  if (streams.length === 0) return bases;
  const rows = await trx
    .selectFrom('conversation_streams')
    .select(['conversation_id', 'stream_sid', 'base_seq'])
    .where('conversation_id', 'in', [...new Set(streams.map((s) => s.conversationId))])
    .execute();
  for (const row of rows) bases.set(`${row.conversation_id} ${row.stream_sid}`, row.base_seq);
  return bases;
}

async function fixStreamBase(trx: Transaction<Database>, conversationId: string, streamSid: string): Promise<number> {
  // The same lock as every other writer of this timeline, so nothing slips in while we look.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`conversation:${conversationId}`}, 0))`.execute(trx);
  await trx
    .insertInto('conversation_streams')
    .values({ conversation_id: conversationId, stream_sid: streamSid, base_seq: await maxConversationSeq(trx, conversationId) })
    .onConflict((oc) => oc.columns(['conversation_id', 'stream_sid']).doNothing())
    .execute();
  const fixed = await trx
    .selectFrom('conversation_streams')
    .select('base_seq')
    .where('conversation_id', '=', conversationId)
    .where('stream_sid', '=', streamSid)
    .executeTakeFirstOrThrow();
  return fixed.base_seq;
}

export interface Voicemail {
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  durationSeconds: number;
}

/**
 * A caller left a recorded message (the receptionist could not take the call): it becomes a
 * message for staff with its recording, an event in the call's timeline, and the call's outcome.
 * Idempotent per recording (a queued write, see write-ops). Returns false for a call we do not know.
 */
export async function recordVoicemail(trx: Transaction<Database>, voicemail: Voicemail): Promise<boolean> {
  const call = await trx
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.id as conversationId', 'c.spa_id as spaId', 'c.customer_id as customerId', 'cu.phone as phone', 'cu.name as name'])
    .where('v.call_sid', '=', voicemail.callSid)
    .executeTakeFirst();
  if (!call) return false;
  const inserted = await trx
    .insertInto('staff_messages')
    .values({
      spa_id: call.spaId,
      conversation_id: call.conversationId,
      customer_id: call.customerId,
      caller_name: call.name ?? 'Voicemail',
      callback_number: call.phone,
      reason: `Voicemail (${voicemail.durationSeconds} s): listen to the recording.`,
      recording_sid: voicemail.recordingSid,
      recording_url: voicemail.recordingUrl,
      recording_seconds: voicemail.durationSeconds,
    })
    .onConflict((oc) => oc.column('recording_sid').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return true;
  await appendConversationEvent(trx, call.conversationId, 'voicemail', {
    recordingSid: voicemail.recordingSid,
    recordingUrl: voicemail.recordingUrl,
    seconds: voicemail.durationSeconds,
  });
  await recordOutcome(trx, call.conversationId, 'message_taken');
  return true;
}
