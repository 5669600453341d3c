import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

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
