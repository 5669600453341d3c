import type { Logger } from 'pino';
import type { ModelAudioFormat } from '../audio/model-audio-codec.js';
import type { RealtimePrice } from '../config/model-prices.js';
import type { RealtimeModel, RealtimeUsage } from '../realtime/realtime-model.js';
import type { ConversationStatus } from '../storage/schema.js';
import type { LiveCallControls } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { callAudioCodec } from './call-audio.js';
import { monotonicNow, wallClock } from './call-clock.js';
import { CallFigures } from './call-figures.js';
import type { CallRecorder } from './call-recorder.js';
import { ModelConnectError, type CallContext, type CallSetup } from './call-setup.js';
import { CallSupervisor, DEFAULT_CALL_LIMITS, type CallLimits, type SupervisedCall } from './call-supervisor.js';
import { CallerPlayback } from './caller-playback.js';
import type { CallerStream } from './caller-stream.js';
import { greetingInstructions, RESUMED_AFTER_DROP_NOTE, unansweredTransferInstructions, type WrapUpReason } from './instructions.js';
import { conversationSoFar, ModelLink, type LinkedCall } from './model-link.js';
import { ToolTurns, type CallToolContext, type ToolTurnsCall } from './tool-turns.js';
import { TranscriptAssembler } from './transcript.js';

export { DEFAULT_CALL_LIMITS, type CallLimits } from './call-supervisor.js';
export { FILLER_AFTER_MS } from './tool-turns.js';

export type CallEndReason = 'caller' | 'assistant' | 'transfer' | 'model_failure' | 'setup_failure' | 'stream_closed' | 'shutdown' | 'idle' | 'max_length';

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

/** Where a call is: waiting for its first model session, greeting, talking, restoring a lost model connection, saying a goodbye of ours, over. */
export type CallPhase = 'connecting' | 'greeting' | 'live' | 'outage' | 'wrapping-up' | 'ended';

export interface CallSessionOptions {
  stream: CallerStream;
  setup: Promise<CallSetup>;
  recorder: CallRecorder;
  tools: ToolRegistry;
  toolContext: CallToolContext;
  modelName: string;
  price: RealtimePrice;
  log: Logger;
  /** Called once, synchronously, when the call ends (before the record is written). */
  onEnded(session: CallSession, reason: CallEndReason): void;
  /** Hands the live call to a person (Twilio REST); absent where transfers are impossible. */
  transfer?: (callSid: string, number: string, announcement: string) => Promise<void>;
  /** The monotonic clock (ms) every duration, timeout and latency of the call is read from. */
  now?: () => number;
  /** The wall clock stored stamps (call start and end, turns) come from. */
  wallClock?: () => Date;
  limits?: CallLimits;
}

/**
 * One phone call: caller stream ⇄ realtime model. Coordinates the pieces (caller playback, model
 * link, tool turns, supervisor, figures), keeps the call's phase, and is the one place that
 * decides to hang up after a goodbye. Caller audio goes straight through to the model; writes go
 * behind the call.
 */
export class CallSession {
  readonly callSid: string;
  readonly conversationId: string;
  private phaseNow: CallPhase = 'connecting';
  private readonly startedAtDate: Date;
  private readonly transcript: TranscriptAssembler;
  private readonly figures: CallFigures;
  private readonly playback: CallerPlayback;
  private readonly link: ModelLink;
  private readonly tools: ToolTurns;
  private readonly supervisor: CallSupervisor;
  private greeted = false;
  /** Why the call ends once the goodbye being spoken has been heard; unset while no goodbye is under way. */
  private goodbye: CallEndReason | undefined;
  private endReason: CallEndReason | undefined;
  private transferredTo: string | null = null;
  private resolveDone: () => void = () => {};
  /** Resolves when the call is over and its record written. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CallSessionOptions) {
    const { stream, recorder, log } = options;
    const now = options.now ?? monotonicNow;
    const startedAt = now();
    this.startedAtDate = (options.wallClock ?? wallClock)();
    this.callSid = stream.callSid;
    this.conversationId = stream.conversationId;
    this.transcript = new TranscriptAssembler(recorder.nextSeq, (turn) => recorder.turn(turn), options.wallClock);
    this.figures = new CallFigures(now, log, startedAt);
    this.playback = new CallerPlayback(stream, this.transcript, recorder, this.figures, now);
    const limits = options.limits ?? DEFAULT_CALL_LIMITS;
    this.link = new ModelLink({ recorder, log, now, modelSessionMaxMs: limits.modelSessionMaxMs }, this.linked);
    this.tools = new ToolTurns({ tools: options.tools, toolContext: options.toolContext, recorder, log, now, controls: this.controls }, this.toolCall);
    this.supervisor = new CallSupervisor({ recorder, log, now, limits, startedAt }, this.supervised);

    // Stream listeners are attached synchronously, before any await.
    stream.on('media', (audio) => this.onCallerAudio(audio));
    stream.on('mark', (name) => {
      this.playback.markPlayed(name);
      this.hangUpIfHeard();
    });
    stream.on('stop', () => this.end(this.endReason ?? 'caller'));
    stream.on('closed', () => this.end(this.endReason ?? 'stream_closed'));
    stream.on('dtmf', (digit) => recorder.event('dtmf', null, { digit }));

    recorder.event('call_started', null, { streamSid: stream.streamSid });
    this.supervisor.start();
    options.setup.then(
      (setup) => this.attach(setup),
      (error: unknown) => this.setupFailed(error),
    );
  }

  get phase(): CallPhase {
    return this.phaseNow;
  }

  get isEnded(): boolean {
    return this.phaseNow === 'ended';
  }

  /** The spa this call is for, once known (the fallback when the model fails depends on it). */
  get spa(): CallContext['spa'] | undefined {
    return this.link.context?.spa;
  }

