import { sql } from 'kysely';
import { lockFor, lockKeys } from './advisory-lock.js';
import { nextConversationSeq } from './conversation-timeline.js';
import { inTransaction, type Db } from './database.js';

/** Text threads: one patient, one spa; a new conversation after a quiet period. */

export async function openSmsThread(
  db: Db,
  spaId: string,
  customerId: string,
  quietHours: number,
  now: Date,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    await lockFor(trx, lockKeys.smsThread(spaId, customerId));
    const open = await trx
      .selectFrom('conversations')
      .select('id')
      .where('spa_id', '=', spaId)
      .where('customer_id', '=', customerId)
      .where('channel', '=', 'sms')
      .where('last_activity_at', '>', new Date(now.getTime() - quietHours * 3_600_000))
      .orderBy('last_activity_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (open) return open.id;
    const created = await trx
      .insertInto('conversations')
      .values({ spa_id: spaId, customer_id: customerId, channel: 'sms', started_at: now, last_activity_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return created.id;
  });
}

export interface SmsMessage {
  conversationId: string;
  role: 'customer' | 'assistant' | 'staff';
  text: string;
  messageSid: string;
  direction: 'inbound' | 'outbound';
  numSegments: number | null;
  media?: { url: string; contentType: string }[];
  deliveryStatus?: string | null;
  at: Date;
}

/** Appends a text to its thread; a MessageSid seen before is not stored twice. Returns false then. */
export async function appendSmsMessage(db: Db, message: SmsMessage): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const seen = await trx.selectFrom('sms_details').select('message_id').where('message_sid', '=', message.messageSid).executeTakeFirst();
    if (seen) return false;
    const seq = await nextConversationSeq(trx, message.conversationId);
    const row = await trx
      .insertInto('messages')
      .values({
        conversation_id: message.conversationId,
        seq,
        role: message.role,
        text: message.text,
        spoken_at: message.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('sms_details')
      .values({
        message_id: row.id,
        message_sid: message.messageSid,
        direction: message.direction,
        num_segments: message.numSegments,
        media: JSON.stringify(message.media ?? []),
        delivery_status: message.deliveryStatus ?? null,
      })
      .onConflict((oc) => oc.column('message_sid').doNothing())
      .execute();
    await trx.updateTable('conversations').set({ last_activity_at: message.at }).where('id', '=', message.conversationId).execute();
    return true;
  });
}

export async function setDeliveryStatus(db: Db, messageSid: string, status: string, errorCode: string | null): Promise<boolean> {
  const result = await db
    .updateTable('sms_details')
    .set({ delivery_status: status, error_code: errorCode })
    .where('message_sid', '=', messageSid)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Claims the right to send the text for `key`; false if it was already sent or is being sent. */
export async function claimSend(
  db: Db,
  send: { key: string; spaId: string; customerId: string | null; purpose: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto('sms_sends')
    .values({ idempotency_key: send.key, spa_id: send.spaId, customer_id: send.customerId, purpose: send.purpose, status: 'sending' })
    .onConflict((oc) =>
      // A send that failed cleanly (Twilio said no) may be tried again.
      oc.column('idempotency_key').doUpdateSet({ status: 'sending', updated_at: sql`now()` }).where('sms_sends.status', '=', 'failed'),
    )
    .returning('idempotency_key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function finishSend(
  db: Db,
  key: string,
  outcome: { status: 'sent' | 'failed' | 'skipped'; messageSid?: string; detail?: string },
): Promise<void> {
  await db
    .updateTable('sms_sends')
    .set({ status: outcome.status, message_sid: outcome.messageSid ?? null, detail: outcome.detail ?? null, updated_at: new Date() })
    .where('idempotency_key', '=', key)
    .execute();
}

/** A text thread as the reply job sees it: who it is with, and whether the receptionist may answer. */
export async function findReplyableThread(db: Db, conversationId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.spa_id as spaId', 'c.customer_id as customerId', 'c.ai_paused as aiPaused', 'cu.phone', 'cu.sms_opted_out_at as optedOut'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
}

/** The thread's last `limit` messages, oldest first, with each text's MessageSid and media. */
export async function recentThreadMessages(db: Db, conversationId: string, limit: number) {
  const newestFirst = await db
    .selectFrom('messages')
    .leftJoin('sms_details', 'sms_details.message_id', 'messages.id')
    .select(['messages.role', 'messages.text', 'sms_details.message_sid as sid', 'sms_details.media'])
    .where('messages.conversation_id', '=', conversationId)
    .orderBy('messages.seq', 'desc')
    .limit(limit)
    .execute();
  return newestFirst.reverse();
}

/** Whether a send was already claimed for `key` (see `claimSend`), whatever became of it. */
export async function sendClaimed(db: Db, key: string): Promise<boolean> {
  return (await db.selectFrom('sms_sends').select('idempotency_key').where('idempotency_key', '=', key).executeTakeFirst()) !== undefined;
}

/** The thread's latest inbound text, with its spa's name (what a HELP reply needs). */
export async function latestInboundText(db: Db, conversationId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('spas as s', 's.id', 'c.spa_id')
    .innerJoin('messages as m', 'm.conversation_id', 'c.id')
    .innerJoin('sms_details as d', 'd.message_id', 'm.id')
    .select(['c.spa_id as spaId', 'c.customer_id as customerId', 's.name', 'd.message_sid as sid'])
    .where('c.id', '=', conversationId)
    .where('d.direction', '=', 'inbound')
    .orderBy('m.seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A spa's conversation as staff answering by text see it: its channel, patient, and opt-out. */
export async function findStaffTextThread(db: Db, spaId: string, conversationId: string) {
  return db
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.channel', 'c.customer_id as customerId', 'cu.sms_opted_out_at as optedOut'])
    .where('c.id', '=', conversationId)
    .where('c.spa_id', '=', spaId)
    .executeTakeFirst();
}
