import { inTransaction, type Db } from './database.js';
import { deleteRecording, deleteTranscript, erasedPhone, noteDeletion } from './data-deletions.js';
import type { ObjectStore } from './object-store.js';
import { conversationRecordings } from './recording-repository.js';

export interface ErasureResult {
  conversations: number;
  recordings: number;
  appointmentsKept: number;
}

/**
 * Erases one patient on request: their recordings (objects and rows), the transcripts and texts
 * of their conversations, messages for staff about them, verification codes, and their details.
 * Conversations stay as rows (costs, outcomes and the days' figures still add up) and
 * appointments keep pointing at the customer row, which keeps no personal data. Returns undefined
 * for a patient the spa does not have; erasing twice changes nothing more.
 */
export async function erasePatient(db: Db, store: ObjectStore, spaId: string, customerId: string, at: Date): Promise<ErasureResult | undefined> {
  const customer = await db.selectFrom('customers').select('id').where('id', '=', customerId).where('spa_id', '=', spaId).executeTakeFirst();
  if (!customer) return undefined;
  const conversations = await db.selectFrom('conversations').select('id').where('spa_id', '=', spaId).where('customer_id', '=', customerId).execute();
  let recordings = 0;
  // Objects first, outside the transaction: a failure here leaves everything for a retry.
  for (const { id } of conversations) {
    for (const recording of await conversationRecordings(db, spaId, id)) {
      await deleteRecording(db, store, recording, 'erasure', at);
      recordings += 1;
    }
  }
  return inTransaction(db, async (trx) => {
    for (const { id } of conversations) await deleteTranscript(trx, id, at);
    const ids = conversations.map((c) => c.id);
    await trx.deleteFrom('staff_messages').where('customer_id', '=', customerId).execute();
    if (ids.length > 0) await trx.deleteFrom('staff_messages').where('conversation_id', 'in', ids).execute();
    await trx.deleteFrom('caller_verifications').where('customer_id', '=', customerId).execute();
    const appointments = await trx.updateTable('appointments').set({ notes: null }).where('customer_id', '=', customerId).executeTakeFirst();
    await trx
      .updateTable('customers')
      .set({ phone: erasedPhone(customerId), name: null, email: null, notes: null, erased_at: at, updated_at: at })
      .where('id', '=', customerId)
      .execute();
    const result = { conversations: ids.length, recordings, appointmentsKept: Number(appointments.numUpdatedRows) };
    await noteDeletion(trx, { spaId, reason: 'erasure', kind: 'patient', conversationId: null, customerId, detail: result, at });
    return result;
  });
}
