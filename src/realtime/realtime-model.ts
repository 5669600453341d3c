import type { EventEmitter } from 'node:events';
import type { AudioEncoding, ModelAudioFormats } from '../audio/audio-format.js';
import type { TokenUsage, TranscriptionUsage } from '../config/model-prices.js';

/**
 * What a call needs from a speech-to-speech model, independent of the provider: audio in, in the
 * format the model declares; audio, transcripts, speech events and tool calls out; truncate to
 * what was heard, where the model can. The call converts audio by the declared formats
 * (audio/model-audio-codec.ts), so a provider with other formats needs no change to the call.
 */

/** Who serves a session: OpenAI Realtime or Gemini Live. */
export type RealtimeProvider = 'openai' | 'gemini';

export interface RealtimeToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export type RealtimeTurnDetection =
  | { type: 'server_vad'; threshold: number; prefixPaddingMs: number; silenceDurationMs: number }
  | { type: 'semantic_vad'; eagerness: 'low' | 'medium' | 'high' | 'auto' };

export interface RealtimeSessionOptions {
  instructions: string;
  voice: string;
  turnDetection: RealtimeTurnDetection;
  /** Null turns caller transcription off. */
  transcriptionModel: string | null;
  /** The ISO 639-1 code of the caller's language, a hint for transcription; null gives none (the provider detects it). */
  language: string | null;
  /** Guides transcription (e.g. which languages to expect); null gives none. */
  transcriptionPrompt: string | null;
  tools: RealtimeToolDefinition[];
  /**
   * The encoding this deployment prefers (MODEL_AUDIO_FORMAT): a model that can work in it (OpenAI:
   * PCM16 24 kHz, or G.711 μ-law 8 kHz passed through) does; `RealtimeModel.audioFormats` says
   * what the session actually uses.
   */
  audioFormat: AudioEncoding;
}

/** What may change during a session: the instructions and the caller's language (the caller switched languages). */
export type RealtimeSessionChange = Pick<RealtimeSessionOptions, 'instructions' | 'language' | 'transcriptionPrompt'>;

/** What a model can do besides audio in and out. */
export interface RealtimeCapabilities {
  /**
   * Cutting an assistant item's audio at what the caller heard (`conversation.item.truncate`), so
   * the model's memory matches the call after a barge-in.
   */
  readonly truncation: boolean;
  /**
   * Speaking a response that is not added to the conversation (a filler while a tool runs).
   * Without it the call plays its recorded "one moment, please" instead.
   */
  readonly outOfBandResponses: boolean;
}

/** Token usage of one response; the same shape the price table bills. */
export type RealtimeUsage = TokenUsage;

/** A finished part of the conversation, replayed into a fresh session after a reconnect. */
export type ReplayItem =
  | { type: 'message'; role: 'user' | 'assistant' | 'system'; text: string }
  | { type: 'function_call'; callId: string; name: string; argumentsJson: string }
  | { type: 'function_call_output'; callId: string; output: string };

export interface RealtimeToolCall {
  callId: string;
  name: string;
  argumentsJson: string;
  responseId: string;
}

/** What the call asks of one response. */
export interface ResponseRequest {
  /**
   * What this response is for ("greet the caller", "say goodbye"). It is given on top of the
   * session's instructions, never instead of them: the persona, the spa's facts and the rule on
   * the caller's language hold for every response.
   */
  note?: string;
  /** Spoken but not added to the conversation (e.g. a filler while a tool runs). */
  outOfBand?: boolean;
}

/** How a response ended: everything it had to say, cut off by the caller, cut short, or refused. */
export type RealtimeResponseStatus = 'completed' | 'cancelled' | 'incomplete' | 'failed';

/** Why a response failed, as the provider said it, with what it means for the call. */
export interface RealtimeResponseFailure {
  /** The provider's code (e.g. `server_error`, `rate_limit_exceeded`, `insufficient_quota`). */
  code: string;
  message: string;
  /**
   * True: the same request may well succeed in a moment (an outage blip, a short rate limit).
   * False: it will not (quota, credentials, a request the provider refuses).
   */
  transient: boolean;
  /** How long the provider asked us to wait before trying again, when it said. */
  retryAfterMs?: number;
}

export interface RealtimeResponseDone {
  responseId: string;
  status: RealtimeResponseStatus;
  /** Why a response was cancelled or incomplete (e.g. `turn_detected`, `max_output_tokens`, `content_filter`). */
  reason?: string;
  /** Set for a failed response. */
  failure?: RealtimeResponseFailure;
  /** What we asked for with createResponse(); undefined for a response the model started itself (turn detection). */
  request?: ResponseRequest;
  /** Not part of the conversation (an out-of-band response). */
  outOfBand: boolean;
  usage: RealtimeUsage;
}

