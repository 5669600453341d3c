import { recordOutcome } from './conversation-repository.js';
import { appendConversationEvent } from './conversation-timeline.js';
import type { Trx } from './database.js';

export interface Voicemail {
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  durationSeconds: number;
}

/**
 * A caller left a recorded message (the receptionist could not take the call): it becomes a
 * message for staff with its recording, an event in the call's timeline, and the call's outcome.
 * Idempotent per recording (a queued write, see write-ops). Returns false for a call we do not know.
 */
export async function recordVoicemail(trx: Trx, voicemail: Voicemail): Promise<boolean> {
  const call = await trx
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.id as conversationId', 'c.spa_id as spaId', 'c.customer_id as customerId', 'cu.phone as phone', 'cu.name as name'])
    .where('v.call_sid', '=', voicemail.callSid)
    .executeTakeFirst();
  if (!call) return false;
  const inserted = await trx
    .insertInto('staff_messages')
    .values({
      spa_id: call.spaId,
      conversation_id: call.conversationId,
      customer_id: call.customerId,
      caller_name: call.name ?? 'Voicemail',
      callback_number: call.phone,
      reason: `Voicemail (${voicemail.durationSeconds} s): listen to the recording.`,
      recording_sid: voicemail.recordingSid,
      recording_url: voicemail.recordingUrl,
      recording_seconds: voicemail.durationSeconds,
    })
    .onConflict((oc) => oc.column('recording_sid').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return true;
  await appendConversationEvent(trx, call.conversationId, 'voicemail', {
    recordingSid: voicemail.recordingSid,
    recordingUrl: voicemail.recordingUrl,
    seconds: voicemail.durationSeconds,
  });
  await recordOutcome(trx, call.conversationId, 'message_taken');
  return true;
}
