import { sql } from 'kysely';
import { lockFor, lockKeys } from './advisory-lock.js';
import { nextConversationSeq } from './conversation-timeline.js';
import { findPreferredLanguage, upsertCustomerByPhone } from './customer-repository.js';
import type { Db, Trx } from './database.js';
import { conversationStatusFor, TERMINAL_TWILIO_STATUSES } from './twilio-call-status.js';

/** A call's conversation and its voice details, keyed by Twilio's CallSid. */

export interface OpenVoiceConversation {
  /** Chosen by the caller of this function (see `voiceConversationId`), so it is known without the database. */
  conversationId: string;
  spaId: string;
  callSid: string;
  /** The caller's number; they become (or stay) a customer of the spa. Null when withheld. */
  from: string | null;
  to: string;
  startedAt: Date;
  /** A call on the console's test line, not a phone call. */
  test?: boolean;
}

/** Where a call stands when its voice webhook arrives (again): what tells a new call from a replay. */
export interface VoiceCallState {
  /** How long after the call's first webhook this one came (0 for the first). */
  sinceFirstWebhookMs: number;
  twilioStatus: string;
  /** A media stream of the call was let in (or wrote its timeline). */
  streamStarted: boolean;
  /** The call's record says it has ended. */
  ended: boolean;
}

/**
 * Creates the conversation, its voice details and the customer for a CallSid, or returns the
 * existing ones: Twilio retries webhooks, and the same write may be replayed after a restart.
 */
export async function openVoiceConversation(
  trx: Trx,
  call: OpenVoiceConversation,
): Promise<{ conversationId: string; customerId: string | null; preferredLanguage: string | null; created: boolean }> {
  await lockFor(trx, lockKeys.voiceCallOpening(call.callSid));
  const existing = await trx
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select(['c.id', 'c.customer_id'])
    .where('v.call_sid', '=', call.callSid)
    .executeTakeFirst();
  if (existing) {
    const preferredLanguage = existing.customer_id ? await findPreferredLanguage(trx, existing.customer_id) : null;
    return { conversationId: existing.id, customerId: existing.customer_id, preferredLanguage, created: false };
  }
  const customerId = call.from ? await upsertCustomerByPhone(trx, call.spaId, call.from) : null;
  const preferredLanguage = customerId ? await findPreferredLanguage(trx, customerId) : null;
  await trx
    .insertInto('conversations')
    .values({
      id: call.conversationId,
      spa_id: call.spaId,
      customer_id: customerId,
      channel: 'voice',
      started_at: call.startedAt,
      last_activity_at: call.startedAt,
      is_test: call.test === true,
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
  return { conversationId: call.conversationId, customerId, preferredLanguage, created: true };
}

/** Where a call stands, `at` the time of a webhook for it; undefined for a call not on record. */
export async function findVoiceCallState(db: Db, callSid: string, at: Date): Promise<VoiceCallState | undefined> {
  const row = await db
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select((eb) => [
      'c.started_at',
      'c.ended_at',
      'v.twilio_status',
      'v.stream_sid',
      eb
        .or([
          eb.exists(eb.selectFrom('stream_token_redemptions as r').select('r.nonce').whereRef('r.call_sid', '=', 'v.call_sid').where('r.leg', '=', 'new')),
          eb.exists(eb.selectFrom('conversation_streams as s').select('s.stream_sid').whereRef('s.conversation_id', '=', 'c.id')),
        ])
        .as('streamed'),
    ])
    .where('v.call_sid', '=', callSid)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    sinceFirstWebhookMs: at.getTime() - new Date(row.started_at).getTime(),
    twilioStatus: row.twilio_status,
    streamStarted: Boolean(row.streamed) || row.stream_sid !== null,
    ended: row.ended_at !== null,
  };
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

/** What the <Connect action> needs to decide the caller's next TwiML when our stream ended. */
export async function findVoiceCallEnding(
  db: Db,
  callSid: string,
): Promise<{ endedBy: string | null; transferredTo: string | null } | undefined> {
  return db
    .selectFrom('voice_call_details')
    .select(['ended_by as endedBy', 'transferred_to as transferredTo'])
    .where('call_sid', '=', callSid)
    .executeTakeFirst();
}

export interface ResumedVoiceCall {
  conversationId: string;
  spaId: string;
  customerId: string | null;
  customerPhone: string | null;
}

/** Twilio asks what next once a transfer's <Dial> ends: 25 s of ringing and the announcement, with room to spare. */
const TRANSFER_ANSWER_WINDOW_MS = 10 * 60_000;

/**
 * The call's record says its last leg ended in a transfer to a number, not long ago, and Twilio
 * has not reported the whole call over: only then may a "transfer not answered" bring it back.
 */
async function lastLegWasTransfer(trx: Trx, callSid: string, at: Date): Promise<boolean> {
  const leg = await trx
    .selectFrom('voice_call_details')
    .select(['ended_by', 'transferred_to', 'ended_at', 'twilio_status'])
    .where('call_sid', '=', callSid)
    .forUpdate()
    .executeTakeFirst();
  if (!leg || leg.ended_by !== 'transfer' || !leg.transferred_to || !leg.ended_at) return false;
  if (TERMINAL_TWILIO_STATUSES.includes(leg.twilio_status)) return false;
  const sinceEnd = at.getTime() - new Date(leg.ended_at).getTime();
  return sinceEnd >= -60_000 && sinceEnd <= TRANSFER_ANSWER_WINDOW_MS;
}

/**
 * The front desk did not answer a transfer: the call comes back to the receptionist, so the
 * conversation is live again. Returns its id and who is calling; undefined for an unknown call,
 * or one whose last leg was not a transfer (a forged or replayed "not answered").
 */
export async function reopenAfterUnansweredTransfer(
  trx: Trx,
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
  if (!(await lastLegWasTransfer(trx, callSid, at))) return undefined;
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
