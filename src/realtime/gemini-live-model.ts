import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { ModelAudioFormats } from '../audio/audio-format.js';
import {
  clientContentMessage,
  GEMINI_AUDIO_FORMATS,
  instructionTurn,
  realtimeAudioJson,
  replayTurns,
  setupMessage,
  toolResponseMessage,
} from './gemini-client-messages.js';
import { durationMs, parseServerMessage, type ServerMessage } from './gemini-server-messages.js';
import { ConnectionWatchdog } from './connection-watchdog.js';
import { GeminiTurns } from './gemini-turns.js';
import type { UnheardErrorLog } from './openai-realtime-model.js';
import {
  RealtimeError,
  type RealtimeCapabilities,
  type RealtimeModel,
  type RealtimeModelEvents,
  type RealtimeSessionChange,
  type RealtimeModelFactory,
  type RealtimeSessionOptions,
  type ReplayItem,
  type ResponseRequest,
} from './realtime-model.js';

export interface GeminiLiveOptions {
  /** wss://generativelanguage.googleapis.com/ws/…BidiGenerateContent, or a ws:// double. */
  url: string;
  model: string;
  apiKey: string | undefined;
  connectTimeoutMs?: number;
  /** As for OpenAI: no pong, or no answer to a request, for this long and the connection is given up. */
  livenessMs?: number;
  /** Google ends a connection after about 10 minutes; it is renewed at a quiet moment before that. */
  connectionMaxMs?: number;
  clock?: () => number;
  log?: UnheardErrorLog;
}

const DEFAULT_LIVENESS_MS = 5_000;
const DEFAULT_CONNECTION_MAX_MS = 9 * 60_000;
const WATCHDOG_TICK_MS = 250;
/** A renewal (resume on a new connection) that is not set up by then is abandoned and tried again. */
const RENEW_TIMEOUT_MS = 3_000;
const RENEW_RETRY_MS = 2_000;
/** The caller is taken to be mid-sentence this long after the last piece of their words. */
const CALLER_QUIET_MS = 1_200;
/** goAway without `timeLeft`: assume this much. */
const GO_AWAY_DEFAULT_MS = 5_000;
/** Caller audio kept while no connection can take it (a renewal after the server closed): 2 s at 16 kHz. */
const HELD_AUDIO_BYTES = 64_000;

const WARNING_LOG: UnheardErrorLog = {
  warn: ({ err }, message) => process.emitWarning(`${message}: ${err.message}`, { type: 'RealtimeError', code: err.code }),
};

/**
 * Gemini Live (`BidiGenerateContent`) over a plain `ws` socket: PCM16 16 kHz in, 24 kHz out.
 * Differences from OpenAI the call sees through the capabilities: no truncate (after a barge-in
 * the model keeps its own idea of what it said), no out-of-band responses. Connections are
 * renewed with the session resumption handle before Google's connection limit (or its `goAway`),
 * at a moment when neither side is speaking, so the caller hears nothing of it.
 */
export class GeminiLiveModel extends EventEmitter<RealtimeModelEvents> implements RealtimeModel {
  readonly provider = 'gemini';
  readonly capabilities: RealtimeCapabilities = { truncation: false, outOfBandResponses: false };
  readonly audioFormats: ModelAudioFormats = GEMINI_AUDIO_FORMATS;
  private readonly clock: () => number;
  private readonly log: UnheardErrorLog;
  private readonly turns: GeminiTurns;
  private session: RealtimeSessionOptions | undefined;
  private socket: WebSocket | undefined;
  private renewing: WebSocket | undefined;
  private readySent = false;
  private closedSent = false;
  private readonly watchdog: ConnectionWatchdog;
  /** A request (or tool results) was sent and the model has not answered yet. */
  private owedSince: number | undefined;
  private lastCallerWordsAt = -Infinity;
  private handle: string | undefined;
  private resumable = false;
  /** When the connection should be renewed (connection age, or goAway), and by when it must be. */
  private renewDueAt = Infinity;
  private renewBy = Infinity;
  private nextRenewalTry = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly held = Buffer.alloc(HELD_AUDIO_BYTES);
  private heldBytes = 0;
  /** Connections renewed in this session's life (for tests and logs). */
  renewals = 0;

  constructor(private readonly options: GeminiLiveOptions) {
    super();
    this.clock = options.clock ?? (() => performance.now());
    this.log = options.log ?? WARNING_LOG;
    this.turns = new GeminiTurns(this, this.clock);
    this.watchdog = new ConnectionWatchdog({
      clock: this.clock,
      livenessMs: options.livenessMs ?? DEFAULT_LIVENESS_MS,
      // Four times a second, so a renewal waits at most a quarter second for the caller to pause.
      tickMs: WATCHDOG_TICK_MS,
      socket: () => this.socket,
      owedSince: () => this.owedSince,
      giveUp: (why) => this.giveUp(why),
      onTick: (now) => this.renewIfDue(now),
    });
  }

