import type { Logger } from 'pino';
import type { ConversationStatus } from '../storage/schema.js';
import type { CallFigures } from './call-figures.js';
import type { CallRecorder } from './call-recorder.js';

export type CallEndReason =
  | 'caller'
  | 'assistant'
  | 'transfer'
  | 'model_failure'
  | 'setup_failure'
  | 'stream_closed'
  | 'shutdown'
  | 'idle'
  | 'max_length';

const STATUS_FOR_REASON: Record<CallEndReason, ConversationStatus> = {
  caller: 'completed',
  assistant: 'completed',
  transfer: 'transferred',
  model_failure: 'failed',
  setup_failure: 'failed',
  stream_closed: 'completed',
  shutdown: 'completed',
  idle: 'completed',
  max_length: 'completed',
};

/** The conversation's status after a call that ended this way (the `outcome` of the call metric). */
export function callOutcome(reason: CallEndReason): ConversationStatus {
  return STATUS_FOR_REASON[reason];
}

export interface CallEnd {
  reason: CallEndReason;
  streamSid: string;
  startedAt: Date;
  endedAt: Date;
  transferredTo: string | null;
  /** The model named on the record when no session served the call (else the last that did). */
  modelName: string;
  /** What led to an ending of ours, in words staff can read (e.g. the provider's error). */
  why?: string;
}

/**
 * Records how the call ended, with its figures and cost, and queues the end of its record.
 * Resolves once that is written (or safe in the write queue); never rejects.
 */
export async function recordCallEnd(recorder: CallRecorder, figures: CallFigures, log: Logger, end: CallEnd): Promise<void> {
  const { usage, usageByModel, transcriptionUsage, greetingLatencyMs, replyLatenciesMs, bargeIns } = figures;
  const costUsd = figures.costUsd();
  // `byProvider` lets the bill price each provider's part at its own rates.
  recorder.event('call_ended', end.reason, { usage, byProvider: usageByModel, transcriptionUsage, costUsd, ...(end.why ? { why: end.why } : {}) });
  await recorder
    .finish({
      streamSid: end.streamSid,
      streamStartedAt: end.startedAt,
      endedAt: end.endedAt,
      endedBy: end.reason,
      status: STATUS_FOR_REASON[end.reason],
      transferredTo: end.transferredTo,
      greetingLatencyMs,
      replyLatenciesMs,
      bargeIns,
      model: usageByModel.at(-1)?.model ?? end.modelName,
      usage,
      costUsd,
    })
    .catch((error: unknown) => log.error({ err: error }, 'could not write the end of the call record'));
}
