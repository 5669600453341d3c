import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CALL_FOLLOW_UP_TASK, queueConversationAnalysis, queueDelay } from '../storage/job-queue.js';
import { removeLiveCall } from '../storage/live-call-repository.js';
import type { Database } from '../storage/schema.js';
import type { WriteQueue } from '../storage/write-queue.js';
import type { CallSetup } from './call-setup.js';
import type { CallEndReason } from './call-session.js';
import type { KnownCalls } from './known-calls.js';

/** A follow-up text after an unfinished call waits this long (the caller may call straight back). */
export const FOLLOW_UP_DELAY_MS = 10 * 60_000;

export interface AfterCallDependencies {
  db: Kysely<Database>;
  writes: WriteQueue;
  knownCalls: KnownCalls;
}

export interface EndedCall {
  callSid: string;
  conversationId: string;
  /** Resolves once the call's record is written. */
  done: Promise<void>;
  reason: CallEndReason;
  /** The call's setup (spa, participants); rejects if it never completed. */
  setup: Promise<CallSetup>;
  log: Logger;
  /** The call's trace context: the analysis job links its own trace to it. */
  trace?: Record<string, string>;
  /** A call on the console's test line: analysed like any call, but no follow-up text. */
  test?: boolean;
}

/**
 * Everything that follows a call's end, off the call's own path: it leaves the live list, a call
 * handed to staff is remembered in case nobody answers, the analysis is queued once the record is
 * written, and a caller who hung up with nothing settled may get a text to finish by message.
 */
export function afterCall(deps: AfterCallDependencies, call: EndedCall): void {
  const { db, writes, knownCalls } = deps;
  const { log, setup } = call;
  knownCalls.forget(call.conversationId);
  log.info({ reason: call.reason }, 'call ended');
  removeLiveCall(db, call.callSid).catch((error: unknown) => log.warn({ err: error }, 'could not unlist the live call'));
  if (call.reason === 'transfer') setup.then((participants) => knownCalls.handedToStaff(call.callSid, participants), () => {});
  // Summary, outcome, score and cost, once the call's record is written.
  void call.done
    .then(() => queueConversationAnalysis(db, call.conversationId, call.trace ? { trace: call.trace } : {}))
    .catch((error: unknown) => log.warn({ err: error }, 'could not queue the call analysis'));
  // The job's task checks the caller on file when it runs, so a call that began while the
  // database was away (no customer id yet) is considered too.
  if (!call.test && (call.reason === 'caller' || call.reason === 'stream_closed'))
    setup
      .then(({ spa, conversationId, customerPhone }) => {
        if (!spa.settings.followUpAbandonedCalls || !customerPhone) return;
        writes.enqueue({
          type: 'add_job',
          task: CALL_FOLLOW_UP_TASK,
          payload: { conversationId },
          jobKey: `follow-up:${conversationId}`,
          runAt: queueDelay(FOLLOW_UP_DELAY_MS).toISOString(),
        });
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not queue the follow-up text'));
}
