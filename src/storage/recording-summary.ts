import type { Db } from './database.js';
import { conversationRecordings, type RecordingRow } from './recording-repository.js';

/** Why a call has no recording to play. */
export type NoRecordingReason = 'off' | 'caller_declined' | 'failed' | 'expired' | 'erased';

export interface RecordingFacts {
  rows: RecordingRow[];
  /** The newest note of a recording of this conversation being deleted, if any. */
  deletedFor: 'retention' | 'erasure' | undefined;
  voicemail: { recordingSid: string; url: string; seconds: number | null } | null;
}

/** What the database knows of a conversation's recordings, deletions and voicemail. */
export async function recordingFacts(db: Db, spaId: string, conversationId: string): Promise<RecordingFacts> {
  const rows = await conversationRecordings(db, spaId, conversationId);
  const deletion = await db
    .selectFrom('data_deletions')
    .select('reason')
    .where('spa_id', '=', spaId)
    .where('conversation_id', '=', conversationId)
    .where('kind', '=', 'recording')
    .orderBy('deleted_at', 'desc')
    .executeTakeFirst();
  const erased = await db
    .selectFrom('conversations as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select('cu.erased_at')
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  const voicemail = await db
    .selectFrom('staff_messages')
    .select(['recording_sid', 'recording_url', 'recording_seconds'])
    .where('spa_id', '=', spaId)
    .where('conversation_id', '=', conversationId)
    .where('recording_sid', 'is not', null)
    .orderBy('created_at')
    .executeTakeFirst();
  return {
    rows,
    deletedFor: erased?.erased_at ? 'erasure' : deletion?.reason,
    voicemail:
      voicemail?.recording_sid && voicemail.recording_url
        ? { recordingSid: voicemail.recording_sid, url: voicemail.recording_url, seconds: voicemail.recording_seconds }
        : null,
  };
}

/** Why there is nothing to play, from the rows left and the deletions noted. */
export function noRecordingReason(facts: RecordingFacts): NoRecordingReason {
  if (facts.deletedFor === 'erasure') return 'erased';
  if (facts.deletedFor === 'retention') return 'expired';
  if (facts.rows.some((r) => r.status === 'declined')) return 'caller_declined';
  if (facts.rows.some((r) => r.status === 'failed')) return 'failed';
  return 'off';
}
