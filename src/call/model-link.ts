import type { Logger } from 'pino';
import { RealtimeError, type RealtimeModel, type RealtimeProvider, type ReplayItem } from '../realtime/realtime-model.js';
import type { CallRecorder } from './call-recorder.js';
import type { ModelAudioFormats } from '../audio/audio-format.js';
import type { CallObservation, CallStep } from './call-observer.js';
import { ModelConnectError, type CallContext, type CallSetup } from './call-setup.js';

/** A session the model has not accepted by then is a failed call: apologise rather than leave silence. */
const SESSION_READY_TIMEOUT_MS = 8_000;
/** A lost model connection is retried with these pauses, within RECONNECT_BUDGET_MS in all. */
const RECONNECT_BACKOFF_MS = [0, 250, 500, 1_000];
const RECONNECT_BUDGET_MS = 3_500;
const RECONNECT_ATTEMPT_TIMEOUT_MS = 2_000;
/** A reconnect quicker than this goes unnoticed; a slower one gets "One moment, please." */
const HOLD_PROMPT_AFTER_MS = 300;
const ROTATION_RETRY_MS = 5_000;

export interface ModelLinkOptions {
  recorder: CallRecorder;
  log: Logger;
  now: () => number;
  /** A model session older than this is replaced at the next quiet moment. */
  modelSessionMaxMs: number;
  observation: CallObservation;
}

/** What the link tells the call, and asks of it. */
export interface LinkedCall {
  isEnded(): boolean;
  /** Nothing is being said, played, generated or looked up: a session swap would cut nothing off. */
  quiet(): boolean;
  /** Routes a model's conversation events into the call. */
  route(model: RealtimeModel): void;
  /** The conversation so far, for a fresh session. */
  history(): ReplayItem[];
  /** A session declares its audio formats; false when the call cannot convert to them (the call has failed). */
  audioFormats(formats: ModelAudioFormats): boolean;
  /** The call could not be set up at all (not even the spa is known). */
  setupFailed(error: unknown): void;
  /** The call's first session accepted its configuration. */
  accepted(): void;
  /** The model reported an error (before the link decides what it means). */
  errored(): void;
  /** The call has no model session (lost, or never opened); what was in flight will never finish. */
  outage(): void;
  /** Restoring takes longer than a moment: the caller should hear that we are still here. */
  holdPrompt(): void;
  /** A restored session serves the call. */
  restored(model: RealtimeModel): void;
  /** The model refused the session configuration: a retry would be refused too. */
  refused(): void;
  /** The model could not be reached again within the budget. */
  unreachable(): void;
}

/** Why the call is moving to the other provider, until a session there serves it. */
interface Switch {
  to: RealtimeProvider;
  why: string;
  detail: string | undefined;
}

/**
 * The call's connection to the realtime model: the first session (with a time limit on its
 * acceptance), a lost connection restored with backoff within a budget (and the conversation so
 * far replayed into the new session), rotation before the provider's session limit, release.
 * When the spa's provider cannot be reached, refuses the session or keeps failing, the call moves
 * to the fallback provider (once), with the same configuration and the conversation so far.
 */
export class ModelLink {
  /** The session now serving the call; absent while a lost connection is being restored. */
  model: RealtimeModel | undefined;
  context: CallContext | undefined;
  /** The provider serving the call (or whose session is being restored). */
  provider: RealtimeProvider | undefined;
  private switching: Switch | undefined;
  /** The call has moved to the fallback provider: there is no third. */
  private fellBack = false;
  /** The model accepted its session configuration (a refusal before that is not worth a retry). */
  private sessionAccepted = false;
  private since = 0;
  /** Set while the model connection is lost and being restored. */
  private outage: { since: number; holdTimer: NodeJS.Timeout; step: CallStep } | undefined;
  private rotating = false;
  private nextRotationAt = 0;

  constructor(
    private readonly options: ModelLinkOptions,
    private readonly call: LinkedCall,
  ) {}

