import type { Logger } from 'pino';
import { MULAW_FRAME_BYTES, mulawBytesToMs } from '../audio/audio-units.js';
import { modelAudioCodec, type ModelAudioCodec } from '../audio/model-audio-codec.js';
import { realtimeCostUsd, type RealtimePrice } from '../config/model-prices.js';
import type { RealtimeError, RealtimeModel, RealtimeToolCall, RealtimeUsage } from '../realtime/realtime-model.js';
import type { ConversationStatus } from '../storage/schema.js';
import type { MediaStream } from '../telephony/media-stream.js';
import type { LiveCallControls, ToolContext } from '../tools/tool.js';
import type { ToolOutcome, ToolRegistry } from '../tools/tool-registry.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallSetup } from './call-setup.js';
import { greetingInstructions, unansweredTransferInstructions } from './instructions.js';
import { PlaybackTracker, type PlayingItem } from './playback-tracker.js';
import { TranscriptAssembler } from './transcript.js';

export type CallEndReason =
  | 'caller'
  | 'assistant'
  | 'transfer'
  | 'model_failure'
  | 'setup_failure'
  | 'stream_closed'
  | 'shutdown';

const STATUS_FOR_REASON: Record<CallEndReason, ConversationStatus> = {
  caller: 'completed',
  assistant: 'completed',
  transfer: 'transferred',
  model_failure: 'failed',
  setup_failure: 'failed',
  stream_closed: 'completed',
  shutdown: 'completed',
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
}

/** A tool slower than this makes the receptionist say a short filler instead of leaving dead air. */
export const FILLER_AFTER_MS = 1_500;
const FILLER_MAX_MS = 4_000;
/** A session the model has not accepted by then is a failed call: apologise rather than leave silence. */
const SESSION_READY_TIMEOUT_MS = 8_000;
const FILLER_INSTRUCTIONS =
  'Tell the caller, in one short natural sentence, that you are still working on it, for example "Just a moment, I\'m still checking that for you." Say nothing else.';