  get modelName(): string {
    return this.options.model;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN || this.renewing !== undefined;
  }

  connect(session: RealtimeSessionOptions): Promise<void> {
    this.session = session;
    const socket = this.openSocket(undefined);
    this.socket = socket;
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString()));
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        this.connected();
        this.watchdog.start();
        resolve();
      });
      socket.once('close', (code) => reject(new RealtimeError('connect_failed', `Gemini Live connection closed before it opened (${code})`, false)));
      socket.on('error', (cause) => {
        const error = new RealtimeError('transport_error', cause.message, false, { cause });
        reject(error);
        if (socket === this.socket) this.emitError(error);
      });
    });
  }

  appendAudio(audio: Buffer): void {
    const socket = this.socket;
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(realtimeAudioJson(audio.toString('base64')));
      return;
    }
    // The server ended the connection and its successor is being set up: keep what the caller says.
    if (this.renewing === undefined) return;
    const room = HELD_AUDIO_BYTES - this.heldBytes;
    this.heldBytes += audio.copy(this.held, this.heldBytes, 0, Math.min(room, audio.length));
  }

  /**
   * Gemini has no response.create: a request is a `clientContent` turn with `turnComplete`, whose
   * text says what to do. After tool results the model goes on by itself, so a plain request then
   * is already answered. Out-of-band requests are not possible (capabilities say so) and ignored.
   */
  createResponse(request: ResponseRequest = {}): void {
    if (!this.isOpen || request.outOfBand) return;
    this.owedSince ??= this.clock();
    if (request.note === undefined && this.turns.continuationOwed) return;
    this.turns.requested(request);
    this.send(clientContentMessage([instructionTurn(request.note ?? 'Carry on with the call: answer the caller.')], true));
  }

  sendToolResult(callId: string, output: string): void {
    const name = this.turns.toolResultFor(callId);
    // A call Gemini cancelled (the caller spoke meanwhile) wants no response.
    if (name === undefined) return;
    this.owedSince ??= this.clock();
    this.send(toolResponseMessage(callId, name, output));
  }

  /**
   * Gemini has no cancel: the turn under way ends for us now (responseDone 'cancelled') and what
   * the model still sends of it is dropped until the server ends that turn.
   */
  cancelResponse(): void {
    this.turns.cancel();
  }

  /** Gemini has no truncate: on `interrupted` the model's context follows its own rules. */
  truncate(): void {}

  /**
   * Gemini's setup cannot change on an open connection: the new instructions reach the model as a
   * system turn now (no reply asked for), and every later setup (renewal, resumption) carries them.
   * Gemini's input transcription takes no language, so only the instructions matter to it.
   */
  updateSession(change: RealtimeSessionChange): void {
    if (this.session) this.session = { ...this.session, ...change };
    this.send(clientContentMessage([instructionTurn(`From now on, follow these instructions:\n${change.instructions}`)], false));
  }

  restoreConversation(items: ReplayItem[]): void {
    if (items.length > 0) this.send(clientContentMessage(replayTurns(items), false));
  }

  close(): void {
    this.watchdog.stop();
    clearTimeout(this.renewTimer);
    for (const socket of [this.socket, this.renewing]) {
      if (socket?.readyState === WebSocket.OPEN) socket.close(1000, 'call ended');
      else if (socket?.readyState === WebSocket.CONNECTING) socket.terminate();
    }
  }

  private openSocket(handle: string | undefined): WebSocket {
    const url = new URL(this.options.url);
    if (this.options.apiKey) url.searchParams.set('key', this.options.apiKey);
    const socket = new WebSocket(url, { handshakeTimeout: this.options.connectTimeoutMs ?? 5_000, perMessageDeflate: false });
    socket.on('message', (data) => this.onMessage(socket, data.toString()));
    socket.on('pong', () => {
      if (socket === this.socket) this.watchdog.clearPing();
    });
    socket.once('open', () => {
      if (this.session) socket.send(JSON.stringify(setupMessage(this.options.model, this.session, handle)));
    });
    return socket;
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connected(): void {
    const now = this.clock();
    this.watchdog.heard();
    this.renewDueAt = now + (this.options.connectionMaxMs ?? DEFAULT_CONNECTION_MAX_MS);
    this.renewBy = Infinity;
  }

  private emitError(error: RealtimeError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.log.warn({ err: error, code: error.code, recoverable: error.recoverable }, 'realtime model error with no listener');
  }

  private emitClosed(code: number, reason: string): void {
    this.watchdog.stop();
    if (this.closedSent) return;
    this.closedSent = true;
    this.turns.abandon();
    this.emit('closed', code, reason);
  }

  private onMessage(socket: WebSocket, raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const message = parseServerMessage(json);
    if (!message) return;
    if (socket === this.renewing) return this.onRenewalMessage(socket, message);
    if (socket !== this.socket) return;
    this.watchdog.heard();
    if (message.setupComplete && !this.readySent) {
      this.readySent = true;
      this.emit('ready');
    }
    this.note(message);
    this.turns.handle(message);
  }

  /** What the adapter itself keeps of a message: resumption state, the server's notice, who is talking. */
  private note(message: ServerMessage): void {
    const update = message.sessionResumptionUpdate;
    if (update) {
      this.resumable = update.resumable === true && update.newHandle !== undefined;
      if (this.resumable) this.handle = update.newHandle;
    }
    if (message.goAway) {
      const now = this.clock();
      this.renewBy = now + (durationMs(message.goAway.timeLeft) ?? GO_AWAY_DEFAULT_MS);
      this.renewDueAt = now;
    }
    const content = message.serverContent;
    if (content?.inputTranscription?.text) this.lastCallerWordsAt = this.clock();
    if (content?.modelTurn || content?.turnComplete || message.toolCall) this.owedSince = undefined;
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    if (!this.readySent) {
      // Gemini refuses a session by closing it, with a code and a reason (bad key, quota, bad setup).
      if (code !== 1006) this.emitError(new RealtimeError(refusalCode(code, reason), `Gemini Live refused the session (${code} ${reason})`.trim(), false));
      return this.emitClosed(code, reason);
    }
    // The server ended the connection (its limit came before a quiet moment did): resume at once if nothing was under way.
    if (this.renewing === undefined && this.canRenew()) {
      this.renew();
      if (this.renewing) return;
    }
    if (this.renewing === undefined) this.emitClosed(code, reason);
  }

  private canRenew(): boolean {
    return this.resumable && this.handle !== undefined && !this.turns.busy;
  }

  /** Opens the session's next connection with the resumption handle; the old one serves until it is set up. */
  private renew(): void {
    const handle = this.handle;
    if (!handle || this.renewing) return;
    const socket = this.openSocket(handle);
    this.renewing = socket;
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => socket.terminate(), RENEW_TIMEOUT_MS);
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.renewing !== socket) return;
      this.renewing = undefined;
      this.heldBytes = 0;
      this.nextRenewalTry = this.clock() + RENEW_RETRY_MS;
      // The old connection is gone too: the session is lost, as any dropped connection.
      if (this.socket?.readyState !== WebSocket.OPEN) this.emitClosed(1006, 'could not resume the Gemini Live session');
    });
  }

  private onRenewalMessage(socket: WebSocket, message: ServerMessage): void {
    this.note(message);
    if (!message.setupComplete) return;
    clearTimeout(this.renewTimer);
    const old = this.socket;
    this.socket = socket;
    this.renewing = undefined;
    this.renewals += 1;
    this.watchdog.clearPing();
    this.connected();
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString()));
    old?.removeAllListeners('close');
    if (old?.readyState === WebSocket.OPEN) old.close(1000, 'session resumed on a new connection');
    if (this.heldBytes > 0) socket.send(realtimeAudioJson(this.held.toString('base64', 0, this.heldBytes)));
    this.heldBytes = 0;
  }

  /** A connection due for renewal is renewed once nobody is speaking (or when its notice runs out). */
  private renewIfDue(now: number): void {
    if (now >= this.renewDueAt && now >= this.nextRenewalTry && this.canRenew()) {
      const callerQuiet = now - this.lastCallerWordsAt > CALLER_QUIET_MS;
      if (callerQuiet || now >= this.renewBy - 1_000) this.renew();
    }
  }

  private giveUp(why: string): void {
    this.emitError(new RealtimeError('connection_stalled', `Gemini Live connection ${why}`, false));
    this.socket?.terminate();
    this.renewing?.terminate();
    this.emitClosed(1006, why);
  }
}

/** Gemini's close codes and reasons for a refused session, as stable codes (all persistent). */
export function refusalCode(code: number, reason: string): string {
  if (/quota|exhausted|rate limit/i.test(reason)) return 'resource_exhausted';
  if (/api key|permission|unauthori[sz]ed|forbidden/i.test(reason) || code === 1008) return 'permission_denied';
  if (code === 1007) return 'invalid_argument';
  if (code === 1011) return 'unavailable';
  return `closed_${code}`;
}

export function geminiLiveFactory(options: GeminiLiveOptions): RealtimeModelFactory {
  return { provider: 'gemini', model: options.model, create: () => new GeminiLiveModel(options) };
}