  /** The model can be asked to speak: connected, its session accepted, no outage. */
  get canSpeak(): boolean {
    return this.model !== undefined && this.sessionAccepted && !this.outage;
  }

  /** Takes the call's first model session once it is open, or the news that it could not be opened. */
  start(setup: Promise<CallSetup>): void {
    setup.then(
      (opened) => {
        if (this.call.isEnded()) opened.model.close();
        else this.attach(opened);
      },
      (error: unknown) => {
        if (this.call.isEnded()) return;
        if (!(error instanceof ModelConnectError)) return this.call.setupFailed(error);
        // The spa is known; only the model could not be reached. Worth another try or two.
        this.context = error.context;
        this.provider = error.context.provider;
        // The early connection was the first try: another provider, when there is one, is the better second.
        if (this.failOver('connect_failed', error.message)) return;
        this.options.log.warn({ err: error }, 'realtime model not reachable at call start; retrying');
        this.call.outage();
        this.startOutage('connect failed', error.message);
      },
    );
  }

  private attach(setup: CallSetup): void {
    const { model } = setup;
    this.context = setup;
    this.provider = model.provider;
    if (!this.use(model)) return;
    if (!model.isOpen) {
      this.lost(model, 'not open');
      return;
    }
    let readyTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      readyTimer = setTimeout(() => reject(new Error('the model did not accept the session in time')), SESSION_READY_TIMEOUT_MS);
    });
    Promise.race([setup.ready, timedOut]).then(
      () => {
        clearTimeout(readyTimer);
        if (this.model !== model) return;
        this.sessionAccepted = true;
        this.since = this.options.now();
        this.call.accepted();
      },
      (error: unknown) => {
        clearTimeout(readyTimer);
        if (this.call.isEnded() || this.model !== model) return;
        // Refused before the call took the session over (the stream came later than the refusal).
        if (error instanceof RealtimeError && !error.recoverable && !isTransportError(error)) {
          this.options.log.error({ code: error.code, message: error.message }, 'realtime model refused the session');
          if (!this.failOver('refused', `${error.code}: ${error.message}`)) this.call.refused();
          return;
        }
        this.options.log.warn({ err: error }, 'realtime session was not ready');
        this.lost(model, 'session not ready', error instanceof Error ? error.message : String(error));
      },
    );
  }

  /** The session is due for replacement; returns true when a rotation was started. */
  rotateIfDue(now: number): boolean {
    if (now - this.since < this.options.modelSessionMaxMs || now < this.nextRotationAt || this.rotating) return false;
    void this.rotate();
    return true;
  }

  /** The call is over: no hold prompt, no model. */
  release(): void {
    if (this.outage) {
      clearTimeout(this.outage.holdTimer);
      this.outage.step.end('abandoned');
    }
    if (this.model) releaseModel(this.model);
  }

  /** Wires a session into the call; false when the call cannot use its audio (the call has failed). */
  private use(model: RealtimeModel): boolean {
    if (!this.call.audioFormats(model.audioFormats)) {
      releaseModel(model);
      return false;
    }
    this.model = model;
    model.removeAllListeners('error');
    this.call.route(model);
    model.on('error', (error) => this.onError(model, error));
    model.on('closed', (code, reason) => this.lost(model, 'closed', `${code} ${reason}`.trim()));
    return true;
  }

  private onError(model: RealtimeModel, error: RealtimeError): void {
    if (model !== this.model) return;
    this.options.recorder.event('error', error.code, { message: error.message, recoverable: error.recoverable });
    this.call.errored();
    if (error.recoverable) {
      this.options.log.warn({ code: error.code, message: error.message }, 'realtime model error');
      return;
    }
    if (!this.sessionAccepted && !isTransportError(error)) {
      this.options.log.error({ code: error.code, message: error.message }, 'realtime model refused the session');
      if (!this.failOver('refused', `${error.code}: ${error.message}`)) this.call.refused();
      return;
    }
    this.lost(model, error.code, error.message);
  }

  /**
   * Moves the call to the fallback provider: the session now serving (if any) is let go, the
   * caller hears "One moment, please." if it takes more than a moment, and a session on the other
   * provider takes over with the conversation so far. False when there is nowhere to go (no
   * fallback, or the call is already on it): the caller goes to people, as before.
   */
  failOver(why: string, detail?: string): boolean {
    const to = this.fallback();
    if (!to || this.call.isEnded()) return false;
    this.options.log.warn({ from: this.provider, to, why }, 'realtime provider failing; moving the call to the other provider');
    this.switching = { to, why, detail };
    const model = this.model;
    if (model) releaseModel(model);
    this.model = undefined;
    this.sessionAccepted = false;
    this.call.outage();
    this.startOutage(why, detail);
    return true;
  }

  /** The provider a failing call can move to, if it has not moved already. */
  private fallback(): RealtimeProvider | undefined {
    const context = this.context;
    if (this.fellBack || !context?.fallbackProvider || context.fallbackProvider === this.provider) return undefined;
    return context.fallbackProvider;
  }

  /** Where a reconnect attempt goes: the serving provider first, then (a second failure) the fallback. */
  private providerFor(attempt: number, failure: string | undefined): RealtimeProvider | undefined {
    if (!this.switching && attempt >= 2) {
      const to = this.fallback();
      if (to) this.switching = { to, why: 'unreachable', detail: failure };
    }
    return this.switching?.to ?? this.provider;
  }

  /**
   * The model connection is gone (closed, failed, or stopped answering). Whatever it was saying is
   * cut off; the caller hears "One moment, please." if restoring takes more than a moment, and the
   * conversation continues on a fresh session that is given the conversation so far.
   */
  private lost(model: RealtimeModel, why: string, detail?: string): void {
    if (this.call.isEnded() || model !== this.model) return;
    this.options.log.warn({ why, detail }, 'realtime model connection lost; reconnecting');
    releaseModel(model);
    this.model = undefined;
    this.sessionAccepted = false;
    this.call.outage();
    this.startOutage(why, detail);
  }

  private startOutage(why: string, detail?: string): void {
    if (this.outage || this.call.isEnded()) return;
    this.options.recorder.event('error', 'model_lost', { why, detail });
    const holdTimer = setTimeout(() => {
      if (this.outage && !this.call.isEnded()) this.call.holdPrompt();
    }, HOLD_PROMPT_AFTER_MS);
    this.outage = { since: this.options.now(), holdTimer, step: this.options.observation.reconnecting() };
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const { log, recorder, now } = this.options;
    let started = now();
    let failure: string | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (this.call.isEnded()) return;
      const before = this.switching;
      const provider = this.providerFor(attempt, failure);
      // The fallback gets a budget of its own.
      if (this.switching && this.switching !== before) started = now();
      const remaining = RECONNECT_BUDGET_MS - (now() - started);
      try {
        const model = await this.openRestored(Math.min(RECONNECT_ATTEMPT_TIMEOUT_MS, Math.max(remaining, 250)), provider);
        if (this.call.isEnded()) {
          releaseModel(model);
          return;
        }
        this.finishOutage(model, attempt);
        return;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
        log.warn({ err: error, attempt, provider }, 'realtime model reconnect failed');
      }
      const pause = RECONNECT_BACKOFF_MS[Math.min(attempt, RECONNECT_BACKOFF_MS.length - 1)]!;
      if (now() - started + pause >= RECONNECT_BUDGET_MS) {
        const outageMs = Math.round(now() - started);
        // The fallback may still deserve its try (a refusal of the first provider's session came late).
        if (!this.switching && this.fallback()) continue;
        log.error({ attempts: attempt, outageMs }, 'realtime model unreachable; handing the call over');
        recorder.event('error', 'model_unreachable', { attempts: attempt, outageMs, ...(provider ? { provider } : {}) });
        this.outage?.step.end('failed', outageMs);
        this.call.unreachable();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** A fresh session with the same configuration, given the conversation so far. */
  private async openRestored(timeoutMs: number, provider = this.provider): Promise<RealtimeModel> {
    const context = this.context;
    if (!context) throw new Error('call context unknown');
    const opening = context.reopen(provider);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no session within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const connection = await Promise.race([opening, timedOut]);
      try {
        await Promise.race([connection.ready, timedOut]);
      } catch (error) {
        releaseModel(connection.model);
        throw error;
      }
      connection.model.restoreConversation(this.call.history());
      return connection.model;
    } catch (error) {
      // A connection that opens after we gave up on it is closed, not leaked.
      opening.then((late) => releaseModel(late.model)).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private finishOutage(model: RealtimeModel, attempts: number): void {
    const outage = this.outage;
    if (outage) clearTimeout(outage.holdTimer);
    this.outage = undefined;
    const outageMs = outage ? Math.round(this.options.now() - outage.since) : 0;
    outage?.step.end('restored', outageMs);
    const switched = this.switching;
    this.switching = undefined;
    if (!this.use(model)) return;
    this.sessionAccepted = true;
    this.since = this.options.now();
    if (switched && model.provider === switched.to) {
      const from = this.provider;
      this.fellBack = true;
      this.provider = model.provider;
      this.options.log.info({ from, to: model.provider, why: switched.why, attempts, outageMs }, 'the call moved to the other realtime provider');
      this.options.recorder.event('provider_switched', model.provider, {
        from: from ?? null,
        to: model.provider,
        model: model.modelName,
        why: switched.why,
        ...(switched.detail ? { detail: switched.detail } : {}),
        outageMs,
      });
    } else {
      this.options.log.info({ attempts, outageMs }, 'realtime model reconnected');
      this.options.recorder.event('model_reconnected', null, { attempts, outageMs });
    }
    this.call.restored(model);
  }

  /**
   * Replaces the model session before the provider's time limit, at a quiet moment: the new
   * session is opened and given the conversation while the old one still serves the call, and
   * swapped in only if nothing happened meanwhile.
   */
  private async rotate(): Promise<void> {
    const old = this.model;
    if (!old) return;
    this.rotating = true;
    const turnsBefore = this.call.history().length;
    try {
      const fresh = await this.openRestored(RECONNECT_ATTEMPT_TIMEOUT_MS * 2);
      if (this.call.isEnded() || this.model !== old || !this.call.quiet() || this.outage || this.call.history().length !== turnsBefore) {
        releaseModel(fresh);
        this.nextRotationAt = this.options.now() + ROTATION_RETRY_MS;
        return;
      }
      releaseModel(old);
      this.use(fresh);
      this.since = this.options.now();
      this.options.log.info('realtime model session rotated');
      this.options.recorder.event('model_rotated', null, {});
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not rotate the realtime model session; will try again');
      this.nextRotationAt = this.options.now() + ROTATION_RETRY_MS;
    } finally {
      this.rotating = false;
    }
  }
}

/** The conversation so far, in order: what was said (as heard) and the tools the model used. */
export function conversationSoFar(
  turns: readonly { seq: number; role: string; text: string }[],
  toolItems: readonly { seq: number; item: ReplayItem }[],
): ReplayItem[] {
  const said = turns.flatMap((turn) => {
    if (turn.role !== 'customer' && turn.role !== 'assistant') return [];
    const item: ReplayItem = { type: 'message', role: turn.role === 'customer' ? 'user' : 'assistant', text: turn.text };
    return [{ seq: turn.seq, item }];
  });
  return [...said, ...toolItems].sort((a, b) => a.seq - b.seq).map((entry) => entry.item);
}

function releaseModel(model: RealtimeModel): void {
  model.removeAllListeners();
  // The adapter only emits errors someone listens to; nobody needs these any more.
  model.on('error', () => {});
  model.close();
}

/** The connection failed, not the model's judgement of the session. */
function isTransportError(error: RealtimeError): boolean {
  return error.code === 'transport_error' || error.code === 'connection_stalled' || error.code === 'session_expired';
}