interface PendingToolCalls {
  outstanding: number;
  responseDone: boolean;
  outputs: { callId: string; output: string }[];
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
  /** Twilio's μ-law ⇄ the model session's audio format; chosen when the session is attached. */
  private audio: ModelAudioCodec | undefined;
  /** μ-law not yet sent because it does not fill a 20 ms frame. */
  private pendingOut: Buffer = Buffer.alloc(0);
  private pendingOutItem: string | undefined;
  private model: RealtimeModel | undefined;
  private setup: CallSetup | undefined;
  private ended = false;
  private endReason: CallEndReason | undefined;
  private transferredTo: string | null = null;
  private hangUpWhenHeard = false;
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
  private resolveDone: () => void = () => {};
  /** Resolves when the call is over and its record written. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CallSessionOptions) {
    const { stream, recorder } = options;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
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
    options.setup.then(
      (setup) => this.attach(setup),
      (error: unknown) => {
        options.log.error({ err: error }, 'call setup failed');
        recorder.event('error', 'setup_failure', { message: error instanceof Error ? error.message : String(error) });
        this.end('setup_failure');
      },
    );
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private attach(setup: CallSetup): void {
    const { model } = setup;
    if (this.ended) {
      model.close();
      return;
    }
    this.setup = setup;
    this.audio = modelAudioCodec(setup.audioFormat);
    this.model = model;
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
    model.on('speechStarted', () => this.onCallerStartedSpeaking());
    model.on('speechStopped', () => {
      this.speechStoppedAt = this.now();
    });
    model.on('toolCall', (call) => this.onToolCall(call));
    model.on('responseDone', (done) => this.onResponseDone(done.responseId, done.usage));
    model.on('error', (error) => this.onModelError(error));
    model.on('closed', (code, reason) => {
      if (this.ended) return;
      this.options.log.error({ code, reason }, 'realtime model connection lost mid-call');
      this.options.recorder.event('error', 'model_disconnected', { code, reason });
      this.end('model_failure');
    });
    if (!model.isOpen) {
      this.end('model_failure');
      return;
    }
    let readyTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      readyTimer = setTimeout(() => reject(new Error('the model did not accept the session in time')), SESSION_READY_TIMEOUT_MS);
    });
    Promise.race([setup.ready, timedOut]).then(
      () => {
        clearTimeout(readyTimer);
        this.greet();
      },
      (error: unknown) => {
        clearTimeout(readyTimer);
        if (this.ended) return;
        this.options.log.error({ err: error }, 'realtime session was not ready');
        this.options.recorder.event('error', 'session_not_ready', { message: error instanceof Error ? error.message : String(error) });
        this.end('setup_failure');
      },
    );
  }

  private greet(): void {
    if (this.ended || this.greeted || !this.model || !this.setup) return;
    this.greeted = true;
    this.model.createResponse({
      instructions:
        this.options.stream.resume === 'transfer-unanswered' ? unansweredTransferInstructions() : greetingInstructions(this.setup.spa),
    });
  }

  // --- caller → model -------------------------------------------------------------------

  private onCallerAudio(mulaw: Buffer): void {
    const model = this.model;
    const audio = this.audio;
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
    if (this.hangUpWhenHeard && this.playback.idle && this.pendingTools.size === 0) this.end('assistant');
  }

  // --- barge-in ---------------------------------------------------------------------------

  private onCallerStartedSpeaking(): void {
    const model = this.model;
    // "Oh, one more thing" during the goodbye: the caller keeps the line.
    this.hangUpWhenHeard = false;
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
    const setup = this.setup;
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
    this.options.recorder.event('tool_call', call.name, { callId: call.callId, arguments: args });
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
      this.options.recorder.event('tool_result', call.name, { callId: call.callId, durationMs, ...outcome });
      pending.outstanding -= 1;
      pending.outputs.push({ callId: call.callId, output: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }) });
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
    if (this.hangUpWhenHeard && this.playback.idle) this.end('assistant');
  }

  /** Once a response is done and all its tool calls have results, the model speaks again. */
  private maybeContinueAfterTools(responseId: string): void {
    const pending = this.pendingTools.get(responseId);
    if (!pending || !pending.responseDone || pending.outstanding > 0 || this.fillersPending > 0 || this.ended) return;
    this.pendingTools.delete(responseId);
    const model = this.model;
    if (!model) return;
    for (const output of pending.outputs) model.sendToolResult(output.callId, output.output);
    if (this.hangUpWhenHeard) {
      if (this.playback.idle) this.end('assistant');
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

  private onModelError(error: RealtimeError): void {
    this.options.recorder.event('error', error.code, { message: error.message, recoverable: error.recoverable });
    // A refused filler never sends response.done.
    if (this.fillersPending > 0) this.fillerDone();
    if (error.recoverable) {
      this.options.log.warn({ code: error.code, message: error.message }, 'realtime model error');
      return;
    }
    this.options.log.error({ code: error.code, message: error.message }, 'realtime model failed');
    this.end('model_failure');
  }

  /** Ends the call once; the record is written behind, `done` resolves when it is. */
  end(reason: CallEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = this.endReason === 'transfer' ? 'transfer' : reason;
    const finalReason = this.endReason;
    this.options.onEnded(this, finalReason);
    this.model?.close();
    // Our ending: closing the stream hands the call to the <Connect action> (apology, hang-up).
    if (finalReason !== 'caller' && finalReason !== 'stream_closed') this.options.stream.close(1000, finalReason);
    // A caller who hangs up mid-reply heard only part of it.
    for (const item of this.playback.unplayed()) this.keepHeardPart(item);
    this.transcript.flush();
    const cost = realtimeCostUsd(this.options.price, this.usage);
    this.options.recorder.event('call_ended', finalReason, { usage: this.usage, costUsd: cost });
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
