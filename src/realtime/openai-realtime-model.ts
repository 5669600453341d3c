import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { TranscriptionUsage } from '../config/model-prices.js';
import { HANDLED_EVENT_TYPES, parseServerEvent, type ServerEvent, type TranscriptionUsagePayload, type UsagePayload } from './openai-events.js';
import {
  RealtimeError,
  type RealtimeModel,
  type RealtimeModelEvents,
  type RealtimeModelFactory,
  type RealtimeSessionOptions,
  type RealtimeUsage,
  type ReplayItem,
} from './realtime-model.js';

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
}

const DEFAULT_LIVENESS_MS = 5_000;
const WATCHDOG_TICK_MS = 1_000;

/** The OpenAI Realtime API (GA protocol) over a plain `ws` socket, PCM16 24 kHz or μ-law 8 kHz both ways. */
export class OpenAIRealtimeModel extends EventEmitter<RealtimeModelEvents> implements RealtimeModel {
  private socket: WebSocket | undefined;
  private readySent = false;
  private closedSent = false;
  private watchdog: NodeJS.Timeout | undefined;
  private lastEventAt = 0;
  private pingSentAt: number | undefined;
  /** response.create sent and no response.created yet. */
  private responsesOwed = 0;
  private readonly responsesInProgress = new Set<string>();

  constructor(private readonly options: OpenAIRealtimeOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect(session: RealtimeSessionOptions): Promise<void> {
    const url = new URL(this.options.url);
    url.searchParams.set('model', this.options.model);
    const socket = new WebSocket(url, {
      headers: this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {},
      handshakeTimeout: this.options.connectTimeoutMs ?? 5_000,
      perMessageDeflate: false,
    });
    this.socket = socket;

    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('pong', () => {
      this.pingSentAt = undefined;
    });
    socket.on('close', (code, reason) => this.emitClosed(code, reason.toString()));

    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        this.lastEventAt = performance.now();
        this.send({ type: 'session.update', session: sessionPayload(this.options.model, session) });
        this.startWatchdog();
        resolve();
      });
      // Rejecting after `open` resolved is a no-op, so failures before it reject and later ones only report.
      socket.once('close', (code) => reject(new Error(`realtime connection closed before it opened (${code})`)));
      socket.on('error', (error) => {
        reject(error);
        // Transport errors end the session; 'closed' follows.
        this.emitError(new RealtimeError('transport_error', error.message, false));
      });
    });
  }

  appendAudio(pcm24k: Buffer): void {
    if (!this.isOpen) return;
    // Written by hand: this runs 50 times a second per call.
    this.socket?.send(`{"type":"input_audio_buffer.append","audio":"${pcm24k.toString('base64')}"}`);
  }

  createResponse(options: { instructions?: string; outOfBand?: boolean } = {}): void {
    if (!this.isOpen) return;
    this.owe();
    const response: Record<string, unknown> = {};
    if (options.instructions !== undefined) response.instructions = options.instructions;
    if (options.outOfBand) response.conversation = 'none';
    this.send(Object.keys(response).length === 0 ? { type: 'response.create' } : { type: 'response.create', response });
  }

  sendToolResult(callId: string, output: string): void {
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } });
  }

  truncate(itemId: string, audioEndMs: number): void {
    this.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.max(0, Math.floor(audioEndMs)),
    });
  }

  restoreConversation(items: ReplayItem[]): void {
    for (const item of items) this.send({ type: 'conversation.item.create', item: replayItemPayload(item) });
  }

  close(): void {
    this.stopWatchdog();
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'call ended');
    else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
  }

  private send(event: Record<string, unknown>): void {
    if (this.isOpen) this.socket?.send(JSON.stringify(event));
  }

  /** An 'error' with no listener would throw inside the socket handler; errors are events here, never crashes. */
  private emitError(error: RealtimeError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private owe(): void {
    if (this.responsesOwed === 0 && this.responsesInProgress.size === 0) this.lastEventAt = performance.now();
    this.responsesOwed += 1;
  }

  /**
   * Once a second: a ping when the connection has been quiet for half of `livenessMs`, and a
   * connection that left one unanswered for `livenessMs` is dead (a half-open TCP connection never
   * closes by itself). A response that was asked for or started and has produced no event for
   * `livenessMs` has stalled. Either way the socket is
   * dropped and `closed` reported, which the call treats as a lost connection.
   */
  private startWatchdog(): void {
    const limit = this.options.livenessMs ?? DEFAULT_LIVENESS_MS;
    this.watchdog = setInterval(() => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      const now = performance.now();
      if (this.pingSentAt !== undefined && now - this.pingSentAt > limit) return this.giveUp('no answer to ping');
      const waiting = this.responsesOwed > 0 || this.responsesInProgress.size > 0;
      if (waiting && now - this.lastEventAt > limit) return this.giveUp('response stalled');
      // A connection that is talking is alive: ping only one that has been quiet a while, so a
      // busy call's socket carries no extra frames.
      if (this.pingSentAt === undefined && now - this.lastEventAt >= limit / 2) {
        this.pingSentAt = now;
        socket.ping();
      }
    }, WATCHDOG_TICK_MS);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private giveUp(why: string): void {
    this.stopWatchdog();
    this.emitError(new RealtimeError('connection_stalled', `realtime connection ${why}`, false));
    this.socket?.terminate();
    this.emitClosed(1006, why);
  }

  private emitClosed(code: number, reason: string): void {
    this.stopWatchdog();
    if (this.closedSent) return;
    this.closedSent = true;
    this.emit('closed', code, reason);
  }

  private onMessage(raw: string): void {
    this.lastEventAt = performance.now();
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
      case 'response.created':
        this.responsesOwed = Math.max(0, this.responsesOwed - 1);
        this.responsesInProgress.add(event.response.id);
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.emit('callerTranscript', event.item_id, event.transcript);
        if (event.usage) this.emit('transcriptionUsage', toTranscriptionUsage(event.usage));
        return;
      case 'conversation.item.input_audio_transcription.failed':
        this.emit('callerTranscriptFailed', event.item_id, event.error?.message ?? 'transcription failed');
        return;
      case 'response.output_item.added':
        if (event.item.type === 'message') this.emit('assistantItem', event.item.id, event.response_id);
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
      case 'response.done':
        this.responsesInProgress.delete(event.response.id);
        this.emit('responseDone', {
          responseId: event.response.id,
          status: event.response.status,
          usage: toUsage(event.response.usage ?? {}),
        });
        return;
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

function replayItemPayload(item: ReplayItem): Record<string, unknown> {
  switch (item.type) {
    case 'message':
      return {
        type: 'message',
        role: item.role,
        content: [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.text }],
      };
    case 'function_call':
      return { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.argumentsJson };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.callId, output: item.output };
  }
}

