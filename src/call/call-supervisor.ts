import type { Logger } from 'pino';
import type { CallRecorder } from './call-recorder.js';
import { silentCallerGoodbyeInstructions, stillTherePromptInstructions, wrapUpInstructions, type WrapUpReason } from './instructions.js';

/** Supervision of idle callers, the call's length, wrap-ups and session age: once a second is plenty. */
const TICK_MS = 1_000;
/** A wrap-up waits this long for the current reply or tool to finish before speaking over it. */
const WRAP_UP_WAIT_MS = 8_000;
/** After the wrap-up started speaking, the call ends by this time even if the goodbye never finishes. */
const WRAP_UP_HARD_LIMIT_MS = 25_000;

/** Time limits of one call (from configuration; tests shorten them). */
export interface CallLimits {
  maxCallMs: number;
  /** Caller silence (with nothing playing or pending) before "are you still there?". */
  idlePromptMs: number;
  /** Further silence after that prompt before a polite goodbye. */
  idleHangupMs: number;
  /** A model session older than this is replaced at the next quiet moment. */
  modelSessionMaxMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  maxCallMs: 30 * 60_000,
  idlePromptMs: 12_000,
  idleHangupMs: 12_000,
  modelSessionMaxMs: 55 * 60_000,
};

export interface CallSupervisorOptions {
  recorder: CallRecorder;
  log: Logger;
  now: () => number;
  limits: CallLimits;
  startedAt: number;
}

/** What the supervisor watches and may do. */
export interface SupervisedCall {
  isEnded(): boolean;
  /** The conversation is under way (greeting or live): idle callers and session age are watched. */
  conversing(): boolean;
  /** Nothing is being said, played, generated or looked up, and no goodbye is under way. */
  quiet(): boolean;
  /** A reply is being generated or a tool is running. */
  busy(): boolean;
  /** The model can be asked to speak. */
  canSpeak(): boolean;
  prompt(instructions: string): void;
  /** Says a goodbye; the call hangs up once it has been heard. */
  sayGoodbye(reason: 'idle' | WrapUpReason, instructions: string): void;
  /** Replaces an old model session; true when a rotation was started. */
  rotateIfDue(now: number): boolean;
  wrappingUp(): void;
  end(reason: WrapUpReason): void;
}

/**
 * Watches the call once a second: a silent caller is asked whether they are still there and
 * then said goodbye to; a call at its maximum length (or on a deploy) is wrapped up politely; a
 * model session near the provider's limit is replaced at a quiet moment.
 */
export class CallSupervisor {
  /** The caller is speaking (between speech started and stopped). */
  callerSpeaking = false;
  private lastActivityAt: number;
  private idlePrompted = false;
  private wrapUp: { reason: WrapUpReason; since: number; spokenAt: number | undefined } | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: CallSupervisorOptions,
    private readonly call: SupervisedCall,
  ) {
    this.lastActivityAt = options.startedAt;
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  stop(): void {
    clearInterval(this.ticker);
  }

  callerStartedSpeaking(): void {
    this.callerSpeaking = true;
    this.idlePrompted = false;
    this.lastActivityAt = this.options.now();
  }

  callerStoppedSpeaking(): void {
    this.callerSpeaking = false;
    this.lastActivityAt = this.options.now();
  }

  /** The model connection is lost: no speech is under way on it any more. */
  connectionLost(): void {
    this.callerSpeaking = false;
  }

  /** Something happened (a restored connection): the silence is counted from now. */
  activity(): void {
    this.lastActivityAt = this.options.now();
  }

  /**
   * The call has to end for a reason of ours (its length, a deploy): once the current reply or
   * tool is done (or after a short wait), the receptionist says so politely and says goodbye.
   */
  wrapUpCall(reason: WrapUpReason): void {
    if (this.call.isEnded() || this.wrapUp) return;
    const { now, recorder, log } = this.options;
    this.wrapUp = { reason, since: now(), spokenAt: undefined };
    this.call.wrappingUp();
    recorder.event('wrap_up', reason, {});
    log.info({ reason }, 'wrapping the call up');
    this.progressWrapUp(now());
  }

  private tick(): void {
    if (this.call.isEnded()) return;
    const now = this.options.now();
    const { limits, startedAt, recorder } = this.options;
    if (!this.wrapUp && now - startedAt >= limits.maxCallMs) this.wrapUpCall('max_length');
    if (this.wrapUp) {
      this.progressWrapUp(now);
      return;
    }
    if (!this.call.conversing()) return;
    if (!this.call.quiet()) {
      this.lastActivityAt = now;
      return;
    }
    if (this.call.rotateIfDue(now)) return;
    const silentMs = now - this.lastActivityAt;
    if (!this.idlePrompted && silentMs >= limits.idlePromptMs) {
      this.idlePrompted = true;
      this.lastActivityAt = now;
      recorder.event('idle_prompt', null, { silentMs: Math.round(silentMs) });
      this.call.prompt(stillTherePromptInstructions());
    } else if (this.idlePrompted && silentMs >= limits.idleHangupMs) {
      recorder.event('idle_hangup', null, { silentMs: Math.round(silentMs) });
      this.call.sayGoodbye('idle', silentCallerGoodbyeInstructions());
    }
  }

  private progressWrapUp(now: number): void {
    const wrapUp = this.wrapUp;
    if (!wrapUp) return;
    if (wrapUp.spokenAt !== undefined) {
      if (now - wrapUp.spokenAt >= WRAP_UP_HARD_LIMIT_MS) this.call.end(wrapUp.reason);
      return;
    }
    const waited = now - wrapUp.since;
    if (!this.call.canSpeak()) {
      if (waited >= WRAP_UP_WAIT_MS) this.call.end(wrapUp.reason);
      return;
    }
    if ((this.call.busy() || this.callerSpeaking) && waited < WRAP_UP_WAIT_MS) return;
    wrapUp.spokenAt = now;
    this.call.sayGoodbye(wrapUp.reason, wrapUpInstructions(wrapUp.reason));
  }
}
