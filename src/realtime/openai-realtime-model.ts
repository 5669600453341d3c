import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { ModelAudioFormats } from '../audio/audio-format.js';
import type { TranscriptionUsage } from '../config/model-prices.js';
import {
  appendAudioJson,
  instructionsWithNote,
  openAIAudioFormats,
  replayItemPayload,
  responseCreateEvent,
  sessionChangePayload,
  sessionPayload,
  type OpenAIClientEvent,
} from './openai-client-events.js';
import { HANDLED_EVENT_TYPES, parseServerEvent, type ServerEvent, type TranscriptionUsagePayload, type UsagePayload } from './openai-events.js';
import { ConnectionWatchdog } from './connection-watchdog.js';
import { responseOutcome } from './openai-response-outcome.js';
import {
  RealtimeError,
  type RealtimeCapabilities,
  type RealtimeModel,
  type RealtimeModelEvents,
  type RealtimeModelFactory,
  type RealtimeSessionChange,
  type RealtimeSessionOptions,
  type RealtimeUsage,
  type ReplayItem,
  type ResponseRequest,
} from './realtime-model.js';

/** Where an error goes that no 'error' listener heard (pino's Logger fits). */
export interface UnheardErrorLog {
  warn(details: { err: RealtimeError; code: string; recoverable: boolean }, message: string): void;
}

export interface OpenAIRealtimeOptions {
  /** wss://api.openai.com/v1/realtime, or a ws:// double. */
  url: string;
  model: string;
  apiKey: string | undefined;
  connectTimeoutMs?: number;
  /**
   * A connection that answers no ping, or goes this long without an event while a response is
   * owed, is given up (and reported closed) so the call can reconnect instead of sitting in silence.
   */
  livenessMs?: number;
  /** Monotonic milliseconds for liveness (default performance.now); tests pass their own. */
  clock?: () => number;
  /** Errors emitted while nobody listens for 'error' (default: a process warning). */
  log?: UnheardErrorLog;
}

/** Without a logger an unheard error still shows, on stderr, as a process warning. */
const WARNING_LOG: UnheardErrorLog = {
  warn: ({ err }, message) => process.emitWarning(`${message}: ${err.message}`, { type: 'RealtimeError', code: err.code }),
};

const DEFAULT_LIVENESS_MS = 5_000;
const WATCHDOG_TICK_MS = 1_000;
/** The metadata key that ties a response to the request that asked for it. */
const REQUEST_KEY = 'request';
const MAX_UNSTARTED_REQUESTS = 16;

/** A response under way: what we asked for (absent when the model started it) and whether it is in the conversation. */
interface ResponseInFlight {
  request: ResponseRequest | undefined;
  outOfBand: boolean;
}

/** The OpenAI Realtime API (GA protocol) over a plain `ws` socket, PCM16 24 kHz or μ-law 8 kHz both ways. */
export class OpenAIRealtimeModel extends EventEmitter<RealtimeModelEvents> implements RealtimeModel {
  readonly provider = 'openai';
  readonly capabilities: RealtimeCapabilities = { truncation: true, outOfBandResponses: true };
  /** PCM16 24 kHz until connect() is asked for μ-law. */
  private formats: ModelAudioFormats = openAIAudioFormats('pcm16');
  private readonly clock: () => number;
  private readonly log: UnheardErrorLog;
  private socket: WebSocket | undefined;
  private readySent = false;
  private closedSent = false;
  private readonly watchdog: ConnectionWatchdog;
  /** Since when a response has been owed (asked for or under way) with none before it. */
  private owedSince = 0;
  /** response.create sent and no response.created yet. */
  private responsesOwed = 0;
  private readonly responsesInProgress = new Map<string, ResponseInFlight>();
  /** Requests sent with a tag and not yet started, by tag. */
  private readonly requests = new Map<string, ResponseRequest>();
  private requestCount = 0;
  /** The session's instructions, which every response's note is added to. */
  private sessionInstructions = '';
  private transcriptionModel: string | null = null;

  constructor(private readonly options: OpenAIRealtimeOptions) {
    super();
    this.clock = options.clock ?? (() => performance.now());
    this.log = options.log ?? WARNING_LOG;
    this.watchdog = new ConnectionWatchdog({
      clock: this.clock,
      livenessMs: options.livenessMs ?? DEFAULT_LIVENESS_MS,
      tickMs: WATCHDOG_TICK_MS,
      socket: () => this.socket,
      owedSince: () => (this.responsesOwed > 0 || this.responsesInProgress.size > 0 ? this.owedSince : undefined),
      giveUp: (why) => this.giveUp(why),
    });
  }

