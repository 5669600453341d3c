
import type { Db, Trx } from './database.js';
import type { ObjectStore } from './object-store.js';
import { deleteRecordingRow, type RecordingRow } from './recording-repository.js';
import type { DeletionKind, DeletionReason } from './schema.js';

/** Deleting recordings and transcripts, for retention and for a patient's erasure, and keeping a note of what went. */

export async function noteDeletion(
  db: Db,
  note: { spaId: string; reason: DeletionReason; kind: DeletionKind; conversationId: string | null; customerId: string | null; detail: object; at: Date },
): Promise<void> {
  await db
    .insertInto('data_deletions')
    .values({
      spa_id: note.spaId,
      reason: note.reason,
      kind: note.kind,
      conversation_id: note.conversationId,
      customer_id: note.customerId,
      detail: JSON.stringify(note.detail),
      deleted_at: note.at,
    })
    .execute();
}

/** The objects go first: a failure leaves the row, so the next run tries again and nothing is orphaned. */
export async function deleteRecording(db: Db, store: ObjectStore, recording: RecordingRow, reason: DeletionReason, at: Date): Promise<void> {
  const objects = await store.deletePrefix(recording.objectPrefix);
  await deleteRecordingRow(db, recording.id);
  await noteDeletion(db, {
    spaId: recording.spaId,
    reason,
    kind: 'recording',
    conversationId: recording.conversationId,
    customerId: null,
    detail: { recordingId: recording.id, startedAt: recording.startedAt.toISOString(), durationMs: recording.durationMs, objects },
    at,
  });
}

/** Removes a conversation's words (turns, events with their tool arguments, the summary); the row, costs and outcome stay. */
export async function deleteTranscript(trx: Trx, conversationId: string, at: Date): Promise<{ messages: number; events: number }> {
  const messages = await trx.deleteFrom('messages').where('conversation_id', '=', conversationId).executeTakeFirst();
  const events = await trx.deleteFrom('conversation_events').where('conversation_id', '=', conversationId).executeTakeFirst();
  await trx
    .updateTable('conversations')
    .set({ summary: null, questions: [], satisfaction_reason: null, transcript_deleted_at: at })
    .where('id', '=', conversationId)
    .execute();
  await trx.updateTable('voice_call_details').set({ from_number: null }).where('conversation_id', '=', conversationId).execute();
  return { messages: Number(messages.numDeletedRows), events: Number(events.numDeletedRows) };
}

/** Spas with their retention settings as stored (parsed by the caller). */
export async function spaRetentionSettings(db: Db): Promise<{ id: string; settings: unknown }[]> {
  return db.selectFrom('spas').select(['id', 'settings']).execute();
}

/** Ended conversations of a spa that started before `before` and still have their transcript. */
export async function conversationsWithTranscriptBefore(db: Db, spaId: string, before: Date, limit: number) {
  return db
    .selectFrom('conversations')
    .select(['id', 'channel'])
    .where('spa_id', '=', spaId)
    .where('started_at', '<', before)
    .where('status', '!=', 'active')
    .where('transcript_deleted_at', 'is', null)
    .orderBy('started_at')
    .limit(limit)
    .execute();
}

/** A placeholder number for an erased patient: +999 is no country's code, so it never reaches anyone. */
export function erasedPhone(customerId: string): string {
  const digits = BigInt(`0x${customerId.replace(/-/g, '').slice(0, 12)}`).toString().padStart(11, '0').slice(-11);
  return `+999${digits}`;
}

