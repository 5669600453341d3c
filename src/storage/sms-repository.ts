import { sql, type Kysely } from 'kysely';
import { nextConversationSeq } from './conversation-repository.js';
import type { Database } from './schema.js';

/** Text threads: one patient, one spa; a new conversation after a quiet period. */

export async function openSmsThread(
  db: Kysely<Database>,
  spaId: string,
  customerId: string,
  quietHours: number,
  now: Date,
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`sms-thread:${spaId}:${customerId}`}, 0))`.execute(trx);
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
export async function appendSmsMessage(db: Kysely<Database>, message: SmsMessage): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
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

export async function setDeliveryStatus(db: Kysely<Database>, messageSid: string, status: string, errorCode: string | null): Promise<boolean> {
  const result = await db
    .updateTable('sms_details')
    .set({ delivery_status: status, error_code: errorCode })
    .where('message_sid', '=', messageSid)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Claims the right to send the text for `key`; false if it was already sent or is being sent. */
export async function claimSend(
  db: Kysely<Database>,
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
  db: Kysely<Database>,
  key: string,
  outcome: { status: 'sent' | 'failed' | 'skipped'; messageSid?: string; detail?: string },
): Promise<void> {
  await db
    .updateTable('sms_sends')
    .set({ status: outcome.status, message_sid: outcome.messageSid ?? null, detail: outcome.detail ?? null, updated_at: new Date() })
    .where('idempotency_key', '=', key)
    .execute();
}
