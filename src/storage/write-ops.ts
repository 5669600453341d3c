import { z } from 'zod';
import { CALL_ROUTES, recordCallRoute } from './call-route-repository.js';
import { recordOutcome } from './conversation-repository.js';
import { recordConversationLanguage } from './customer-repository.js';
import { appendStreamTimelines } from './conversation-timeline.js';
import type { Trx } from './database.js';
import { addJob } from './job-queue.js';
import { saveStaffMessage } from './staff-message-repository.js';
import { redeemStreamToken, type RedemptionVerdict } from './stream-redemption-repository.js';
import { finishVoiceCall } from './voice-call-end-record.js';
import {
  applyTwilioCallStatus,
  openVoiceConversation,
  reopenAfterUnansweredTransfer,
  type ResumedVoiceCall,
} from './voice-call-repository.js';
import { finishRecording, openRecording } from './recording-repository.js';
import { recordVoicemail } from './voicemail-repository.js';

/**
 * The writes a call makes, as plain JSON, so they can wait in memory or on disk while the database
 * is away and be applied later, in order, by any process. Each one is idempotent: applying it
 * twice (a retry after a timeout, a replay after a crash) leaves the same rows as applying it once.
 * Times travel as ISO strings and are parsed back when applied.
 */

const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const uuid = z.uuid();

const openVoiceCallOp = z.object({
  type: z.literal('open_voice_call'),
  conversationId: uuid,
  spaId: uuid,
  callSid: z.string().min(1),
  from: z.string().nullable(),
  to: z.string().min(1),
  startedAt: isoDate,
  /** A call on the console's test line (absent in writes queued before test calls existed). */
  test: z.boolean().optional(),
});

const appendTimelineOp = z.object({
  type: z.literal('append_timeline'),
  conversationId: uuid,
  streamSid: z.string().min(1),
  messages: z.array(
    z.object({
      seq: z.number().int().positive(),
      role: z.enum(['customer', 'assistant', 'staff', 'system']),
      text: z.string(),
      interrupted: z.boolean(),
      spokenAt: isoDate,
    }),
  ),
  events: z.array(
    z.object({
      seq: z.number().int().positive(),
      type: z.string().min(1),
      name: z.string().nullable(),
      data: z.unknown(),
      at: isoDate,
    }),
  ),
});

const finishVoiceCallOp = z.object({
  type: z.literal('finish_voice_call'),
  conversationId: uuid,
  streamSid: z.string().nullable(),
  streamStartedAt: isoDate.nullable(),
  endedAt: isoDate,
  endedBy: z.string().min(1),
  status: z.enum(['active', 'completed', 'transferred', 'failed', 'abandoned']),
  transferredTo: z.string().nullable(),
  greetingLatencyMs: z.number().int().nullable(),
  replyLatenciesMs: z.array(z.number().int()),
  /** Absent in writes queued before barge-ins were counted (they wait on disk across a deploy). */
  bargeIns: z.number().int().min(0).optional(),
  model: z.string(),
  usage: z.unknown(),
  costUsd: z.number().min(0),
});

const applyCallStatusOp = z.object({
  type: z.literal('apply_call_status'),
  callSid: z.string().min(1),
  status: z.string().min(1),
  durationSeconds: z.number().int().min(0).nullable(),
  at: isoDate,
});

const reopenAfterTransferOp = z.object({
  type: z.literal('reopen_after_transfer'),
  callSid: z.string().min(1),
  dialStatus: z.string().max(40),
  at: isoDate,
});

const redeemStreamTokenOp = z.object({
  type: z.literal('redeem_stream_token'),
  nonce: z.string().min(1).max(64),
  callSid: z.string().min(1),
  conversationId: uuid,
  leg: z.enum(['new', 'resume']),
  claimId: z.string().min(1).max(64),
  streamSid: z.string().min(1).max(64),
  machineId: z.string().min(1),
  expiresAt: isoDate,
});

const addJobOp = z.object({
  type: z.literal('add_job'),
  task: z.string().min(1),
  payload: z.unknown(),
  jobKey: z.string().min(1),
  runAt: isoDate.nullable(),
});

const takeStaffMessageOp = z.object({
  type: z.literal('take_staff_message'),
  id: uuid,
  spaId: uuid,
  conversationId: uuid.nullable(),
  customerId: uuid.nullable(),
  callerName: z.string().min(1),
  callbackNumber: z.string().min(1),
  reason: z.string().min(1),
  at: isoDate,
});

const recordOutcomeOp = z.object({
  type: z.literal('record_outcome'),
  conversationId: uuid,
  outcome: z.string().min(1),
});

const recordVoicemailOp = z.object({
  type: z.literal('record_voicemail'),
  callSid: z.string().min(1),
  recordingSid: z.string().min(1),
  recordingUrl: z.string().min(1),
  durationSeconds: z.number().int().min(0),
});

const recordCallRouteOp = z.object({
  type: z.literal('record_call_route'),
  callSid: z.string().min(1),
  route: z.enum(CALL_ROUTES),
  dialStatus: z.string().max(40).nullable(),
  ringSeconds: z.number().int().min(0).nullable(),
});

const recordLanguageOp = z.object({
  type: z.literal('record_language'),
  conversationId: uuid,
  language: z.string().min(2).max(10),
});

const openRecordingOp = z.object({
  type: z.literal('open_recording'),
  id: uuid,
  conversationId: uuid,
  spaId: uuid,
  streamSid: z.string().min(1),
  objectPrefix: z.string().min(1),
  format: z.string().min(1),
  channels: z.number().int().min(1).max(2),
  keyFingerprint: z.string().min(1),
  startedAt: isoDate,
});

