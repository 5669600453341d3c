import type { Logger } from 'pino';
import type { ModelAudioFormats } from '../audio/audio-format.js';
import type { RealtimePrice } from '../config/model-prices.js';
import type { RealtimeModel, RealtimeResponseDone } from '../realtime/realtime-model.js';
import type { LiveCallControls } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { callAudioCodec } from './call-audio.js';
import { monotonicNow, wallClock } from './call-clock.js';
import { recordCallEnd, type CallEndReason } from './call-ending.js';
import { CallFigures } from './call-figures.js';
import { CallTransfer, type TransferCall } from './call-transfer.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallContext, CallSetup } from './call-setup.js';
import { CallSupervisor, DEFAULT_CALL_LIMITS, type CallLimits, type SupervisedCall } from './call-supervisor.js';
import { CallerPlayback } from './caller-playback.js';
import { CallRecording } from './call-recording.js';
import type { CallRecordings } from './recording-writer.js';
import type { CallerStream } from './caller-stream.js';
import { greetingInstructions, RESUMED_AFTER_DROP_NOTE, unansweredTransferInstructions, type WrapUpReason } from './instructions.js';
import { conversationSoFar, ModelLink, type LinkedCall } from './model-link.js';
import { routeModelEvents } from './model-routes.js';
import { ResponseRecovery, type RecoveringCall } from './response-recovery.js';
import { ToolTurns, type CallToolContext, type ToolTurnsCall } from './tool-turns.js';
import { TranscriptAssembler } from './transcript.js';

export type { CallEndReason } from './call-ending.js';
export { DEFAULT_CALL_LIMITS, type CallLimits } from './call-supervisor.js';
export { FILLER_AFTER_MS } from './tool-turns.js';

/** Waiting for the first model session, greeting, talking, restoring a lost model connection, saying a goodbye of ours, over. */
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
  transfer?: TransferCall;
  /** The monotonic clock (ms) every duration, timeout and latency of the call is read from. */
  now?: () => number;
  /** The wall clock for stored stamps (the call's start and end, turns). */
  wallClock?: () => Date;
  limits?: CallLimits;
  /** Where call recordings go; absent: calls are never recorded (whatever the spa's setting). */
  recordings?: CallRecordings;
}

/**
 * One phone call: caller stream ⇄ realtime model. Coordinates the call's pieces (caller playback,
 * model link, tool turns, supervisor, figures), keeps its phase, and is the one place that decides
 * to hang up after a goodbye. Caller audio goes straight through to the model; writes go behind.
 */
