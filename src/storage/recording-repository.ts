import type { Db, Trx } from './database.js';
import type { RecordingStatus } from './schema.js';

/** Rows of call recordings: opened when recording starts, finished when it ends (both through the write queue). */

export interface OpenedRecording {
  id: string;
  conversationId: string;
  spaId: string;
  streamSid: string;
  objectPrefix: string;
  format: string;
  channels: number;
  keyFingerprint: string;
  startedAt: Date;
}

export interface FinishedRecording {
  id: string;
  status: Exclude<RecordingStatus, 'recording'>;
  endedAt: Date;
  durationMs: number;
  audioBytes: number;
  failure: string | null;
}

export async function openRecording(trx: Trx, r: OpenedRecording): Promise<void> {
  await trx
    .insertInto('recordings')
    .values({
      id: r.id,
      conversation_id: r.conversationId,
      spa_id: r.spaId,
      stream_sid: r.streamSid,
      object_prefix: r.objectPrefix,
      status: 'recording',
      format: r.format,
      channels: r.channels,
      key_fingerprint: r.keyFingerprint,
      started_at: r.startedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function finishRecording(trx: Trx, r: FinishedRecording): Promise<void> {
  await trx
    .updateTable('recordings')
    .set({ status: r.status, ended_at: r.endedAt, duration_ms: r.durationMs, audio_bytes: r.audioBytes, failure: r.failure })
    .where('id', '=', r.id)
    .execute();
}

export interface RecordingRow {
  id: string;
  conversationId: string;
  spaId: string;
  status: RecordingStatus;
  objectPrefix: string;
  format: string;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  failure: string | null;
}

const columns = [
  'id',
  'conversation_id as conversationId',
  'spa_id as spaId',
  'status',
  'object_prefix as objectPrefix',
  'format',
  'started_at as startedAt',
  'ended_at as endedAt',
  'duration_ms as durationMs',
  'failure',
] as const;

/** A conversation's recordings, first leg first. */
export async function conversationRecordings(db: Db, spaId: string, conversationId: string): Promise<RecordingRow[]> {
  return db
    .selectFrom('recordings')
    .select(columns)
    .where('spa_id', '=', spaId)
    .where('conversation_id', '=', conversationId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
}

/** Recordings whose conversation started before `before` (retention). */
export async function recordingsStartedBefore(db: Db, spaId: string, before: Date, limit: number): Promise<RecordingRow[]> {
  return db.selectFrom('recordings').select(columns).where('spa_id', '=', spaId).where('started_at', '<', before).orderBy('started_at').limit(limit).execute();
}

export async function deleteRecordingRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('recordings').where('id', '=', id).execute();
}