const finishRecordingOp = z.object({
  type: z.literal('finish_recording'),
  id: uuid,
  status: z.enum(['complete', 'failed', 'declined']),
  endedAt: isoDate,
  durationMs: z.number().int().min(0),
  audioBytes: z.number().int().min(0),
  failure: z.string().nullable(),
});

export const writeOpSchema = z.discriminatedUnion('type', [
  openRecordingOp,
  finishRecordingOp,
  openVoiceCallOp,
  appendTimelineOp,
  finishVoiceCallOp,
  applyCallStatusOp,
  reopenAfterTransferOp,
  redeemStreamTokenOp,
  addJobOp,
  takeStaffMessageOp,
  recordOutcomeOp,
  recordVoicemailOp,
  recordCallRouteOp,
  recordLanguageOp,
]);

/** A write as it is queued (JSON: times as ISO strings). */
export type WriteOp = z.input<typeof writeOpSchema>;
export type WriteOpType = WriteOp['type'];
export type WriteOpOf<K extends WriteOpType> = Extract<WriteOp, { type: K }>;
type ParsedWriteOp = z.output<typeof writeOpSchema>;

/** What applying each kind of write tells the code that is waiting for it. */
export interface WriteOpResults {
  open_voice_call: { conversationId: string; customerId: string | null; preferredLanguage: string | null };
  append_timeline: null;
  /** False when the record was not this stream's to write (see `finishVoiceCall`). */
  finish_voice_call: { recorded: boolean };
  apply_call_status: { known: boolean; conversationId: string | null };
  reopen_after_transfer: ResumedVoiceCall | null;
  redeem_stream_token: { verdict: RedemptionVerdict };
  add_job: null;
  take_staff_message: null;
  record_outcome: null;
  record_voicemail: { known: boolean };
  record_call_route: { known: boolean };
  record_language: null;
  open_recording: null;
  finish_recording: null;
}

/** The queued JSON was not a write we know (a corrupt spill file, a newer version's write). */
export class InvalidWriteOpError extends Error {
  readonly code = 'INVALID_WRITE_OP';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWriteOpError';
  }
}

export function parseWriteOp(value: unknown): ParsedWriteOp {
  const parsed = writeOpSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidWriteOpError(`not a valid write: ${issue ? `${issue.path.join('.') || 'op'}: ${issue.message}` : 'unknown shape'}`);
}

/**
 * Applies writes in order inside the caller's transaction; returns what each one tells its waiter.
 * Consecutive timeline writes (most of what calls make) go to the database together.
 */
export async function applyWriteOps(trx: Trx, ops: ParsedWriteOp[]): Promise<WriteOpResults[WriteOpType][]> {
  const results: WriteOpResults[WriteOpType][] = [];
  for (let i = 0; i < ops.length; ) {
    const op = ops[i]!;
    if (op.type !== 'append_timeline') {
      results.push(await applyWriteOp(trx, op));
      i += 1;
      continue;
    }
    const run: Extract<ParsedWriteOp, { type: 'append_timeline' }>[] = [];
    for (let next = ops[i]; next?.type === 'append_timeline'; next = ops[i]) {
      run.push(next);
      i += 1;
    }
    await appendStreamTimelines(trx, run);
    for (let k = 0; k < run.length; k += 1) results.push(null);
  }
  return results;
}

async function applyWriteOp(trx: Trx, op: ParsedWriteOp): Promise<WriteOpResults[WriteOpType]> {
  switch (op.type) {
    case 'open_voice_call': {
      const opened = await openVoiceConversation(trx, op);
      return { conversationId: opened.conversationId, customerId: opened.customerId, preferredLanguage: opened.preferredLanguage };
    }
    case 'append_timeline':
      await appendStreamTimelines(trx, [op]);
      return null;
    case 'finish_voice_call':
      return { recorded: await finishVoiceCall(trx, op) };
    case 'apply_call_status': {
      const conversationId = await applyTwilioCallStatus(trx, {
        callSid: op.callSid,
        status: op.status,
        durationSeconds: op.durationSeconds ?? undefined,
        at: op.at,
      });
      return { known: conversationId !== undefined, conversationId: conversationId ?? null };
    }
    case 'reopen_after_transfer':
      return (await reopenAfterUnansweredTransfer(trx, op.callSid, op.dialStatus, op.at)) ?? null;
    case 'redeem_stream_token':
      return { verdict: await redeemStreamToken(trx, op) };
    case 'add_job':
      await addJob(trx, op.task, op.payload, { jobKey: op.jobKey, ...(op.runAt ? { runAt: op.runAt } : {}) });
      return null;
    case 'take_staff_message':
      await saveStaffMessage(trx, op);
      return null;
    case 'record_outcome':
      await recordOutcome(trx, op.conversationId, op.outcome);
      return null;
    case 'record_voicemail':
      return { known: await recordVoicemail(trx, op) };
    case 'record_call_route':
      return { known: await recordCallRoute(trx, op) };
    case 'record_language':
      await recordConversationLanguage(trx, op.conversationId, op.language);
      return null;
    case 'open_recording':
      await openRecording(trx, op);
      return null;
    case 'finish_recording':
      await finishRecording(trx, op);
      return null;
  }
}

/**
 * A write that refers to a row another write has not created yet (a foreign key): on another
 * machine, that write may still be waiting in its own queue, so this one waits a while too.
 */
export const MISSING_REFERENCE_PATIENCE_MS = 2 * 60_000;

export function isMissingReference(error: unknown): boolean {
  return !!error && typeof error === 'object' && 'code' in error && error.code === '23503';
}
