import { recordOutcome } from './conversation-repository.js';
import type { Db } from './database.js';

export interface StaffMessage {
  /** Chosen by the writer, so saving the same message again (a retry, a replay) adds nothing. */
  id: string;
  spaId: string;
  conversationId: string | null;
  customerId: string | null;
  callerName: string;
  /** E.164. */
  callbackNumber: string;
  reason: string;
  at: Date;
}

/** A callback request for staff; the conversation's outcome becomes "message_taken". */
export async function saveStaffMessage(db: Db, message: StaffMessage): Promise<void> {
  await db
    .insertInto('staff_messages')
    .values({
      id: message.id,
      spa_id: message.spaId,
      conversation_id: message.conversationId,
      customer_id: message.customerId,
      caller_name: message.callerName,
      callback_number: message.callbackNumber,
      reason: message.reason,
      created_at: message.at,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  if (message.conversationId) await recordOutcome(db, message.conversationId, 'message_taken');
}