/** The GA `session.update` body. */
export function sessionPayload(model: string, session: RealtimeSessionOptions): Record<string, unknown> {
  const turnDetection =
    session.turnDetection.type === 'server_vad'
      ? {
          type: 'server_vad',
          threshold: session.turnDetection.threshold,
          prefix_padding_ms: session.turnDetection.prefixPaddingMs,
          silence_duration_ms: session.turnDetection.silenceDurationMs,
          create_response: true,
          interrupt_response: true,
        }
      : { type: 'semantic_vad', eagerness: session.turnDetection.eagerness, create_response: true, interrupt_response: true };
  const audioFormat = session.audioFormat === 'pcmu' ? { type: 'audio/pcmu' } : { type: 'audio/pcm', rate: 24000 };
  return {
    type: 'realtime',
    model,
    output_modalities: ['audio'],
    instructions: session.instructions,
    audio: {
      input: {
        format: audioFormat,
        // Phone audio is near-field (a handset at the mouth).
        noise_reduction: { type: 'near_field' },
        transcription: session.transcriptionModel
          ? { model: session.transcriptionModel, language: session.language }
          : null,
        turn_detection: turnDetection,
      },
      output: { format: audioFormat, voice: session.voice },
    },
    tools: session.tools.map((tool) => ({ type: 'function', ...tool })),
    tool_choice: 'auto',
  };
}

export function openAIRealtimeFactory(options: OpenAIRealtimeOptions): RealtimeModelFactory {
  return { create: () => new OpenAIRealtimeModel(options) };
}
