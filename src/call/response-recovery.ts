import type { Logger } from 'pino';
import type { RealtimeModel, RealtimeResponseDone, RealtimeResponseFailure } from '../realtime/realtime-model.js';
import type { CallRecorder } from './call-recorder.js';
import { incompleteReplyNote } from './instructions.js';

/** Pauses before each retry of a failed response; their number is the number of retries. */
const RETRY_PAUSES_MS = [150, 500];
/** A failure not recovered from within this is handed over (well inside the 3 s a caller may wait). */
const RETRY_BUDGET_MS = 2_000;
/** A retry quicker than this goes unnoticed; a slower one gets "One moment, please." */
const HOLD_PROMPT_AFTER_MS = 300;

export interface ResponseRecoveryOptions {
  recorder: CallRecorder;
  log: Logger;
  now: () => number;
}

/** What recovering a response needs of the call. */
export interface RecoveringCall {
  isEnded(): boolean;
  /** The model session now serving the call; absent while a lost connection is being restored. */
  model(): RealtimeModel | undefined;
  /** Nothing is playing or being generated. */
  silent(): boolean;
  /** A goodbye is being said: the call ends once it is heard, nothing more is asked. */
  sayingGoodbye(): boolean;
  holdPrompt(): void;
  /** The model will not answer: the caller goes to people, as for an unreachable model. */
  handOver(why: string): void;
}

interface FailureStreak {
  since: number;
  failures: number;
  holdTimer: NodeJS.Timeout;
  retryTimer: NodeJS.Timeout | undefined;
}

/**
 * Responses that end without everything they had to say. A failed one is retried when the
 * failure is transient (twice at most, within RETRY_BUDGET_MS, the caller hearing "One moment,
 * please." if that takes longer than a moment); a persistent failure, or one that keeps coming,
 * hands the caller over at once. An incomplete one (too long, or the safety filter) is followed by
 * a short reply that carries on. A cancelled one follows a barge-in and needs nothing.
 */
export class ResponseRecovery {
  private streak: FailureStreak | undefined;
  /** A follow-up to an incomplete reply was asked for; another incomplete one is not followed up again. */
  private followingUpIncomplete = false;
  private stopped = false;

  constructor(
    private readonly options: ResponseRecoveryOptions,
    private readonly call: RecoveringCall,
  ) {}

  /** A failed response is being retried: the call is not idle, and not to be hung up. */
  get retrying(): boolean {
    return this.streak !== undefined;
  }

  responseDone(done: RealtimeResponseDone): void {
    if (this.stopped || this.call.isEnded()) return;
    switch (done.status) {
      case 'completed':
        if (!done.outOfBand) this.recovered();
        return;
      case 'failed':
        return this.failed(done, done.failure ?? { code: 'unknown', message: '', transient: true });
      case 'incomplete':
        if (!done.outOfBand) this.clearStreak();
        return this.incomplete(done);
      case 'cancelled':
        // The caller spoke over it: the model answers them next, no retry needed.
        if (!done.outOfBand && this.streak?.retryTimer === undefined) this.clearStreak();
        return;
    }
  }

  /** The model connection is lost: restoring it is the model link's business, and it asks for a reply itself. */
  connectionLost(): void {
    this.clearStreak();
    this.followingUpIncomplete = false;
  }

  stop(): void {
    this.stopped = true;
    this.clearStreak();
  }

  private failed(done: RealtimeResponseDone, failure: RealtimeResponseFailure): void {
    const { recorder, log, now } = this.options;
    const record = (attempt: number) =>
      recorder.event('error', 'response_failed', {
        responseId: done.responseId,
        code: failure.code,
        message: failure.message,
        transient: failure.transient,
        attempt,
        ...(done.outOfBand ? { outOfBand: true } : {}),
      });
    // A filler that failed for a passing reason is not worth repeating: the reply it covered for is still to come.
    if (done.outOfBand && failure.transient) {
      record(0);
      log.warn({ code: failure.code }, 'a filler response failed');
      return;
    }
    const streak = this.streak ?? this.startStreak();
    streak.failures += 1;
    const attempt = streak.failures;
    record(attempt);
    const pause = RETRY_PAUSES_MS[attempt - 1];
    const elapsed = now() - streak.since;
    const wait = Math.max(pause ?? 0, failure.retryAfterMs ?? 0);
    if (!failure.transient || pause === undefined || elapsed + wait > RETRY_BUDGET_MS) {
      const why = failure.transient ? `${attempt} responses in a row failed` : 'a failure that will not pass';
      log.error({ code: failure.code, message: failure.message, attempts: attempt, transient: failure.transient }, 'the realtime model failed to respond; handing the call over');
      this.clearStreak();
      this.call.handOver(`the model failed to respond (${failure.code}${failure.message ? `: ${failure.message}` : ''}); ${why}`);
      return;
    }
    log.warn({ code: failure.code, attempt, retryInMs: wait }, 'a realtime response failed; retrying');
    if (streak.retryTimer !== undefined) return;
    streak.retryTimer = setTimeout(() => {
      streak.retryTimer = undefined;
      if (this.call.isEnded() || this.streak !== streak) return;
      this.call.model()?.createResponse(done.request ?? {});
    }, wait);
  }

  private incomplete(done: RealtimeResponseDone): void {
    const { recorder, log } = this.options;
    recorder.event('response_incomplete', done.reason ?? null, { responseId: done.responseId, ...(done.outOfBand ? { outOfBand: true } : {}) });
    log.warn({ reason: done.reason }, 'a realtime response was cut short');
    if (done.outOfBand || this.call.sayingGoodbye()) return;
    // The follow-up was cut short too: leave it to the caller rather than loop.
    if (this.followingUpIncomplete) return;
    this.followingUpIncomplete = true;
    this.call.model()?.createResponse({ note: incompleteReplyNote(done.reason) });
  }

  private recovered(): void {
    this.followingUpIncomplete = false;
    if (!this.streak) return;
    this.options.log.info({ failures: this.streak.failures }, 'a realtime response succeeded after failing');
    this.clearStreak();
  }

  private startStreak(): FailureStreak {
    const holdTimer = setTimeout(() => {
      if (this.streak !== undefined && !this.call.isEnded() && this.call.silent()) this.call.holdPrompt();
    }, HOLD_PROMPT_AFTER_MS);
    this.streak = { since: this.options.now(), failures: 0, holdTimer, retryTimer: undefined };
    return this.streak;
  }

  private clearStreak(): void {
    if (!this.streak) return;
    clearTimeout(this.streak.holdTimer);
    clearTimeout(this.streak.retryTimer);
    this.streak = undefined;
  }
}
