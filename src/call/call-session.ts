import type { Logger } from 'pino';
import { MULAW_8K } from '../audio/audio-format.js';
import { MULAW_FRAME_BYTES, mulawBytesToMs } from '../audio/audio-units.js';
import { modelAudioCodec, type ModelAudioCodec } from '../audio/model-audio-codec.js';
import { NO_TRANSCRIPTION_USAGE, realtimeCostUsd, type RealtimePrice, type TranscriptionUsage } from '../config/model-prices.js';
import type { RealtimeError, RealtimeModel, RealtimeToolCall, RealtimeUsage, ReplayItem } from '../realtime/realtime-model.js';
import type { ConversationStatus } from '../storage/schema.js';
import type { MediaStream } from '../telephony/media-stream.js';
import type { LiveCallControls, ToolContext } from '../tools/tool.js';
import type { ToolOutcome, ToolRegistry } from '../tools/tool-registry.js';
import type { CallRecorder } from './call-recorder.js';
import { ModelConnectError, type CallContext, type CallSetup } from './call-setup.js';
import { holdPromptAudio } from './hold-prompt.js';
import {
  greetingInstructions,
  RESUMED_AFTER_DROP_NOTE,
  silentCallerGoodbyeInstructions,
  stillTherePromptInstructions,
  unansweredTransferInstructions,
  wrapUpInstructions,
  type WrapUpReason,
} from './instructions.js';
import { PlaybackTracker, type PlayingItem } from './playback-tracker.js';
import { TranscriptAssembler } from './transcript.js';

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

export interface CallSessionOptions {
  stream: MediaStream;
  setup: Promise<CallSetup>;
  recorder: CallRecorder;
  tools: ToolRegistry;
  toolContext: Omit<ToolContext, 'spa' | 'conversationId' | 'customerId' | 'customerPhone' | 'channel' | 'call' | 'log'>;
  modelName: string;
  price: RealtimePrice;
  log: Logger;
  /** Called once, synchronously, when the call ends (before the record is written). */
  onEnded(session: CallSession, reason: CallEndReason): void;
  /** Hands the live call to a person (Twilio REST); absent where transfers are impossible. */
  transfer?: (callSid: string, number: string, announcement: string) => Promise<void>;
  now?: () => number;
  limits?: CallLimits;
}

/** A tool slower than this makes the receptionist say a short filler instead of leaving dead air. */
export const FILLER_AFTER_MS = 1_500;
const FILLER_MAX_MS = 4_000;
/** A session the model has not accepted by then is a failed call: apologise rather than leave silence. */
const SESSION_READY_TIMEOUT_MS = 8_000;
/** A lost model connection is retried with these pauses, within RECONNECT_BUDGET_MS in all. */
const RECONNECT_BACKOFF_MS = [0, 250, 500, 1_000];
const RECONNECT_BUDGET_MS = 3_500;
const RECONNECT_ATTEMPT_TIMEOUT_MS = 2_000;
/** A reconnect quicker than this goes unnoticed; a slower one gets "One moment, please." */
const HOLD_PROMPT_AFTER_MS = 300;
/** Supervision of idle callers, the call's length, wrap-ups and session age: once a second is plenty. */
const TICK_MS = 1_000;
/** A wrap-up waits this long for the current reply or tool to finish before speaking over it. */
const WRAP_UP_WAIT_MS = 8_000;
/** After the wrap-up started speaking, the call ends by this time even if the goodbye never finishes. */
const WRAP_UP_HARD_LIMIT_MS = 25_000;
const ROTATION_RETRY_MS = 5_000;
const LOCAL_ITEM_PREFIX = 'local:';
const FILLER_INSTRUCTIONS =
  'Tell the caller, in one short natural sentence, that you are still working on it, for example "Just a moment, I\'m still checking that for you." Say nothing else.';

interface PendingToolCalls {
  outstanding: number;
  responseDone: boolean;
  /** Results, with the place of their tool_result event in the conversation. */
  outputs: { callId: string; output: string; seq: number }[];
}

/**
 * One phone call: Twilio media stream ⇄ realtime model. Caller audio is decoded and resampled
 * straight through to the model; the model's audio is resampled, μ-law encoded, cut into 20 ms
 * frames and sent with a mark per chunk, so we always know what the caller has heard. Handles
 * the greeting, barge-in, tool calls and the transcript; writes go behind the call.
 */
