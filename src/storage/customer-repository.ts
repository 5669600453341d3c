import { sql } from 'kysely';
import type { Db } from './database.js';

/** One customer per spa and phone number, across calls and texts. Returns the customer's id. */
export async function upsertCustomerByPhone(db: Db, spaId: string, phone: string): Promise<string> {
  const row = await db
    .insertInto('customers')
    .values({ spa_id: spaId, phone })
    .onConflict((oc) => oc.columns(['spa_id', 'phone']).doUpdateSet({ updated_at: sql`customers.updated_at` }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface CustomerView {
  id: string;
  phone: string;
  name: string | null;
  email: string | null;
}

export async function findCustomerByPhone(db: Db, spaId: string, phone: string): Promise<CustomerView | undefined> {
  return db
    .selectFrom('customers')
    .select(['id', 'phone', 'name', 'email'])
    .where('spa_id', '=', spaId)
    .where('phone', '=', phone)
    .executeTakeFirst();
}

export async function findCustomersByName(db: Db, spaId: string, name: string): Promise<CustomerView[]> {
  const pattern = `%${name.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('customers')
    .select(['id', 'phone', 'name', 'email'])
    .where('spa_id', '=', spaId)
    .where(sql<string>`lower(name)`, 'like', pattern)
    .limit(5)
    .execute();
}

/**
 * The customer for a phone number, created if new. Details fill in what is missing but never
 * overwrite a name or email on file (a caller may book for someone else from their own phone).
 */
export async function saveCustomerDetails(
  db: Db,
  spaId: string,
  phone: string,
  details: { name?: string | undefined; email?: string | undefined },
): Promise<{ id: string; name: string | null }> {
  const row = await db
    .insertInto('customers')
    .values({ spa_id: spaId, phone, name: details.name ?? null, email: details.email ?? null })
    .onConflict((oc) =>
      oc.columns(['spa_id', 'phone']).doUpdateSet({
        name: sql`coalesce(customers.name, excluded.name)`,
        email: sql`coalesce(customers.email, excluded.email)`,
        updated_at: new Date(),
      }),
    )
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function findCustomerContact(db: Db, customerId: string): Promise<{ name: string | null; phone: string; email: string | null }> {
  return db.selectFrom('customers').select(['name', 'phone', 'email']).where('id', '=', customerId).executeTakeFirstOrThrow();
}

/** The spa's customer a text goes to: their number and whether they opted out. Throws for a customer of another spa. */
export async function findTextRecipient(db: Db, spaId: string, customerId: string): Promise<{ phone: string; sms_opted_out_at: Date | null }> {
  return db
    .selectFrom('customers')
    .select(['phone', 'sms_opted_out_at'])
    .where('id', '=', customerId)
    .where('spa_id', '=', spaId)
    .executeTakeFirstOrThrow();
}

/** The customer opted out of texts at `at`, or (null) back in. */
export async function setSmsOptedOut(db: Db, customerId: string, at: Date | null): Promise<void> {
  await db.updateTable('customers').set({ sms_opted_out_at: at }).where('id', '=', customerId).execute();
}

/** The language a patient spoke or wrote to us in last (ISO 639-1), or null if never told. */
export async function findPreferredLanguage(db: Db, customerId: string): Promise<string | null> {
  const row = await db.selectFrom('customers').select('preferred_language').where('id', '=', customerId).executeTakeFirst();
  return row?.preferred_language ?? null;
}

/**
 * A conversation was held in `language`: the conversation shows it, and its patient is spoken and
 * written to in it from now on (calls, confirmations, reminders, replies).
 */
export async function recordConversationLanguage(db: Db, conversationId: string, language: string): Promise<void> {
  const conversation = await db
    .updateTable('conversations')
    .set({ language })
    .where('id', '=', conversationId)
    .returning('customer_id')
    .executeTakeFirst();
  if (conversation?.customer_id)
    await db.updateTable('customers').set({ preferred_language: language, updated_at: new Date() }).where('id', '=', conversation.customer_id).execute();
}