export class CallSession {
  readonly callSid: string;
  readonly conversationId: string;
  private current: CallPhase = 'connecting';
  private readonly wallClock: () => Date;
  private readonly startedAtDate: Date;
  private readonly transcript: TranscriptAssembler;
  private readonly figures: CallFigures;
  private readonly playback: CallerPlayback;
  private readonly link: ModelLink;
  private readonly tools: ToolTurns;
  private readonly supervisor: CallSupervisor;
  private readonly recovery: ResponseRecovery;
  private greeted = false;
  /** Set while a goodbye is being spoken: why the call ends once it has been heard. */
  private goodbye: CallEndReason | undefined;
  private readonly transfer: CallTransfer;
  private readonly recording: CallRecording | undefined;
  private resolveDone: () => void = () => {};
  /** Resolves when the call is over and its record written. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CallSessionOptions) {
    const { stream, recorder, log } = options;
    const now = options.now ?? monotonicNow;
    const startedAt = now();
    this.wallClock = options.wallClock ?? wallClock;
    this.startedAtDate = this.wallClock();
    this.callSid = stream.callSid;
    this.conversationId = stream.conversationId;
    this.transfer = new CallTransfer(this.callSid, recorder, options.transfer);
    this.transcript = new TranscriptAssembler(recorder.nextSeq, (turn) => recorder.turn(turn), this.wallClock);
    this.figures = new CallFigures(now, log, startedAt);
    this.recording = options.recordings ? new CallRecording(options.recordings, recorder, now, startedAt, this.wallClock) : undefined;
    this.playback = new CallerPlayback(stream, this.transcript, recorder, this.figures, now, this.recording?.capture);
    const limits = options.limits ?? DEFAULT_CALL_LIMITS;
    this.link = new ModelLink({ recorder, log, now, modelSessionMaxMs: limits.modelSessionMaxMs }, this.linked);
    this.tools = new ToolTurns({ tools: options.tools, toolContext: options.toolContext, recorder, log, now, controls: this.controls }, this.toolCall);
    this.supervisor = new CallSupervisor({ recorder, log, now, limits, startedAt }, this.supervised);
    this.recovery = new ResponseRecovery({ recorder, log, now }, this.recovering);

    // Stream listeners are attached synchronously, before any await.
    stream.on('media', (audio) => this.onCallerAudio(audio));
    stream.on('mark', (name) => {
      this.playback.markPlayed(name);
      this.hangUpIfHeard();
    });
    stream.on('stop', () => this.end('caller'));
    stream.on('closed', () => this.end('stream_closed'));
    stream.on('dtmf', (digit) => recorder.event('dtmf', null, { digit }));

    recorder.event('call_started', null, { streamSid: stream.streamSid });
    this.supervisor.start();
    this.link.start(options.setup);
  }

  get phase(): CallPhase {
    return this.current;
  }

  get isEnded(): boolean {
    return this.current === 'ended';
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
    // A wrap-up, once begun, is what the call does until it ends.
    if (this.current !== 'ended' && this.current !== 'wrapping-up') this.current = phase;
  }

  private setupFailed(error: unknown): void {
    this.options.log.error({ err: error }, 'call setup failed');
    this.options.recorder.event('error', 'setup_failure', { message: error instanceof Error ? error.message : String(error) });
    this.end('setup_failure');
  }

  /** Picks the conversions between the caller's audio and the model's; a pair we cannot convert fails the call. */
  private useAudio(formats: ModelAudioFormats): boolean {
    // A session with the same formats keeps the codec, filter history and all (reconnects, rotation).
    if (this.playback.codec?.serves(formats)) return true;
    try {
      this.playback.codec = callAudioCodec(this.options.stream.audioFormat, formats);
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
    const { stream } = this.options;
    this.recording?.decide(context.spa.settings.recording, {
      spaId: context.spaId,
      conversationId: this.conversationId,
      streamSid: stream.streamSid,
      startedAt: this.startedAtDate,
    });
    const transferUnanswered = stream.resume === 'transfer-unanswered';
    model.createResponse({ note: transferUnanswered ? unansweredTransferInstructions() : greetingInstructions(context.spa) });
  }

  /** Caller audio (hot path). During a reconnect it has nowhere to go; the restored session starts fresh. */
  private onCallerAudio(audio: Buffer): void {
    this.recording?.capture.caller(audio);
    const model = this.link.model;
    const codec = this.playback.codec;
    if (!model || !codec || this.current === 'ended') return;
    model.appendAudio(codec.toModel(audio));
  }

  /** Barge-in: what plays stops; "oh, one more thing" during a goodbye keeps the line, unless we must end it. */
  private callerStartedSpeaking(): void {
    this.supervisor.callerStartedSpeaking();
    if (this.current !== 'wrapping-up') this.goodbye = undefined;
    this.playback.interrupt(this.link.model);
  }

  /**
   * A response ended: completed, cancelled by a barge-in, cut short, or failed. Tool calls count
   * only for a completed one; a failed or incomplete one is recovered from (response-recovery.ts).
   */
  private responseDone(done: RealtimeResponseDone): void {
    this.figures.addUsage(done.usage);
    this.playback.responseDone(done.responseId);
    if (this.current === 'greeting' && done.status !== 'failed') this.enter('live');
    const toolTurn = this.tools.responseDone(done);
    this.recovery.responseDone(done);
    if (!toolTurn) this.hangUpIfHeard();
  }

  private sayGoodbye(reason: CallEndReason, note: string): void {
    this.goodbye = reason;
    this.link.model?.createResponse({ note });
  }

  /** The one place that hangs up after a goodbye: once all of it has been heard and nothing more is coming. */
  private hangUpIfHeard(): void {
    const { playback, tools, recovery } = this;
    if (this.goodbye !== undefined && playback.idle && !playback.responding && !tools.busy && !recovery.retrying) this.end(this.goodbye);
  }

  /** Nothing is being said, played, generated, retried or looked up, and no goodbye is under way. */
  private get quiet(): boolean {
    const { playback, tools } = this;
    return (
      playback.idle &&
      !playback.responding &&
      !tools.busy &&
      !tools.fillerPending &&
      !this.recovery.retrying &&
      !this.supervisor.callerSpeaking &&
      this.goodbye === undefined
    );
  }

  /** A session is back after an outage: the conversation carries on where it was. */
  private restored(model: RealtimeModel): void {
    this.supervisor.activity();
    if (!this.greeted) return this.greet();
    this.enter('live');
    // Results that came meanwhile go to the new session; those still coming make the model speak again.
    if (this.tools.busy) return this.tools.resume();
    if (this.goodbye !== undefined) return this.hangUpIfHeard();
    model.restoreConversation([{ type: 'message', role: 'system', text: RESUMED_AFTER_DROP_NOTE }]);
    model.createResponse();
  }

  private readonly linked: LinkedCall = {
    isEnded: () => this.isEnded,
    quiet: () => this.quiet,
    route: (model) => {
      const { playback, transcript, figures, supervisor, tools } = this;
      const targets = { playback, transcript, figures, supervisor, tools, recorder: this.options.recorder };
      routeModelEvents(model, { ...targets, callerStartedSpeaking: () => this.callerStartedSpeaking(), responseDone: (done) => this.responseDone(done) });
    },
    history: () => conversationSoFar(this.transcript.snapshot(), this.tools.replayItems),
    audioFormats: (formats) => this.useAudio(formats),
    setupFailed: (error) => this.setupFailed(error),
    accepted: () => this.greet(),
    errored: () => this.tools.modelErrored(),
    outage: () => {
      this.playback.abandonResponses();
      this.tools.connectionLost();
      this.recovery.connectionLost();
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
    conversing: () => this.current === 'greeting' || this.current === 'live',
    quiet: () => this.quiet,
    busy: () => this.playback.responding || this.tools.busy,
    canSpeak: () => this.link.canSpeak,
    prompt: (note) => this.link.model?.createResponse({ note }),
    sayGoodbye: (reason, instructions) => this.sayGoodbye(reason, instructions),
    rotateIfDue: (now) => this.link.rotateIfDue(now),
    wrappingUp: () => this.enter('wrapping-up'),
    end: (reason) => this.end(reason),
  };

  private readonly recovering: RecoveringCall = {
    isEnded: () => this.isEnded,
    model: () => this.link.model,
    silent: () => this.playback.idle && !this.playback.responding,
    sayingGoodbye: () => this.goodbye !== undefined,
    holdPrompt: () => this.playback.playHoldPrompt(),
    handOver: (why) => this.end('model_failure', why),
  };

  private readonly controls: LiveCallControls = {
    endCallAfterSpeech: () => {
      this.goodbye ??= 'assistant';
    },
    transferTo: (number, announcement) => this.transfer.transferTo(number, announcement),
    stopRecording: () => this.recording?.stopAtCallersRequest() ?? false,
  };

  /** Ends the call once; the record is written behind, `done` resolves when it is. `why` explains an ending of ours to staff. */
  end(reason: CallEndReason, why?: string): void {
    if (this.isEnded) return;
    this.current = 'ended';
    const finalReason = this.transfer.to !== null ? 'transfer' : reason;
    const { stream, recorder, log, modelName, price } = this.options;
    this.supervisor.stop();
    this.recovery.stop();
    this.options.onEnded(this, finalReason);
    this.link.release();
    // Our ending: closing the stream hands the call to the carrier (apology, hang-up).
    if (finalReason !== 'caller' && finalReason !== 'stream_closed') stream.close(1000, finalReason);
    this.playback.stop();
    this.transcript.flush();
    const ending = { reason: finalReason, streamSid: stream.streamSid, startedAt: this.startedAtDate, endedAt: this.wallClock(), modelName, price };
    const recorded = this.recording?.end(ending.endedAt).catch((error: unknown) => log.error({ err: error }, 'could not finish the call recording'));
    const written = recordCallEnd(recorder, this.figures, log, { ...ending, transferredTo: this.transfer.to, ...(why ? { why } : {}) });
    void Promise.all([written, recorded]).finally(this.resolveDone);
  }
}