export class CallSession {
  readonly callSid: string;
  readonly conversationId: string;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly startedAtDate = new Date();
  private readonly playback: PlaybackTracker;
  private readonly transcript: TranscriptAssembler;
  /** Twilio's μ-law ⇄ the model session's declared audio formats; chosen when a session is used. */
  private audio: ModelAudioCodec | undefined;
  /** μ-law not yet sent because it does not fill a 20 ms frame. */
  private pendingOut: Buffer = Buffer.alloc(0);
  private pendingOutItem: string | undefined;
  private readonly limits: CallLimits;
  private model: RealtimeModel | undefined;
  /** The model accepted its session configuration (a refusal before that is not worth a retry). */
  private sessionAccepted = false;
  private modelSince = 0;
  private context: CallContext | undefined;
  /** Set while the model connection is lost and being restored. */
  private outage: { since: number; holdTimer: NodeJS.Timeout } | undefined;
  private rotating = false;
  private nextRotationAt = 0;
  private localItems = 0;
  /** Tool calls and the results the model was given, for replay into a restored session. */
  private readonly toolHistory: { seq: number; item: ReplayItem }[] = [];
  private callerSpeaking = false;
  private lastActivityAt: number;
  private idlePrompted = false;
  private wrapUp: { reason: WrapUpReason; since: number; spokenAt: number | undefined } | undefined;
  private readonly ticker: NodeJS.Timeout;
  private ended = false;
  private endReason: CallEndReason | undefined;
  private transferredTo: string | null = null;
  private hangUpWhenHeard = false;
  /** Why the call ends once the goodbye being spoken has been heard. */
  private hangUpReason: CallEndReason = 'assistant';
  private greeted = false;
  private greetingLatencyMs: number | null = null;
  private speechStoppedAt: number | undefined;
  private readonly replyLatenciesMs: number[] = [];
  private readonly droppedResponses = new Set<string>();
  /** Responses that have started and not finished, with their assistant items. */
  private readonly activeResponses = new Map<string, string[]>();
  private readonly generatedMs = new Map<string, number>();
  private readonly pendingTools = new Map<string, PendingToolCalls>();
  /** Filler responses asked for and not done yet; the real reply waits for them. */
  private fillersPending = 0;
  private readonly usage: RealtimeUsage = {
    inputTextTokens: 0,
    inputAudioTokens: 0,
    cachedTextTokens: 0,
    cachedAudioTokens: 0,
    outputTextTokens: 0,
    outputAudioTokens: 0,
  };
  private readonly transcriptionUsage: TranscriptionUsage = { ...NO_TRANSCRIPTION_USAGE };
  private resolveDone: () => void = () => {};
  /** Resolves when the call is over and its record written. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CallSessionOptions) {
    const { stream, recorder } = options;
    this.now = options.now ?? (() => performance.now());
    this.limits = options.limits ?? DEFAULT_CALL_LIMITS;
    this.startedAt = this.now();
    this.lastActivityAt = this.startedAt;
    this.callSid = stream.callSid;
    this.conversationId = stream.conversationId;
    this.transcript = new TranscriptAssembler(recorder.nextSeq, (turn) => recorder.turn(turn));
    this.playback = new PlaybackTracker(this.now, (itemId) => this.transcript.assistantPlayed(itemId));

    // Stream listeners are attached synchronously, before any await.
    stream.on('media', (mulaw) => this.onCallerAudio(mulaw));
    stream.on('mark', (name) => this.onMarkPlayed(name));
    stream.on('stop', () => this.end(this.endReason ?? 'caller'));
    stream.on('closed', () => this.end(this.endReason ?? 'stream_closed'));
    stream.on('dtmf', (digit) => recorder.event('dtmf', null, { digit }));

    recorder.event('call_started', null, { streamSid: stream.streamSid });
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
    options.setup.then(
      (setup) => this.attach(setup),
      (error: unknown) => this.setupFailed(error),
    );
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The spa this call is for, once known (the fallback when the model fails depends on it). */
  get spa(): CallContext['spa'] | undefined {
    return this.context?.spa;
  }