/**
 * The adapter's own codes; a provider's error events keep the provider's code (e.g.
 * `session_expired`, `conversation_already_has_active_response`).
 */
export type RealtimeErrorCode =
  /** The socket failed; the session is lost and `closed` follows. */
  | 'transport_error'
  /** The connection could not be opened. */
  | 'connect_failed'
  /** No answer to a ping, or a response that stalled: given up, `closed` follows. */
  | 'connection_stalled'
  | (string & {});

/** Errors say whether the session can go on (most server errors) or is lost (transport). */
export class RealtimeError extends Error {
  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    /** True: the session stays open and usable. False: it is lost (or never opened). */
    readonly recoverable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RealtimeError';
  }
}

export interface RealtimeModelEvents {
  /** The session accepted our configuration; audio and responses can flow. */
  ready: [];
  /** Reply audio in `audioFormats.output`. */
  audio: [audio: Buffer, itemId: string, responseId: string];
  /**
   * An assistant message item started (in conversation order). `inConversation` is false for an
   * out-of-band response's item, which the model's conversation does not hold (nothing to truncate).
   */
  assistantItem: [itemId: string, responseId: string, inConversation: boolean];
  assistantTranscript: [itemId: string, text: string];
  /** A caller turn was committed by turn detection, in conversation order. */
  callerItem: [itemId: string];
  callerTranscript: [itemId: string, text: string];
  callerTranscriptFailed: [itemId: string, message: string];
  /** What transcribing one caller turn used (billed apart from the realtime model). */
  transcriptionUsage: [usage: TranscriptionUsage];
  speechStarted: [itemId: string, audioStartMs: number];
  speechStopped: [itemId: string, audioEndMs: number];
  /**
   * A tool call's arguments are complete. Its response may still end cancelled, incomplete or
   * failed (and its arguments then be cut short): `responseDone` says whether it completed.
   */
  toolCall: [call: RealtimeToolCall];
  responseDone: [done: RealtimeResponseDone];
  /**
   * Adapters deliver an error to its listeners; with none attached it is logged, never dropped
   * and never thrown.
   */
  error: [error: RealtimeError];
  /**
   * The connection is gone; no more events follow. Also emitted when the adapter gives up on a
   * connection that stopped answering (no pong, or a response that stalled).
   */
  closed: [code: number, reason: string];
}

export interface RealtimeModel extends EventEmitter<RealtimeModelEvents> {
  /** Who serves this session, and which of their models: the call's record and bill name them. */
  readonly provider: RealtimeProvider;
  readonly modelName: string;
  /** Opens the connection and sends the session configuration. Resolves when the socket is open. */
  connect(options: RealtimeSessionOptions): Promise<void>;
  readonly isOpen: boolean;
  /**
   * The audio this session takes in and gives out. Settled once connect() is called (it may follow
   * the session options' preferred encoding) and the same for the session's life.
   */
  readonly audioFormats: ModelAudioFormats;
  readonly capabilities: RealtimeCapabilities;
  /** Caller audio in `audioFormats.input`. */
  appendAudio(audio: Buffer): void;
  /**
   * Asks for a reply. Its `note` is added to the session's instructions for this one response
   * (never replaces them). An out-of-band response (e.g. "one moment") is spoken but not added to
   * the conversation.
   */
  createResponse(request?: ResponseRequest): void;
  sendToolResult(callId: string, output: string): void;
  /**
   * Stops the responses being generated, as the caller's speech does with turn detection (used when
   * a key press interrupts a reply). Each ends with `responseDone` status 'cancelled'. Nothing
   * happens when none is under way.
   */
  cancelResponse(): void;
  /**
   * Cuts an assistant item's audio at what the caller actually heard. Only meaningful where
   * `capabilities.truncation`; a model without it ignores the call.
   */
  truncate(itemId: string, audioEndMs: number): void;
  /** Changes the session's instructions and transcription language mid-call; responses after it follow them. */
  updateSession(change: RealtimeSessionChange): void;
  /** Adds earlier turns to a fresh session (after a reconnect), in order; no response follows. */
  restoreConversation(items: ReplayItem[]): void;
  close(): void;
}

export interface RealtimeModelFactory {
  readonly provider: RealtimeProvider;
  /** The model its sessions use (priced by config/model-prices.ts). */
  readonly model: string;
  create(): RealtimeModel;
}

/** The providers this deployment can open sessions with; a call picks one by the spa's settings. */
export interface RealtimeModelFactories {
  get(provider: RealtimeProvider): RealtimeModelFactory | undefined;
}

export function realtimeFactories(factories: readonly RealtimeModelFactory[]): RealtimeModelFactories {
  const byProvider = new Map(factories.map((factory) => [factory.provider, factory]));
  return { get: (provider) => byProvider.get(provider) };
}
