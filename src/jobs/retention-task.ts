import type { Task } from 'graphile-worker';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock.js';
import type { Db } from '../storage/database.js';
import { conversationsWithTranscriptBefore, deleteRecording, deleteTranscript, noteDeletion, spaRetentionSettings } from '../storage/data-deletions.js';
import { inTransaction } from '../storage/database.js';
import type { RecordingStorage } from '../storage/recording-store.js';
import { recordingsStartedBefore } from '../storage/recording-repository.js';
import { spaSettingsSchema } from '../storage/spa-profile.js';

export const RETENTION_TASK = 'apply_retention';
/** Daily at 03:17 UTC (graphile-worker's crontab: one run across all machines). */
export const RETENTION_CRONTAB = `17 3 * * * ${RETENTION_TASK}`;
const BATCH = 200;
const DAY_MS = 86_400_000;

export interface RetentionResult {
  recordings: number;
  transcripts: number;
}

/**
 * Deletes, for every spa, recordings older than its `recording.retentionDays` (objects, then the
 * row) and, when `transcriptRetentionDays` is set, the transcripts and texts of conversations
 * older than that; each deletion is noted in `data_deletions`. Ages are by the injected clock.
 */
export async function applyRetention(deps: { db: Db; recordings: RecordingStorage; now: Clock; log: Logger }): Promise<RetentionResult> {
  const { db, now, log } = deps;
  const result: RetentionResult = { recordings: 0, transcripts: 0 };
  for (const spa of await spaRetentionSettings(db)) {
    const settings = spaSettingsSchema.safeParse(spa.settings);
    if (!settings.success) {
      log.warn({ spaId: spa.id }, 'retention skipped a spa whose settings do not parse');
      continue;
    }
    const at = now();
    const recordingCutoff = new Date(at.getTime() - settings.data.recording.retentionDays * DAY_MS);
    for (let batch = await recordingsStartedBefore(db, spa.id, recordingCutoff, BATCH); batch.length > 0; batch = await recordingsStartedBefore(db, spa.id, recordingCutoff, BATCH)) {
      for (const recording of batch) await deleteRecording(db, deps.recordings.store, recording, 'retention', at);
      result.recordings += batch.length;
    }
    const days = settings.data.transcriptRetentionDays;
    if (days === null) continue;
    const transcriptCutoff = new Date(at.getTime() - days * DAY_MS);
    for (let batch = await conversationsWithTranscriptBefore(db, spa.id, transcriptCutoff, BATCH); batch.length > 0; batch = await conversationsWithTranscriptBefore(db, spa.id, transcriptCutoff, BATCH)) {
      for (const conversation of batch) {
        await inTransaction(db, async (trx) => {
          const deleted = await deleteTranscript(trx, conversation.id, at);
          await noteDeletion(trx, {
            spaId: spa.id,
            reason: 'retention',
            kind: conversation.channel === 'sms' ? 'text_thread' : 'transcript',
            conversationId: conversation.id,
            customerId: null,
            detail: deleted,
            at,
          });
        });
      }
      result.transcripts += batch.length;
    }
  }
  if (result.recordings + result.transcripts > 0) log.info(result, 'retention deleted expired recordings and transcripts');
  return result;
}

export function retentionTasks(deps: { db: Db; recordings: RecordingStorage; now: Clock; log: Logger }): Record<string, Task> {
  return {
    [RETENTION_TASK]: async () => {
      await applyRetention(deps);
    },
  };
}