  get modelName(): string {
    return this.options.model;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get audioFormats(): ModelAudioFormats {
    return this.formats;
  }

  connect(session: RealtimeSessionOptions): Promise<void> {
    this.formats = openAIAudioFormats(session.audioFormat);
    this.sessionInstructions = session.instructions;
    this.transcriptionModel = session.transcriptionModel;
    const url = new URL(this.options.url);
    url.searchParams.set('model', this.options.model);
    const socket = new WebSocket(url, {
      headers: this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {},
      handshakeTimeout: this.options.connectTimeoutMs ?? 5_000,
      perMessageDeflate: false,
    });
    this.socket = socket;

    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('pong', () => this.watchdog.clearPing());
    socket.on('close', (code, reason) => this.emitClosed(code, reason.toString()));

    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        this.watchdog.heard();
        this.send({ type: 'session.update', session: sessionPayload(this.options.model, session, this.formats) });
        this.watchdog.start();
        resolve();
      });
      // Rejecting after `open` resolved is a no-op, so failures before it reject and later ones only report.
      socket.once('close', (code) => reject(new RealtimeError('connect_failed', `realtime connection closed before it opened (${code})`, false)));
      socket.on('error', (cause) => {
        // Transport errors end the session; 'closed' follows.
        const error = new RealtimeError('transport_error', cause.message, false, { cause });
        reject(error);
        this.emitError(error);
      });
    });
  }

  appendAudio(audio: Buffer): void {
    if (!this.isOpen) return;
    this.socket?.send(appendAudioJson(audio.toString('base64')));
  }

  /**
   * A plain request goes as a plain `response.create`. One with a note or out of band carries the
   * session's instructions with the note (the wire field replaces the session's, so a note alone
   * would speak without the persona) and a tag that its response events come back with.
   */
  createResponse(request: ResponseRequest = {}): void {
    if (!this.isOpen) return;
    this.owe();
    if (request.note === undefined && !request.outOfBand) {
      this.send(responseCreateEvent({}));
      return;
    }
    const tag = `r${++this.requestCount}`;
    // A request the server refused (one already active) never starts: do not keep those for ever.
    if (this.requests.size >= MAX_UNSTARTED_REQUESTS) this.requests.delete(this.requests.keys().next().value!);
    this.requests.set(tag, { ...request });
    this.send(
      responseCreateEvent({
        ...(request.note !== undefined ? { instructions: instructionsWithNote(this.sessionInstructions, request.note) } : {}),
        ...(request.outOfBand ? { outOfBand: true } : {}),
        metadata: { [REQUEST_KEY]: tag },
      }),
    );
  }

  sendToolResult(callId: string, output: string): void {
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } });
  }

  cancelResponse(): void {
    // Only with a response under way: otherwise the server answers `response_cancel_not_active`.
    for (const responseId of this.responsesInProgress.keys()) this.send({ type: 'response.cancel', response_id: responseId });
  }

  truncate(itemId: string, audioEndMs: number): void {
    this.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.max(0, Math.floor(audioEndMs)),
    });
  }

  updateSession(change: RealtimeSessionChange): void {
    this.sessionInstructions = change.instructions;
    this.send({ type: 'session.update', session: sessionChangePayload(this.transcriptionModel, change) });
  }

  restoreConversation(items: ReplayItem[]): void {
    for (const item of items) this.send({ type: 'conversation.item.create', item: replayItemPayload(item) });
  }

  close(): void {
    this.watchdog.stop();
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'call ended');
    else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
  }

  private send(event: OpenAIClientEvent): void {
    if (this.isOpen) this.socket?.send(JSON.stringify(event));
  }

  /**
   * An 'error' with no listener would throw inside the socket handler; errors are events here,
   * never crashes, and one nobody listens to is logged rather than lost.
   */
  private emitError(error: RealtimeError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.log.warn({ err: error, code: error.code, recoverable: error.recoverable }, 'realtime model error with no listener');
  }

  /** The request a response's metadata names, once (the map holds only requests not yet started). */
  private takeRequest(metadata: Record<string, string> | null | undefined): ResponseRequest | undefined {
    const tag = metadata?.[REQUEST_KEY];
    if (tag === undefined) return undefined;
    const request = this.requests.get(tag);
    this.requests.delete(tag);
    return request;
  }

  private owe(): void {
    if (this.responsesOwed === 0 && this.responsesInProgress.size === 0) this.owedSince = this.clock();
    this.responsesOwed += 1;
  }

  private giveUp(why: string): void {
    this.emitError(new RealtimeError('connection_stalled', `realtime connection ${why}`, false));
    this.socket?.terminate();
    this.emitClosed(1006, why);
  }

  private emitClosed(code: number, reason: string): void {
    this.watchdog.stop();
    if (this.closedSent) return;
    this.closedSent = true;
    this.emit('closed', code, reason);
  }

  private onMessage(raw: string): void {
    this.watchdog.heard();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !HANDLED_EVENT_TYPES.has(type)) return;
    const event = parseServerEvent(json, type);
    if (event) this.dispatch(event);
  }

  private dispatch(event: ServerEvent): void {
    switch (event.type) {
      case 'session.created':
        return;
      case 'session.updated':
        if (!this.readySent) {
          this.readySent = true;
          this.emit('ready');
        }
        return;
      case 'input_audio_buffer.speech_started':
        this.emit('speechStarted', event.item_id, event.audio_start_ms);
        return;
      case 'input_audio_buffer.speech_stopped':
        this.emit('speechStopped', event.item_id, event.audio_end_ms);
        return;
      case 'input_audio_buffer.committed':
        this.emit('callerItem', event.item_id);
        return;
      case 'response.created': {
        this.responsesOwed = Math.max(0, this.responsesOwed - 1);
        const request = this.takeRequest(event.response.metadata);
        // Out of band: as we asked, or as the server says (no conversation).
        const outOfBand = request?.outOfBand ?? event.response.conversation_id === null;
        this.responsesInProgress.set(event.response.id, { request, outOfBand });
        return;
      }
      case 'conversation.item.input_audio_transcription.completed':
        this.emit('callerTranscript', event.item_id, event.transcript);
        if (event.usage) this.emit('transcriptionUsage', toTranscriptionUsage(event.usage));
        return;
      case 'conversation.item.input_audio_transcription.failed':
        this.emit('callerTranscriptFailed', event.item_id, event.error?.message ?? 'transcription failed');
        return;
      case 'response.output_item.added':
        if (event.item.type === 'message')
          this.emit('assistantItem', event.item.id, event.response_id, !(this.responsesInProgress.get(event.response_id)?.outOfBand ?? false));
        return;
      case 'response.output_audio.delta':
        this.emit('audio', Buffer.from(event.delta, 'base64'), event.item_id, event.response_id);
        return;
      case 'response.output_audio_transcript.done':
        this.emit('assistantTranscript', event.item_id, event.transcript);
        return;
      case 'response.function_call_arguments.done':
        this.emit('toolCall', {
          callId: event.call_id,
          name: event.name,
          argumentsJson: event.arguments,
          responseId: event.response_id,
        });
        return;
      case 'response.done': {
        const { response } = event;
        const inFlight = this.responsesInProgress.get(response.id) ?? { request: this.takeRequest(response.metadata), outOfBand: false };
        this.responsesInProgress.delete(response.id);
        const outcome = responseOutcome(response.status, response.status_details);
        this.emit('responseDone', {
          responseId: response.id,
          ...outcome,
          ...(inFlight.request ? { request: inFlight.request } : {}),
          outOfBand: inFlight.outOfBand,
          usage: toUsage(response.usage ?? {}),
        });
        return;
      }
      case 'error': {
        const code = event.error.code ?? event.error.type ?? 'unknown';
        // A refused response.create (e.g. one already active) will not be answered.
        if (code === 'conversation_already_has_active_response') this.responsesOwed = Math.max(0, this.responsesOwed - 1);
        // "Most errors are recoverable and the session will stay open"; an expired session is not,
        // and neither is a refused session configuration (no instructions, no tools, no voice).
        this.emitError(new RealtimeError(code, event.error.message, code !== 'session_expired' && this.readySent));
        return;
      }
    }
  }
}