  /** The call has to end for a reason of ours (its length, a deploy): it is wrapped up politely. */
  wrapUpCall(reason: WrapUpReason): void {
    this.supervisor.wrapUpCall(reason);
  }

  private enter(phase: CallPhase): void {
    // A wrap-up, once begun, is what the call is doing until it ends.
    if (this.phaseNow === 'ended' || (this.phaseNow === 'wrapping-up' && phase !== 'ended')) return;
    this.phaseNow = phase;
  }

  private setupFailed(error: unknown): void {
    if (this.isEnded) return;
    if (error instanceof ModelConnectError) {
      // The spa is known; only the model could not be reached. Worth another try or two.
      this.options.log.warn({ err: error }, 'realtime model not reachable at call start; retrying');
      if (!this.useAudio(error.context.audioFormat)) return;
      this.enter('outage');
      this.link.connectFailed(error);
      return;
    }
    this.options.log.error({ err: error }, 'call setup failed');
    this.options.recorder.event('error', 'setup_failure', { message: error instanceof Error ? error.message : String(error) });
    this.end('setup_failure');
  }

  private attach(setup: CallSetup): void {
    if (this.isEnded || !this.useAudio(setup.audioFormat)) {
      setup.model.close();
      return;
    }
    this.link.attach(setup);
  }

  /** Picks the conversions between the caller's audio and the model's; a pair we cannot convert fails the call. */
  private useAudio(format: ModelAudioFormat): boolean {
    try {
      this.playback.codec = callAudioCodec(this.options.stream.audioFormat, format);
      return true;
    } catch (error) {
      this.setupFailed(error);
      return false;
    }
  }

  private greet(): void {
    const model = this.link.model;
    const context = this.link.context;
    if (this.isEnded || this.greeted || !model || !context) return;
    this.greeted = true;
    this.enter('greeting');
    model.createResponse({
      instructions: this.options.stream.resume === 'transfer-unanswered' ? unansweredTransferInstructions() : greetingInstructions(context.spa),
    });
  }

  /** Caller audio (hot path). During a reconnect it has nowhere to go; the restored session starts fresh. */
  private onCallerAudio(audio: Buffer): void {
    const model = this.link.model;
    const codec = this.playback.codec;
    if (!model || !codec || this.phaseNow === 'ended') return;
    model.appendAudio(codec.toModel(audio));
  }

  /** Routes a model's conversation events to the pieces of the call. */
  private route(model: RealtimeModel): void {
    const { playback, transcript, figures, supervisor, tools } = this;
    model.on('audio', (audio, itemId, responseId) => playback.modelAudio(audio, itemId, responseId));
    model.on('assistantItem', (itemId, responseId) => {
      playback.responseStarted(responseId, itemId);
      transcript.assistantTurn(itemId);
    });
    model.on('assistantTranscript', (itemId, text) => transcript.assistantText(itemId, text));
    model.on('callerItem', (itemId) => transcript.callerTurn(itemId));
    model.on('callerTranscript', (itemId, text) => transcript.callerText(itemId, text));
    model.on('callerTranscriptFailed', (itemId, message) => {
      this.options.recorder.event('error', 'transcription_failed', { itemId, message });
      transcript.callerText(itemId, '(caller speech could not be transcribed)');
    });
    model.on('transcriptionUsage', (usage) => figures.addTranscriptionUsage(usage));
    model.on('speechStarted', () => this.callerStartedSpeaking());
    model.on('speechStopped', () => {
      supervisor.callerStoppedSpeaking();
      figures.callerStoppedSpeaking();
    });
    model.on('toolCall', (call) => tools.called(call));
    model.on('responseDone', (done) => this.responseDone(done.responseId, done.usage));
  }

  /** Barge-in: what is playing stops, and the caller keeps the line ("oh, one more thing") unless we must end it. */
  private callerStartedSpeaking(): void {
    this.supervisor.callerStartedSpeaking();
    if (this.phaseNow !== 'wrapping-up') this.goodbye = undefined;
    this.playback.interrupt(this.link.model);
  }

