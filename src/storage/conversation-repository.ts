import type { Db } from './database.js';

/**
 * The conversation itself, whatever its channel: its outcome and who answers it. Its timeline is
 * in conversation-timeline.ts; a call's details in voice-call-repository.ts; a text thread's in
 * sms-repository.ts.
 */

/** What a conversation achieved, as the tools saw it happen (wins over any later guess). */
export async function recordOutcome(db: Db, conversationId: string, outcome: string): Promise<void> {
  await db.updateTable('conversations').set({ outcome, outcome_source: 'tool' }).where('id', '=', conversationId).execute();
}

/** Staff take a conversation over (the receptionist stays quiet) or hand it back. False if the spa has no such conversation. */
export async function setAiPaused(db: Db, spaId: string, conversationId: string, paused: boolean): Promise<boolean> {
  const result = await db
    .updateTable('conversations')
    .set({ ai_paused: paused })
    .where('id', '=', conversationId)
    .where('spa_id', '=', spaId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A finished call as the follow-up text sees it: who called, how it ended, and the spa's name, zone and persona. */
export async function findFollowUpCall(db: Db, conversationId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('spas as s', 's.id', 'c.spa_id')
    .select(['c.spa_id as spaId', 'c.customer_id as customerId', 'c.outcome', 'c.ended_at as endedAt', 's.name as spaName', 's.timezone', 's.persona'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
}

/** Whether the customer said anything in the conversation. */
export async function customerSpoke(db: Db, conversationId: string): Promise<boolean> {
  const spoke = await db
    .selectFrom('messages')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('role', '=', 'customer')
    .limit(1)
    .executeTakeFirst();
  return spoke !== undefined;
}

/** Whether the customer has another conversation that started after `since` (they called or texted again). */
export async function hasLaterConversation(db: Db, customerId: string, conversationId: string, since: Date): Promise<boolean> {
  const later = await db
    .selectFrom('conversations')
    .select('id')
    .where('customer_id', '=', customerId)
    .where('id', '!=', conversationId)
    .where('started_at', '>', since)
    .limit(1)
    .executeTakeFirst();
  return later !== undefined;
}