function toTranscriptionUsage(usage: TranscriptionUsagePayload): TranscriptionUsage {
  if (usage.type === 'duration') return { inputAudioTokens: 0, inputTextTokens: 0, outputTextTokens: 0, seconds: usage.seconds };
  const details = usage.input_token_details;
  const audio = details?.audio_tokens ?? usage.input_tokens ?? 0;
  return { inputAudioTokens: audio, inputTextTokens: details?.text_tokens ?? 0, outputTextTokens: usage.output_tokens ?? 0, seconds: 0 };
}

function toUsage(usage: UsagePayload): RealtimeUsage {
  const input = usage.input_token_details ?? {};
  const cached = input.cached_tokens_details ?? {};
  const output = usage.output_token_details ?? {};
  return {
    inputTextTokens: input.text_tokens ?? 0,
    inputAudioTokens: input.audio_tokens ?? 0,
    cachedTextTokens: cached.text_tokens ?? 0,
    cachedAudioTokens: cached.audio_tokens ?? 0,
    outputTextTokens: output.text_tokens ?? 0,
    outputAudioTokens: output.audio_tokens ?? 0,
  };
}

export function openAIRealtimeFactory(options: OpenAIRealtimeOptions): RealtimeModelFactory {
  return { provider: 'openai', model: options.model, create: () => new OpenAIRealtimeModel(options) };
}