  private responseDone(responseId: string, usage: RealtimeUsage): void {
    this.figures.addUsage(usage);
    this.playback.responseDone(responseId);
    if (this.phaseNow === 'greeting') this.enter('live');
    if (this.tools.responseDone(responseId)) return;
    this.hangUpIfHeard();
  }

  private sayGoodbye(reason: CallEndReason, instructions: string): void {
    this.goodbye = reason;
    this.link.model?.createResponse({ instructions });
  }

  /** The one place that hangs up after a goodbye: once all of it has been heard and nothing more is coming. */
  private hangUpIfHeard(): void {
    if (this.goodbye !== undefined && this.playback.idle && !this.playback.responding && !this.tools.busy) this.end(this.goodbye);
  }

  /** Nothing is being said, played, generated or looked up, and no goodbye is under way. */
  private get quiet(): boolean {
    return (
      this.playback.idle &&
      !this.playback.responding &&
      !this.tools.busy &&
      !this.tools.fillerPending &&
      !this.supervisor.callerSpeaking &&
      this.goodbye === undefined
    );
  }

  private readonly linked: LinkedCall = {
    isEnded: () => this.isEnded,
    quiet: () => this.quiet,
    route: (model) => this.route(model),
    history: () => conversationSoFar(this.transcript.snapshot(), this.tools.replayItems),
    accepted: () => this.greet(),
    errored: () => this.tools.modelErrored(),
    lost: () => {
      this.playback.abandonResponses();
      this.tools.connectionLost();
      this.supervisor.connectionLost();
      this.enter('outage');
    },
    holdPrompt: () => this.playback.playHoldPrompt(),
    restored: (model) => this.restored(model),
    refused: () => this.end('setup_failure'),
    unreachable: () => this.end('model_failure'),
  };

  private readonly toolCall: ToolTurnsCall = {
    context: () => this.link.context,
    model: () => this.link.model,
    isEnded: () => this.isEnded,
    silent: () => this.playback.idle && !this.playback.responding,
    // With a goodbye under way the call hangs up once it is heard; otherwise the model speaks again.
    resultsDelivered: (model) => (this.goodbye !== undefined ? this.hangUpIfHeard() : model.createResponse()),
  };

  private readonly supervised: SupervisedCall = {
    isEnded: () => this.isEnded,
    conversing: () => this.phaseNow === 'greeting' || this.phaseNow === 'live',
    quiet: () => this.quiet,
    busy: () => this.playback.responding || this.tools.busy,
    canSpeak: () => this.link.canSpeak,
    prompt: (instructions) => this.link.model?.createResponse({ instructions }),
    sayGoodbye: (reason, instructions) => this.sayGoodbye(reason, instructions),
    rotateIfDue: (now) => this.link.rotateIfDue(now),
    wrappingUp: () => this.enter('wrapping-up'),
    end: (reason) => this.end(reason),
  };

  /** A session is back after an outage: the conversation carries on where it was. */
  private restored(model: RealtimeModel): void {
    this.supervisor.activity();
    if (!this.greeted) {
      this.greet();
      return;
    }
    this.enter('live');
    if (this.tools.busy) {
      // Results that came meanwhile go to the new session; those still coming make the model speak again.
      this.tools.resume();
      return;
    }
    if (this.goodbye !== undefined) {
      this.hangUpIfHeard();
      return;
    }
    model.restoreConversation([{ type: 'message', role: 'system', text: RESUMED_AFTER_DROP_NOTE }]);
    model.createResponse();
  }

  private readonly controls: LiveCallControls = {
    endCallAfterSpeech: () => {
      this.goodbye ??= 'assistant';
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

  /** Ends the call once; the record is written behind, `done` resolves when it is. */
  end(reason: CallEndReason): void {
    if (this.isEnded) return;
    this.phaseNow = 'ended';
    this.endReason = this.endReason === 'transfer' ? 'transfer' : reason;
    const finalReason = this.endReason;
    const { stream, recorder } = this.options;
    this.supervisor.stop();
    this.options.onEnded(this, finalReason);
    this.link.release();
    // Our ending: closing the stream hands the call to the carrier (apology, hang-up).
    if (finalReason !== 'caller' && finalReason !== 'stream_closed') stream.close(1000, finalReason);
    this.playback.stop();
    this.transcript.flush();
    const { usage, transcriptionUsage, greetingLatencyMs, replyLatenciesMs } = this.figures;
    const costUsd = this.figures.costUsd(this.options.price);
    recorder.event('call_ended', finalReason, { usage, transcriptionUsage, costUsd });
    void recorder
      .finish({
        streamSid: stream.streamSid,
        streamStartedAt: this.startedAtDate,
        endedAt: (this.options.wallClock ?? wallClock)(),
        endedBy: finalReason,
        status: STATUS_FOR_REASON[finalReason],
        transferredTo: this.transferredTo,
        greetingLatencyMs,
        replyLatenciesMs,
        model: this.options.modelName,
        usage,
        costUsd,
      })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'could not write the end of the call record'))
      .finally(this.resolveDone);
  }
}
