import { sql } from 'kysely';
import { lockFor, lockKeys } from './advisory-lock.js';
import { nextConversationSeq } from './conversation-timeline.js';
import { upsertCustomerByPhone } from './customer-repository.js';
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
}

/**
 * Creates the conversation, its voice details and the customer for a CallSid, or returns the
 * existing ones: Twilio retries webhooks, and the same write may be replayed after a restart.
 */
export async function openVoiceConversation(
  trx: Trx,
  call: OpenVoiceConversation,
): Promise<{ conversationId: string; customerId: string | null; created: boolean }> {
  await lockFor(trx, lockKeys.voiceCallOpening(call.callSid));
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

/**
 * The front desk did not answer a transfer: the call comes back to the receptionist, so the
 * conversation is live again. Returns its id and who is calling, or undefined for an unknown call.
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