  private setupFailed(error: unknown): void {
    if (this.ended) return;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ModelConnectError) {
      // The spa is known; only the model could not be reached. Worth another try or two.
      this.options.log.warn({ err: error }, 'realtime model not reachable at call start; retrying');
      this.context = error.context;
      this.startOutage('connect failed', message);
      return;
    }
    this.options.log.error({ err: error }, 'call setup failed');
    this.options.recorder.event('error', 'setup_failure', { message });
    this.end('setup_failure');
  }

  private attach(setup: CallSetup): void {
    const { model } = setup;
    if (this.ended) {
      model.close();
      return;
    }
    this.context = setup;
    this.useModel(model);
    if (!model.isOpen) {
      this.modelLost(model, 'not open');
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
        this.modelSince = this.now();
        this.greet();
      },
      (error: unknown) => {
        clearTimeout(readyTimer);
        if (this.ended || this.model !== model) return;
        this.options.log.warn({ err: error }, 'realtime session was not ready');
        this.modelLost(model, 'session not ready', error instanceof Error ? error.message : String(error));
      },
    );
  }

  /** Routes a model's events into this call. */
  private useModel(model: RealtimeModel): void {
    this.model = model;
    if (!this.audio?.serves(model.audioFormats)) this.audio = modelAudioCodec(MULAW_8K, model.audioFormats);
    model.removeAllListeners('error');
    model.on('audio', (pcm, itemId, responseId) => this.onModelAudio(pcm, itemId, responseId));
    model.on('assistantItem', (itemId, responseId) => {
      this.activeResponses.set(responseId, [...(this.activeResponses.get(responseId) ?? []), itemId]);
      this.transcript.assistantTurn(itemId);
    });
    model.on('assistantTranscript', (itemId, text) => this.transcript.assistantText(itemId, text));
    model.on('callerItem', (itemId) => this.transcript.callerTurn(itemId));
    model.on('callerTranscript', (itemId, text) => this.transcript.callerText(itemId, text));
    model.on('callerTranscriptFailed', (itemId, message) => {
      this.options.recorder.event('error', 'transcription_failed', { itemId, message });
      this.transcript.callerText(itemId, '(caller speech could not be transcribed)');
    });
    model.on('transcriptionUsage', (u) => (Object.keys(u) as (keyof TranscriptionUsage)[]).forEach((k) => (this.transcriptionUsage[k] += u[k])));
    model.on('speechStarted', () => this.onCallerStartedSpeaking());
    model.on('speechStopped', () => {
      this.callerSpeaking = false;
      this.lastActivityAt = this.now();
      this.speechStoppedAt = this.now();
    });
    model.on('toolCall', (call) => this.onToolCall(call));
    model.on('responseDone', (done) => this.onResponseDone(done.responseId, done.usage));
    model.on('error', (error) => this.onModelError(model, error));
    model.on('closed', (code, reason) => this.modelLost(model, 'closed', `${code} ${reason}`.trim()));
  }

  private releaseModel(model: RealtimeModel): void {
    model.removeAllListeners();
    // The adapter only emits errors someone listens to; nobody needs these any more.
    model.on('error', () => {});
    model.close();
  }

  // --- a lost model connection ------------------------------------------------------------

  /**
   * The model connection is gone (closed, failed, or stopped answering). Whatever it was saying is
   * cut off; the caller hears "One moment, please." if restoring takes more than a moment, and the
   * conversation continues on a fresh session that is given the conversation so far.
   */
  private modelLost(model: RealtimeModel, why: string, detail?: string): void {
    if (this.ended || model !== this.model) return;
    this.options.log.warn({ why, detail }, 'realtime model connection lost; reconnecting');
    this.releaseModel(model);
    this.model = undefined;
    this.sessionAccepted = false;
    this.abandonInFlight();
    this.startOutage(why, detail);
  }

  private startOutage(why: string, detail?: string): void {
    if (this.outage || this.ended) return;
    this.options.recorder.event('error', 'model_lost', { why, detail });
    const holdTimer = setTimeout(() => this.playHoldPrompt(), HOLD_PROMPT_AFTER_MS);
    this.outage = { since: performance.now(), holdTimer };
    void this.reconnect();
  }

  /** Responses in flight on the lost connection will never finish: settle their bookkeeping. */
  private abandonInFlight(): void {
    const cutOff = [...this.activeResponses.values()].flat();
    for (const itemId of cutOff) this.playback.itemComplete(itemId);
    if (cutOff.length > 0) this.options.recorder.event('reply_cut_off', null, { itemIds: cutOff });
    this.activeResponses.clear();
    this.droppedResponses.clear();
    this.flushPendingAudio();
    // Tools still running deliver to the next session; their calls are replayed into it.
    for (const pending of this.pendingTools.values()) pending.responseDone = true;
    this.fillersPending = 0;
    this.callerSpeaking = false;
  }

  private async reconnect(): Promise<void> {
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      if (this.ended) return;
      const remaining = RECONNECT_BUDGET_MS - (performance.now() - started);
      try {
        const model = await this.openRestoredModel(Math.min(RECONNECT_ATTEMPT_TIMEOUT_MS, Math.max(remaining, 250)));
        if (this.ended) {
          this.releaseModel(model);
          return;
        }
        this.finishOutage(model, attempt);
        return;
      } catch (error) {
        this.options.log.warn({ err: error, attempt }, 'realtime model reconnect failed');
      }
      const pause = RECONNECT_BACKOFF_MS[Math.min(attempt, RECONNECT_BACKOFF_MS.length - 1)]!;
      if (performance.now() - started + pause >= RECONNECT_BUDGET_MS) {
        const outageMs = Math.round(performance.now() - started);
        this.options.log.error({ attempts: attempt, outageMs }, 'realtime model unreachable; handing the call over');
        this.options.recorder.event('error', 'model_unreachable', { attempts: attempt, outageMs });
        this.end('model_failure');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** A fresh session with the same configuration, given the conversation so far. */
  private async openRestoredModel(timeoutMs: number): Promise<RealtimeModel> {
    const context = this.context;
    if (!context) throw new Error('call context unknown');
    const opening = context.reopen();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no session within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const connection = await Promise.race([opening, timedOut]);
      try {
        await Promise.race([connection.ready, timedOut]);
      } catch (error) {
        this.releaseModel(connection.model);
        throw error;
      }
      connection.model.restoreConversation(this.history());
      return connection.model;
    } catch (error) {
      // A connection that opens after we gave up on it is closed, not leaked.
      opening.then((late) => this.releaseModel(late.model)).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private finishOutage(model: RealtimeModel, attempts: number): void {
    const outage = this.outage;
    if (outage) clearTimeout(outage.holdTimer);
    this.outage = undefined;
    const outageMs = outage ? Math.round(performance.now() - outage.since) : 0;
    this.useModel(model);
    this.sessionAccepted = true;
    this.modelSince = this.now();
    this.lastActivityAt = this.now();
    this.options.log.info({ attempts, outageMs }, 'realtime model reconnected');
    this.options.recorder.event('model_reconnected', null, { attempts, outageMs });
    if (!this.greeted) {
      this.greet();
      return;
    }
    if (this.hangUpWhenHeard) {
      if (this.playback.idle) this.end(this.hangUpReason);
      return;
    }
    if (this.pendingTools.size > 0) {
      // The tools' results, when they come, make the model speak again.
      for (const responseId of [...this.pendingTools.keys()]) this.maybeContinueAfterTools(responseId);
      return;
    }
    model.restoreConversation([{ type: 'message', role: 'system', text: RESUMED_AFTER_DROP_NOTE }]);
    model.createResponse();
  }

  /** The conversation so far, in order: what was said (as heard) and the tools the model used. */
  private history(): ReplayItem[] {
    const turns = this.transcript.snapshot().flatMap((turn) => {
      if (turn.role !== 'customer' && turn.role !== 'assistant') return [];
      const item: ReplayItem = { type: 'message', role: turn.role === 'customer' ? 'user' : 'assistant', text: turn.text };
      return [{ seq: turn.seq, item }];
    });
    return [...turns, ...this.toolHistory].sort((a, b) => a.seq - b.seq).map((entry) => entry.item);
  }

  /** "One moment, please." in 20 ms frames, tracked like any reply so a barge-in can cut it. */
  private playHoldPrompt(): void {
    if (!this.outage || this.ended) return;
    const clip = holdPromptAudio();
    const itemId = `${LOCAL_ITEM_PREFIX}hold:${++this.localItems}`;
    for (let offset = 0; offset < clip.length; offset += MULAW_FRAME_BYTES) {
      this.options.stream.sendAudio(clip.subarray(offset, offset + MULAW_FRAME_BYTES));
    }
    this.options.stream.sendMark(this.playback.audioSent(itemId, mulawBytesToMs(clip.length)));
    this.playback.itemComplete(itemId);
    this.options.recorder.event('hold_prompt', null, { ms: mulawBytesToMs(clip.length) });
  }

  // --- supervision: idle callers, call length, wrap-ups, session age -------------------------

  /** Nothing is being said, played, generated or looked up. */
  private get quiet(): boolean {
    return (
      this.playback.idle &&
      this.activeResponses.size === 0 &&
      this.pendingTools.size === 0 &&
      this.fillersPending === 0 &&
      !this.callerSpeaking &&
      !this.hangUpWhenHeard
    );
  }

  private tick(): void {
    if (this.ended) return;
    const now = this.now();
    if (!this.wrapUp && now - this.startedAt >= this.limits.maxCallMs) this.wrapUpCall('max_length');
    if (this.wrapUp) {
      this.progressWrapUp(now);
      return;
    }
    const model = this.model;
    if (!model || this.outage || !this.greeted || !this.sessionAccepted) return;
    if (!this.quiet) {
      this.lastActivityAt = now;
      return;
    }
    if (now - this.modelSince >= this.limits.modelSessionMaxMs && now >= this.nextRotationAt && !this.rotating) {
      void this.rotateModel();
      return;
    }
    const silentMs = now - this.lastActivityAt;
    if (!this.idlePrompted && silentMs >= this.limits.idlePromptMs) {
      this.idlePrompted = true;
      this.lastActivityAt = now;
      this.options.recorder.event('idle_prompt', null, { silentMs: Math.round(silentMs) });
      model.createResponse({ instructions: stillTherePromptInstructions() });
    } else if (this.idlePrompted && silentMs >= this.limits.idleHangupMs) {
      this.options.recorder.event('idle_hangup', null, { silentMs: Math.round(silentMs) });
      this.sayGoodbyeAndEnd('idle', silentCallerGoodbyeInstructions());
    }
  }

  private sayGoodbyeAndEnd(reason: CallEndReason, instructions: string): void {
    this.hangUpWhenHeard = true;
    this.hangUpReason = reason;
    this.model?.createResponse({ instructions });
  }

  /**
   * The call has to end for a reason of ours (its length, a deploy): once the current reply or
   * tool is done (or after a short wait), the receptionist says so politely and says goodbye.
   */
  wrapUpCall(reason: WrapUpReason): void {
    if (this.ended || this.wrapUp) return;
    this.wrapUp = { reason, since: this.now(), spokenAt: undefined };
    this.options.recorder.event('wrap_up', reason, {});
    this.options.log.info({ reason }, 'wrapping the call up');
    this.progressWrapUp(this.now());
  }

  private progressWrapUp(now: number): void {
    const wrapUp = this.wrapUp;
    if (!wrapUp) return;
    if (wrapUp.spokenAt !== undefined) {
      if (now - wrapUp.spokenAt >= WRAP_UP_HARD_LIMIT_MS) this.end(wrapUp.reason);
      return;
    }
    const waited = now - wrapUp.since;
    const model = this.model;
    if (!model || this.outage || !this.sessionAccepted) {
      if (waited >= WRAP_UP_WAIT_MS) this.end(wrapUp.reason);
      return;
    }
    const busy = this.activeResponses.size > 0 || this.pendingTools.size > 0 || this.callerSpeaking;
    if (busy && waited < WRAP_UP_WAIT_MS) return;
    wrapUp.spokenAt = now;
    this.sayGoodbyeAndEnd(wrapUp.reason, wrapUpInstructions(wrapUp.reason));
  }

  /**
   * Replaces the model session before the provider's time limit, at a quiet moment: the new
   * session is opened and given the conversation while the old one still serves the call, and
   * swapped in only if nothing happened meanwhile.
   */
  private async rotateModel(): Promise<void> {
    const old = this.model;
    if (!old) return;
    this.rotating = true;
    const turnsBefore = this.history().length;
    try {
      const fresh = await this.openRestoredModel(RECONNECT_ATTEMPT_TIMEOUT_MS * 2);
      if (this.ended || this.model !== old || !this.quiet || this.outage || this.history().length !== turnsBefore) {
        this.releaseModel(fresh);
        this.nextRotationAt = this.now() + ROTATION_RETRY_MS;
        return;
      }
      this.releaseModel(old);
      this.useModel(fresh);
      this.modelSince = this.now();
      this.options.log.info('realtime model session rotated');
      this.options.recorder.event('model_rotated', null, {});
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not rotate the realtime model session; will try again');
      this.nextRotationAt = this.now() + ROTATION_RETRY_MS;
    } finally {
      this.rotating = false;
    }
  }

  private greet(): void {
    if (this.ended || this.greeted || !this.model || !this.context) return;
    this.greeted = true;
    this.model.createResponse({
      instructions:
        this.options.stream.resume === 'transfer-unanswered' ? unansweredTransferInstructions() : greetingInstructions(this.context.spa),
    });
  }

  // --- caller → model -------------------------------------------------------------------

  private onCallerAudio(mulaw: Buffer): void {
    const model = this.model;
    const audio = this.audio;
    // During a reconnect the caller's audio has nowhere to go; the restored session starts fresh.
    if (!model || !audio || this.ended) return;
    model.appendAudio(audio.toModel(mulaw));
  }

  // --- model → caller -------------------------------------------------------------------

  private onModelAudio(modelAudio: Buffer, itemId: string, responseId: string): void {
    const audio = this.audio;
    if (this.ended || !audio || this.droppedResponses.has(responseId)) return;
    this.generatedMs.set(itemId, (this.generatedMs.get(itemId) ?? 0) + audio.modelBytesToMs(modelAudio.length));
    if (this.pendingOutItem !== undefined && this.pendingOutItem !== itemId) this.flushPendingAudio();
    this.pendingOutItem = itemId;
    const encoded = audio.toCaller(modelAudio);
    const out = this.pendingOut.length === 0 ? Buffer.from(encoded) : Buffer.concat([this.pendingOut, encoded]);
    const whole = out.length - (out.length % MULAW_FRAME_BYTES);
    for (let offset = 0; offset < whole; offset += MULAW_FRAME_BYTES) {
      this.sendFrame(out.subarray(offset, offset + MULAW_FRAME_BYTES));
    }
    this.pendingOut = out.subarray(whole);
    if (whole > 0) this.options.stream.sendMark(this.playback.audioSent(itemId, mulawBytesToMs(whole)));
  }

  /** The tail of an item that does not fill a frame is sent when the item ends. */
  private flushPendingAudio(): void {
    const itemId = this.pendingOutItem;
    if (itemId === undefined || this.pendingOut.length === 0) return;
    const tail = this.pendingOut;
    this.pendingOut = Buffer.alloc(0);
    this.sendFrame(tail);
    this.options.stream.sendMark(this.playback.audioSent(itemId, mulawBytesToMs(tail.length)));
  }

  private sendFrame(frame: Uint8Array): void {
    const at = this.now();
    if (this.greetingLatencyMs === null) {
      this.greetingLatencyMs = Math.round(at - this.startedAt);
      this.options.log.info({ greetingLatencyMs: this.greetingLatencyMs }, 'greeting started');
    } else if (this.speechStoppedAt !== undefined) {
      const latency = Math.round(at - this.speechStoppedAt);
      this.replyLatenciesMs.push(latency);
      this.options.log.info({ replyLatencyMs: latency }, 'reply started');
    }
    this.speechStoppedAt = undefined;
    this.options.stream.sendAudio(frame);
  }

  private onMarkPlayed(name: string): void {
    this.playback.markEchoed(name);
    if (this.hangUpWhenHeard && this.playback.idle && this.pendingTools.size === 0 && this.activeResponses.size === 0)
      this.end(this.hangUpReason);
  }

  // --- barge-in ---------------------------------------------------------------------------

  private onCallerStartedSpeaking(): void {
    const model = this.model;
    this.callerSpeaking = true;
    this.idlePrompted = false;
    this.lastActivityAt = this.now();
    // "Oh, one more thing" during the goodbye: the caller keeps the line (unless we must end it).
    if (!this.wrapUp) {
      this.hangUpWhenHeard = false;
      this.hangUpReason = 'assistant';
    }
    const unplayed = this.playback.unplayed();
    // Late audio of whatever was being generated must not play over the caller; replies that
    // had not reached the caller at all were not heard.
    for (const [responseId, itemIds] of this.activeResponses) {
      this.droppedResponses.add(responseId);
      for (const itemId of itemIds) if (!unplayed.some((u) => u.itemId === itemId)) this.transcript.interrupted(itemId, 0);
    }
    if (this.pendingOutItem !== undefined && !unplayed.some((u) => u.itemId === this.pendingOutItem))
      this.transcript.interrupted(this.pendingOutItem, 0);
    this.pendingOut = Buffer.alloc(0);
    this.pendingOutItem = undefined;
    if (unplayed.length === 0 || !model) return;
    this.options.stream.clear();
    this.playback.clearAll();
    this.audio?.reset();
    for (const item of unplayed) {
      const heardMs = this.keepHeardPart(item);
      // Our own audio (the hold prompt) is not in the model's conversation.
      if (item.itemId.startsWith(LOCAL_ITEM_PREFIX)) continue;
      model.truncate(item.itemId, heardMs);
      this.options.recorder.event('barge_in', null, { itemId: item.itemId, heardMs, sentMs: item.sentMs });
    }
  }

  /** Saves the heard part of a reply cut short; returns how many ms were heard. */
  private keepHeardPart(item: PlayingItem): number {
    const heardMs = Math.min(item.heardMs, item.sentMs);
    const generated = this.generatedMs.get(item.itemId) ?? item.sentMs;
    this.transcript.interrupted(item.itemId, generated > 0 ? heardMs / generated : 0);
    return heardMs;
  }

  // --- tools ------------------------------------------------------------------------------

  private onToolCall(call: RealtimeToolCall): void {
    const setup = this.context;
    if (!setup) return;
    const pending = this.pendingTools.get(call.responseId) ?? { outstanding: 0, responseDone: false, outputs: [] };
    pending.outstanding += 1;
    this.pendingTools.set(call.responseId, pending);
    let args: unknown = call.argumentsJson;
    try {
      args = JSON.parse(call.argumentsJson);
    } catch {
      // recorded as given
    }
    const seq = this.options.recorder.event('tool_call', call.name, { callId: call.callId, arguments: args });
    this.toolHistory.push({ seq, item: { type: 'function_call', callId: call.callId, name: call.name, argumentsJson: call.argumentsJson } });
    const started = this.now();
    const filler = setTimeout(() => this.sayFiller(call.name), FILLER_AFTER_MS);
    const context: ToolContext = {
      ...this.options.toolContext,
      spa: setup.spa,
      conversationId: setup.conversationId,
      customerId: setup.customerId,
      customerPhone: setup.customerPhone,
      channel: 'voice',
      log: this.options.log.child({ tool: call.name }),
      call: this.controls,
    };
    void this.options.tools.execute(call.name, call.argumentsJson, context).then((outcome: ToolOutcome) => {
      clearTimeout(filler);
      const durationMs = Math.round(this.now() - started);
      const seq = this.options.recorder.event('tool_result', call.name, { callId: call.callId, durationMs, ...outcome });
      pending.outstanding -= 1;
      pending.outputs.push({ callId: call.callId, output: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }), seq });
      this.maybeContinueAfterTools(call.responseId);
    }).catch((error: unknown) => this.options.log.error({ err: error, tool: call.name }, 'tool result could not be delivered'));
  }

  private sayFiller(tool: string): void {
    const model = this.model;
    // Only into silence: if the caller is hearing something, that is company enough.
    if (!model || this.ended || !this.playback.idle || this.activeResponses.size > 0) return;
    this.fillersPending += 1;
    this.options.recorder.event('filler', tool, {});
    model.createResponse({ instructions: FILLER_INSTRUCTIONS, outOfBand: true });
    // Never let a filler that went wrong hold back the real answer.
    setTimeout(() => this.fillerDone(), FILLER_MAX_MS).unref();
  }

  private fillerDone(): void {
    if (this.fillersPending === 0) return;
    this.fillersPending -= 1;
    for (const waiting of [...this.pendingTools.keys()]) this.maybeContinueAfterTools(waiting);
  }

  private onResponseDone(responseId: string, usage: RealtimeUsage): void {
    for (const key of Object.keys(this.usage) as (keyof RealtimeUsage)[]) this.usage[key] += usage[key];
    this.flushPendingAudio();
    for (const itemId of this.activeResponses.get(responseId) ?? []) this.playback.itemComplete(itemId);
    this.activeResponses.delete(responseId);
    this.droppedResponses.delete(responseId);
    const pending = this.pendingTools.get(responseId);
    if (pending) {
      pending.responseDone = true;
      this.maybeContinueAfterTools(responseId);
      return;
    }
    if (this.fillersPending > 0) {
      this.fillerDone();
      return;
    }
    if (this.hangUpWhenHeard && this.playback.idle && this.activeResponses.size === 0) this.end(this.hangUpReason);
  }

  /** Once a response is done and all its tool calls have results, the model speaks again. */
  private maybeContinueAfterTools(responseId: string): void {
    const pending = this.pendingTools.get(responseId);
    const model = this.model;
    // Without a model (a reconnect under way) the results wait for the restored session.
    if (!pending || !pending.responseDone || pending.outstanding > 0 || this.fillersPending > 0 || this.ended || !model) return;
    this.pendingTools.delete(responseId);
    for (const output of pending.outputs) {
      model.sendToolResult(output.callId, output.output);
      this.toolHistory.push({ seq: output.seq, item: { type: 'function_call_output', callId: output.callId, output: output.output } });
    }
    if (this.hangUpWhenHeard) {
      if (this.playback.idle) this.end(this.hangUpReason);
      return;
    }
    model.createResponse();
  }

  private readonly controls: LiveCallControls = {
    endCallAfterSpeech: () => {
      this.hangUpWhenHeard = true;
    },
    transferTo: async (number, announcement) => {
      if (!this.options.transfer) throw new Error('transfers are not available');
      // Set first: Twilio may end the stream before its REST answer reaches us.
      this.transferredTo = number;
      this.endReason = 'transfer';
      try {
        await this.options.transfer(this.callSid, number, announcement);
      } catch (error) {
        this.transferredTo = null;
        this.endReason = undefined;
        throw error;
      }
      this.options.recorder.event('transfer', null, { to: number });
    },
  };

  // --- errors and the end -----------------------------------------------------------------

  private onModelError(model: RealtimeModel, error: RealtimeError): void {
    if (model !== this.model) return;
    this.options.recorder.event('error', error.code, { message: error.message, recoverable: error.recoverable });
    // A refused filler never sends response.done.
    if (this.fillersPending > 0) this.fillerDone();
    if (error.recoverable) {
      this.options.log.warn({ code: error.code, message: error.message }, 'realtime model error');
      return;
    }
    const transport = error.code === 'transport_error' || error.code === 'connection_stalled' || error.code === 'session_expired';
    if (!this.sessionAccepted && !transport) {
      // The model refused our session configuration: a retry would be refused too.
      this.options.log.error({ code: error.code, message: error.message }, 'realtime model refused the session');
      this.end('setup_failure');
      return;
    }
    this.modelLost(model, error.code, error.message);
  }

  /** Ends the call once; the record is written behind, `done` resolves when it is. */
  end(reason: CallEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = this.endReason === 'transfer' ? 'transfer' : reason;
    const finalReason = this.endReason;
    clearInterval(this.ticker);
    if (this.outage) clearTimeout(this.outage.holdTimer);
    this.options.onEnded(this, finalReason);
    if (this.model) this.releaseModel(this.model);
    // Our ending: closing the stream hands the call to the <Connect action> (apology, hang-up).
    if (finalReason !== 'caller' && finalReason !== 'stream_closed') this.options.stream.close(1000, finalReason);
    // A caller who hangs up mid-reply heard only part of it.
    for (const item of this.playback.unplayed()) this.keepHeardPart(item);
    this.transcript.flush();
    const cost = realtimeCostUsd(this.options.price, this.usage);
    this.options.recorder.event('call_ended', finalReason, { usage: this.usage, transcriptionUsage: this.transcriptionUsage, costUsd: cost });
    void this.options.recorder
      .finish({
        streamSid: this.options.stream.streamSid,
        streamStartedAt: this.startedAtDate,
        endedAt: new Date(),
        endedBy: finalReason,
        status: STATUS_FOR_REASON[finalReason],
        transferredTo: this.transferredTo,
        greetingLatencyMs: this.greetingLatencyMs,
        replyLatenciesMs: this.replyLatenciesMs,
        model: this.options.modelName,
        usage: this.usage,
        costUsd: cost,
      })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'could not write the end of the call record'))
      .finally(this.resolveDone);
  }
}
