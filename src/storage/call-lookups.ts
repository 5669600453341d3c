import type { Db } from './database.js';

/** Who a call is between, as its records say: for a stream whose webhook another machine answered. */
export async function callParticipants(
  db: Db,
  conversationId: string,
): Promise<{ spaId: string; conversationId: string; customerId: string | null; customerPhone: string | null }> {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('customers as k', 'k.id', 'c.customer_id')
    .select(['c.spa_id as spaId', 'c.id as conversationId', 'c.customer_id as customerId', 'k.phone as customerPhone'])
    .where('c.id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return { ...row, customerPhone: row.customerPhone ?? null };
}

/** The spa a call (by Twilio's CallSid) belongs to, if it is on record. */
export async function spaIdOfCall(db: Db, callSid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select('c.spa_id as spaId')
    .where('v.call_sid', '=', callSid)
    .executeTakeFirst();
  return row?.spaId;
}

/** Every number a spa answers on. */
export async function spaPhoneNumbers(db: Db): Promise<{ phone: string; spaId: string }[]> {
  return db.selectFrom('spa_phone_numbers').select(['phone', 'spa_id as spaId']).execute();
}
