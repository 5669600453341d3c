import type { Logger } from 'pino';
import { describeAudioFormat, type ModelAudioFormats } from '../audio/audio-format.js';
import type { RealtimeModel, RealtimeResponseDone } from '../realtime/realtime-model.js';
import type { LiveCallControls } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { callAudioCodec } from './call-audio.js';
import { monotonicNow, wallClock } from './call-clock.js';
import { callOutcome, recordCallEnd, type CallEndReason } from './call-ending.js';
import { CallFigures } from './call-figures.js';
import { FRAME_DELAY_SAMPLE_EVERY, UNOBSERVED_CALL, type CallObservation } from './call-observer.js';
import { CallTransfer, type TransferCall } from './call-transfer.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallContext, CallSetup } from './call-setup.js';
import { CallSupervisor, DEFAULT_CALL_LIMITS, type CallLimits, type SupervisedCall } from './call-supervisor.js';
import { CallerLanguage } from './caller-language.js';
import { CallerPlayback } from './caller-playback.js';
import { CallRecording } from './call-recording.js';
import type { CallRecordings } from './recording-writer.js';
import type { CallerStream } from './caller-stream.js';
import { CallerKeypad } from './caller-keypad.js';
import { FRONT_DESK_UNANSWERED } from './front-desk-routing.js';
import {
  frontDeskUnansweredGreeting,
  greetingInstructions,
  RESUMED_AFTER_DROP_NOTE,
  unansweredTransferInstructions,
  type WrapUpReason,
} from './instructions.js';
import { keypadRequests, type KeypadSession } from './keypad-requests.js';
import { transferBriefing, type WarmTransfers } from './warm-transfer.js';
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
  /** The model named on the record if no session ever served the call. */
  modelName: string;
  log: Logger;
  /** Called once, synchronously, when the call ends (before the record is written). */
  onEnded(session: CallSession, reason: CallEndReason): void;
  /** Hands the live call to a person (Twilio REST); absent where transfers are impossible. */
  transfer?: TransferCall;
  /** Warm transfers: the whisper the front desk hears first; without it transfers are cold. */
  warmTransfers?: WarmTransfers;
  /** The monotonic clock (ms) every duration, timeout and latency of the call is read from. */
  now?: () => number;
  /** The wall clock for stored stamps (the call's start and end, turns). */
  wallClock?: () => Date;
  limits?: CallLimits;
  /** Metrics and trace of the call; nothing is observed without it. */
  observation?: CallObservation;
  /** Told each reply's latency as it is measured (the test line's page). */
  onReplyLatency?: (ms: number) => void;
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
  /** Follows the caller's language; made once the spa is known. */
  private callerLanguage: CallerLanguage | undefined;
  /** Set while a goodbye is being spoken: why the call ends once it has been heard. */
  private goodbye: CallEndReason | undefined;
  private readonly transfer: CallTransfer;
  private readonly keypad: CallerKeypad;
  /** A key press's request waiting for the response being generated and the tools running to end: what to do then. */
  private afterReply: (() => void)[] = [];
  private readonly observation: CallObservation;
  private readonly now: () => number;
  /** Caller frames since the last one whose bridge time was measured. */
  private framesUnsampled = 0;
  private readonly recording: CallRecording | undefined;
  private resolveEnded: () => void = () => {};
  /** Resolves as the call ends, before its record is written behind. */
  readonly ended = new Promise<void>((resolve) => {
    this.resolveEnded = resolve;
  });
  private resolveDone: () => void = () => {};
  /** Resolves when the call is over and its record written. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CallSessionOptions) {
    const { stream, recorder, log } = options;
    const now = options.now ?? monotonicNow;
    const startedAt = now();
    const observation = options.observation ?? UNOBSERVED_CALL;
    this.now = now;
    this.observation = observation;
    this.wallClock = options.wallClock ?? wallClock;
    this.startedAtDate = this.wallClock();
    this.callSid = stream.callSid;
    this.conversationId = stream.conversationId;
    const briefing = transferBriefing(
      options.warmTransfers,
      {
        callSid: this.callSid,
        spaName: () => this.link.context?.spa.name ?? '',
        customerId: () => this.link.context?.customerId ?? null,
        callerNumber: () => this.link.context?.customerPhone ?? null,
        history: () => conversationSoFar(this.transcript.snapshot(), this.tools.replayItems),
      },
      log,
    );
    this.transfer = new CallTransfer(this.callSid, recorder, options.transfer, observation, briefing);
    this.transcript = new TranscriptAssembler(recorder.nextSeq, (turn) => recorder.turn(turn), this.wallClock);
    this.figures = new CallFigures(now, log, startedAt, observation, options.onReplyLatency);
    this.recording = options.recordings ? new CallRecording(options.recordings, recorder, now, startedAt, this.wallClock) : undefined;
    this.playback = new CallerPlayback(stream, this.transcript, recorder, this.figures, now, observation, this.recording?.capture);
    const limits = options.limits ?? DEFAULT_CALL_LIMITS;
    this.link = new ModelLink({ recorder, log, now, modelSessionMaxMs: limits.modelSessionMaxMs, observation }, this.linked);
    this.tools = new ToolTurns({ tools: options.tools, toolContext: options.toolContext, recorder, log, now, controls: this.controls, observation }, this.toolCall);
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
    this.keypad = new CallerKeypad(recorder, keypadRequests(this.keypadSession, recorder, log));
    stream.on('dtmf', (digit) => this.keypad.pressed(digit));

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
      this.observation.audioFormat(`caller ${describeAudioFormat(this.options.stream.audioFormat)}, model ${describeAudioFormat(formats.input)}`);
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
    const { resume, opening } = stream;
    const note =
      resume === 'transfer-unanswered'
        ? unansweredTransferInstructions()
        : opening === FRONT_DESK_UNANSWERED
          ? frontDeskUnansweredGreeting(context.spa)
          : greetingInstructions(context.spa, context.languages, context.callerLanguage);
    model.createResponse({ note });
  }

  /**
   * Caller audio (hot path). During a reconnect it has nowhere to go; the restored session starts
   * fresh. One frame in FRAME_DELAY_SAMPLE_EVERY has the bridge's time for it measured.
   */
  private onCallerAudio(audio: Buffer): void {
    this.recording?.capture.caller(audio);
    const model = this.link.model;
    const codec = this.playback.codec;
    if (!model || !codec || this.current === 'ended') return;
    const sampled = ++this.framesUnsampled >= FRAME_DELAY_SAMPLE_EVERY;
    const started = sampled ? this.now() : 0;
    model.appendAudio(codec.toModel(audio));
    if (!sampled) return;
    this.framesUnsampled = 0;
    this.observation.frameDelay('uplink', (this.now() - started) / 1000);
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
  private responseDone(done: RealtimeResponseDone, model: RealtimeModel): void {
    this.figures.addUsage(done.usage, model);
    if (done.status === 'failed') this.observation.responseFailed(done.failure?.code ?? 'unknown');
    this.playback.responseDone(done.responseId);
    if (this.current === 'greeting' && done.status !== 'failed') this.enter('live');
    const toolTurn = this.tools.responseDone(done);
    this.recovery.responseDone(done);
    if (!toolTurn) this.hangUpIfHeard();
    if (!this.tools.busy) this.runAfterReply();
  }

  /** What waited for the reply and the tools (keypad-requests.ts) runs once neither is under way. */
  private runAfterReply(): void {
    if (this.playback.responding || this.afterReply.length === 0) return;
    const waiting = this.afterReply;
    this.afterReply = [];
    for (const run of waiting) run();
  }

  /** What the caller's keys may do to the call (keypad-requests.ts). */
  private readonly keypadSession: KeypadSession = {
    isEnded: () => this.isEnded,
    spa: () => this.link.context?.spa,
    model: () => this.link.model,
    now: () => this.options.toolContext.now(),
    handlesKeys: () => this.link.context?.spa.settings.routing.dtmf ?? true,
    stopReply: () => {
      // As if the caller had spoken over the reply, except that no turn detection cancels it for us.
      const generating = this.playback.responding;
      this.supervisor.activity();
      if (this.current !== 'wrapping-up') this.goodbye = undefined;
      this.playback.interrupt(this.link.model);
      if (generating) this.link.model?.cancelResponse();
    },
    // A tool's result is part of what the model answers: a request made while one runs waits for it.
    whenReplyDone: (then) => {
      if (this.playback.responding || this.tools.busy) this.afterReply.push(then);
      else then();
    },
    holdPrompt: () => this.playback.playHoldPrompt(),
    transferring: () => this.transfer.to !== null,
    transfer: (number, announcement) => this.transfer.transferTo(number, announcement),
    transferred: () => this.options.toolContext.writes?.enqueue({ type: 'record_outcome', conversationId: this.conversationId, outcome: 'transferred' }),
  };

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

  /**
   * The caller's language tracker. A switch retunes the live session (instructions and the
   * transcription's language) and is recorded: the conversation's language and the patient's.
   */
  private languageOfCaller(): CallerLanguage | undefined {
    const context = this.link.context;
    if (this.callerLanguage || !context) return this.callerLanguage;
    const { recorder, log } = this.options;
    this.callerLanguage = new CallerLanguage(context.languages, context.callerLanguage, {
      switchTo: (language) => {
        if (this.isEnded) return;
        const change = context.speakLanguage(language);
        // The conversation's language is noted either way; the timeline shows only a real switch.
        if (change) {
          this.link.model?.updateSession(change);
          recorder.event('language', 'switched', { language });
        }
        recorder.language(language);
        log.info({ language }, 'the call goes on in the caller\'s language');
      },
      unsupported: (language) => {
        recorder.event('language', 'unsupported', { language, answeredIn: context.languages.primary });
        log.info({ language }, 'the caller speaks a language the spa does not serve; answering in its primary language');
      },
    });
    return this.callerLanguage;
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
      routeModelEvents(model, {
        ...targets,
        callerStartedSpeaking: () => this.callerStartedSpeaking(),
        responseDone: (done, model) => this.responseDone(done, model),
        callerSaid: (text) => this.languageOfCaller()?.callerSaid(text),
      });
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
    // Only reached when no other provider can take the call (model-link.ts tries that first).
    unreachable: () => this.end('model_failure'),
  };

  private readonly toolCall: ToolTurnsCall = {
    context: () => this.link.context,
    model: () => this.link.model,
    isEnded: () => this.isEnded,
    silent: () => this.playback.idle && !this.playback.responding,
    holdPrompt: () => this.playback.playHoldPrompt(),
    transferring: () => this.transfer.to !== null,
    resultsDelivered: (model) => this.resultsDelivered(model),
  };

  /**
   * A tool turn's results are with the model. With a goodbye under way the call hangs up once it is
   * heard; a key press that waited for them makes the one reply (its note asks for it); during a
   * transfer the model says nothing more; otherwise the model speaks again.
   */
  private resultsDelivered(model: RealtimeModel): void {
    if (this.goodbye !== undefined) return this.hangUpIfHeard();
    if (this.afterReply.length > 0) return this.runAfterReply();
    if (this.transfer.to === null) model.createResponse();
  }

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
    // Another provider carries the call on if one can; only then do people take over.
    handOver: (why) => {
      if (!this.link.failOver('responses_failing', why)) this.end('model_failure', why);
    },
  };

  private readonly controls: LiveCallControls = {
    endCallAfterSpeech: () => {
      this.goodbye ??= 'assistant';
    },
    transferTo: (number, announcement, reason) => this.transfer.transferTo(number, announcement, reason),
    stopRecording: () => this.recording?.stopAtCallersRequest() ?? false,
  };

  /** Ends the call once; the record is written behind, `done` resolves when it is. `why` explains an ending of ours to staff. */
  end(reason: CallEndReason, why?: string): void {
    if (this.isEnded) return;
    this.current = 'ended';
    const finalReason = this.transfer.to !== null ? 'transfer' : reason;
    const { stream, recorder, log, modelName } = this.options;
    this.supervisor.stop();
    this.recovery.stop();
    this.keypad.stop();
    this.afterReply = [];
    this.options.onEnded(this, finalReason);
    this.resolveEnded();
    this.link.release();
    const { bargeIns, replyLatenciesMs } = this.figures;
    this.observation.ended({ outcome: callOutcome(finalReason), endedBy: finalReason, bargeIns, replies: replyLatenciesMs.length });
    // Our ending: closing the stream hands the call to the carrier (apology, hang-up).
    if (finalReason !== 'caller' && finalReason !== 'stream_closed') stream.close(1000, finalReason);
    this.playback.stop();
    this.transcript.flush();
    const ending = { reason: finalReason, streamSid: stream.streamSid, startedAt: this.startedAtDate, endedAt: this.wallClock(), modelName };
    const recorded = this.recording?.end(ending.endedAt).catch((error: unknown) => log.error({ err: error }, 'could not finish the call recording'));
    const written = recordCallEnd(recorder, this.figures, log, { ...ending, transferredTo: this.transfer.to, ...(why ? { why } : {}) });
    void Promise.all([written, recorded]).finally(this.resolveDone);
  }
}
