import type { Db } from '../storage/database.js';
import { RecordingReader } from '../storage/recording-reader.js';
import type { RecordingStorage } from '../storage/recording-store.js';
import { noRecordingReason, recordingFacts } from '../storage/recording-summary.js';

/**
 * The `recording` part of a conversation's detail: whether there is one, how long, when its time
 * line starts (a message's `spokenAt` minus `startedAt` is its place in the audio), where to play
 * it, and why not when not; a voicemail Twilio recorded goes beside it.
 */
export async function describeRecording(db: Db, recordings: RecordingStorage, spaId: string, conversationId: string) {
  const facts = await recordingFacts(db, spaId, conversationId);
  const playable = facts.rows.filter((r) => r.status === 'complete' || r.status === 'recording');
  const legs = [];
  for (const [index, row] of playable.entries()) {
    // A recording whose machine died mid-call has no length in its row: the objects tell.
    const durationMs = row.durationMs ?? (await RecordingReader.open(recordings.store, row.objectPrefix, row.id, recordings.wrappingKey)).durationMs;
    legs.push({
      recordingId: row.id,
      status: row.status === 'complete' ? ('complete' as const) : ('partial' as const),
      startedAt: row.startedAt,
      durationMs,
      url: `/api/v1/conversations/${conversationId}/recording?leg=${index + 1}`,
    });
  }
  const first = legs[0];
  return {
    exists: first !== undefined,
    reason: first ? null : noRecordingReason(facts),
    durationMs: first ? legs.reduce((sum, leg) => sum + leg.durationMs, 0) : null,
    startedAt: first?.startedAt ?? null,
    url: first?.url ?? null,
    format: first ? { container: 'wav', encoding: 'g711-mulaw', sampleRateHz: 8_000, channels: ['caller', 'receptionist'] } : null,
    legs,
    stoppedAtCallersRequest: facts.rows.some((r) => r.status === 'declined'),
    voicemail: facts.voicemail,
  };
}
