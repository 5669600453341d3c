/**
 * A wire-level stand-in for Google's Gemini Live API (`BidiGenerateContent` over WebSocket), from
 * Google's reference (ai.google.dev/api/live, …/live-api/session-management, …/live-tools), not
 * from our adapter. camelCase JSON both ways. The first client message must be `setup` (anything
 * else closes the socket with 1007); the server answers `{setupComplete: {}}`, and only then takes
 * `realtimeInput` (audio must be `audio/pcm;rate=16000`, base64 16-bit LE PCM), `clientContent`
 * (turns appended; `turnComplete: true` makes the model answer) and `toolResponse`. The model
 * speaks `serverContent.modelTurn.parts[].inlineData` of `audio/pcm;rate=24000`, with
 * `outputTranscription`, then `generationComplete` and `turnComplete` (with `usageMetadata`); a
 * function call is `toolCall.functionCalls[{id, name, args}]` and the model waits for the
 * `toolResponse` with that id before it goes on. Tests drive the caller's side (transcribed words,
 * a barge-in that sends `interrupted`, `toolCallCancellation` for a call under way), send `goAway`
 * and end connections; session resumption hands out `sessionResumptionUpdate.newHandle`s that a
 * later `setup.sessionResumption.handle` resumes. Errors come as Google's do: the socket closes
 * with a code and a reason. Handshakes can be refused (HTTP 503) for outage scenarios.
 */
import { EventEmitter, once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { pcm16Tone, resolveTemplates } from './fake-realtime-server.js';

export const GEMINI_LIVE_PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

export interface GeminiScriptedReply {
  text?: string;
  audioMs?: number;
  toneHz?: number;
  /** Reply audio as PCM16 24 kHz (instead of a tone). */
  audio?: Buffer;
  /** A function call; the model goes on (with the next reply) once its response comes. */
  toolCall?: { name: string; args: Record<string, unknown> };
  /** Pause after each audio chunk (room for a barge-in). */
  chunkIntervalMs?: number;
}

/** How Google ends a session it will not serve: a close code and a reason. */
export const REFUSALS = {
  unavailable: { code: 1011, reason: 'The service is currently unavailable.' },
  quota: { code: 1011, reason: 'You exceeded your current quota, please check your plan and billing details.' },
  badKey: { code: 1008, reason: 'API key not valid. Please pass a valid API key.' },
} as const;

export type ClientMessage = Record<string, unknown>;

/** Audio tokens per second as Google bills them for the Live API. */
const AUDIO_TOKENS_PER_SECOND = 25;

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${(++counter).toString(36)}`;

export class FakeGeminiConnection extends EventEmitter {
  readonly received: ClientMessage[] = [];
  setup: Record<string, unknown> | undefined;
  /** The handle this connection resumed, if it did. */
  resumedFrom: string | undefined;
  /** Caller audio (16 kHz PCM16) received. */
  readonly callerAudio: Buffer[] = [];
  /** Turns appended by `clientContent`, as sent. */
  readonly history: { role: string; text: string }[] = [];
  readonly replies: GeminiScriptedReply[] = [];
  defaultReply: GeminiScriptedReply = { text: 'Of course, I can help with that.', audioMs: 400 };
  chunkMs = 100;
  /** Send a `sessionResumptionUpdate` after each turn. */
  resumable = true;
  private generating: { cancelled: boolean; toolCallId?: string } | undefined;
  private stalled = false;
  private readonly waitingTools = new Map<string, string>();
  private setupDone = false;
  /** The latest function response, for scripted args that refer to it ({{result.path}}). */
  private lastToolResponse: unknown;

  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage,
    private readonly server: FakeGeminiLiveServer,
  ) {
    super();
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('close', () => this.emit('closed'));
  }

  get apiKey(): string | null {
    return new URL(this.request.url ?? '/', 'http://fake').searchParams.get('key');
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** The model is speaking (a barge-in now would interrupt it). */
  get isGenerating(): boolean {
    return this.generating !== undefined && !this.generating.cancelled;
  }

  send(message: Record<string, unknown>, binary = false): void {
    if (!this.isOpen || this.stalled) return;
    const json = JSON.stringify(message);
    // The service may send its JSON in binary frames.
    this.socket.send(binary ? Buffer.from(json, 'utf8') : json);
  }

  end(code: number, reason: string): void {
    if (this.isOpen) this.socket.close(code, reason);
  }

  /**
   * The connection goes silent without closing, like a half-open TCP connection: nothing more is
   * read (so pings go unanswered) and nothing is sent.
   */
  stall(): void {
    this.stalled = true;
    (this.socket as unknown as { _socket?: { pause(): void } })._socket?.pause();
  }

  /** The connection dies without a close handshake. */
  drop(): void {
    this.socket.terminate();
  }

  async waitFor(predicate: (m: ClientMessage) => boolean, timeoutMs = 5_000): Promise<ClientMessage> {
    const found = this.received.find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('message', listener);
        reject(new Error(`fake gemini: no such client message within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: ClientMessage) => {
        if (!predicate(m)) return;
        clearTimeout(timer);
        this.off('message', listener);
        resolve(m);
      };
      this.on('message', listener);
    });
  }

  /** All caller audio as samples (16 kHz). */
  callerSamples(): Int16Array {
    const all = Buffer.concat(this.callerAudio);
    const samples = new Int16Array(all.length >> 1);
    for (let i = 0; i < samples.length; i += 1) samples[i] = all.readInt16LE(i * 2);
    return samples;
  }

  /** The caller said something: transcribed in pieces, then (automatic activity detection) answered. */
  async callerTurn(options: { transcript?: string; respond?: boolean } = {}): Promise<void> {
    for (const piece of (options.transcript ?? '').split(/(?<= )/)) {
      if (piece) this.send({ serverContent: { inputTranscription: { text: piece } } });
    }
    if (options.respond !== false) await this.respond(this.replies.shift() ?? this.defaultReply);
  }

  /** The caller spoke over the model: generation stops with `interrupted`; a pending tool call is cancelled. */
  bargeIn(): void {
    const active = this.generating;
    if (active) active.cancelled = true;
    this.send({ serverContent: { interrupted: true } });
    if (this.waitingTools.size > 0) {
      this.send({ toolCallCancellation: { ids: [...this.waitingTools.keys()] } });
      this.waitingTools.clear();
    }
  }

  /** The server will end the connection in `timeLeftMs`. */
  goAway(timeLeftMs: number, thenClose = true): void {
    this.send({ goAway: { timeLeft: `${timeLeftMs / 1000}s` } });
    if (thenClose) setTimeout(() => this.end(1000, 'connection time limit reached'), timeLeftMs).unref();
  }

  async respond(reply: GeminiScriptedReply): Promise<void> {
    const active: { cancelled: boolean; toolCallId?: string } = { cancelled: false };
    this.generating = active;
    let audioMs = 0;
    if (reply.text !== undefined || reply.audioMs !== undefined || reply.audio !== undefined) {
      audioMs = reply.audio ? reply.audio.length / 48 : (reply.audioMs ?? 400);
      const audio = reply.audio ?? pcm16Tone(reply.toneHz ?? 440, audioMs, 24_000);
      const chunkBytes = this.chunkMs * 48;
      const words = (reply.text ?? '').split(/(?<= )/);
      const chunks = Math.ceil(audio.length / chunkBytes);
      for (let i = 0; i < chunks; i += 1) {
        if (active.cancelled || !this.isOpen) return;
        const data = audio.subarray(i * chunkBytes, (i + 1) * chunkBytes).toString('base64');
        this.send({ serverContent: { modelTurn: { parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data } }] } } }, i % 2 === 1);
        const piece = words.slice(Math.floor((i * words.length) / chunks), Math.floor(((i + 1) * words.length) / chunks)).join('');
        if (piece) this.send({ serverContent: { outputTranscription: { text: piece } } });
        await new Promise((resolve) => (reply.chunkIntervalMs ? setTimeout(resolve, reply.chunkIntervalMs) : setImmediate(resolve)));
      }
    }
    if (active.cancelled || !this.isOpen) return;
    if (reply.toolCall) {
      const id = nextId('fc');
      active.toolCallId = id;
      this.waitingTools.set(id, reply.toolCall.name);
      const args = resolveTemplates(reply.toolCall.args, this.lastToolResponse);
      this.send({ toolCall: { functionCalls: [{ id, name: reply.toolCall.name, args }] } });
      this.send({ usageMetadata: this.usage(0) });
      return;
    }
    if (reply.text) this.history.push({ role: 'model', text: reply.text });
    this.send({ serverContent: { generationComplete: true } });
    this.send({ serverContent: { turnComplete: true }, usageMetadata: this.usage(audioMs) });
    if (this.generating === active) this.generating = undefined;
    if (this.resumable) this.send({ sessionResumptionUpdate: { newHandle: this.server.saveSession(this), resumable: true } });
  }

  private usage(audioMs: number): Record<string, unknown> {
    const promptText = 900 + 40 * this.history.length;
    const promptAudio = Math.round((Buffer.concat(this.callerAudio).length / 32_000) * AUDIO_TOKENS_PER_SECOND);
    const responseAudio = Math.round((audioMs / 1000) * AUDIO_TOKENS_PER_SECOND);
    return {
      promptTokenCount: promptText + promptAudio,
      responseTokenCount: responseAudio,
      totalTokenCount: promptText + promptAudio + responseAudio,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: promptText },
        { modality: 'AUDIO', tokenCount: promptAudio },
      ],
      responseTokensDetails: [{ modality: 'AUDIO', tokenCount: responseAudio }],
    };
  }

  private onMessage(raw: string): void {
    let message: ClientMessage;
    try {
      message = JSON.parse(raw) as ClientMessage;
    } catch {
      this.end(1007, 'Invalid JSON payload received.');
      return;
    }
    this.received.push(message);
    if (!this.setupDone) this.onSetup(message);
    else this.onLiveMessage(message);
    this.emit('message', message);
  }

  private onSetup(message: ClientMessage): void {
    const setup = message.setup as Record<string, unknown> | undefined;
    if (!setup || typeof setup.model !== 'string' || !setup.model.startsWith('models/')) {
      this.end(1007, 'Request contains an invalid argument.');
      return;
    }
    const refusal = this.server.refusal();
    if (refusal) {
      this.end(refusal.code, refusal.reason);
      return;
    }
    if (this.server.apiKey !== undefined && this.apiKey !== this.server.apiKey) {
      this.end(REFUSALS.badKey.code, REFUSALS.badKey.reason);
      return;
    }
    const handle = (setup.sessionResumption as { handle?: string } | undefined)?.handle;
    if (handle !== undefined) {
      const saved = this.server.sessions.get(handle);
      if (!saved) {
        this.end(1007, 'Session resumption handle is invalid or expired.');
        return;
      }
      this.history.push(...saved);
      this.resumedFrom = handle;
    }
    this.setup = setup;
    this.setupDone = true;
    this.send({ setupComplete: {} });
  }

  private onLiveMessage(message: ClientMessage): void {
    const keys = Object.keys(message);
    if (keys.length !== 1 || !['realtimeInput', 'clientContent', 'toolResponse'].includes(keys[0]!)) {
      this.end(1007, 'Request contains an invalid argument.');
      return;
    }
    if (message.realtimeInput) {
      const audio = (message.realtimeInput as { audio?: { mimeType?: string; data?: string } }).audio;
      if (audio && (audio.mimeType !== 'audio/pcm;rate=16000' || typeof audio.data !== 'string')) {
        this.end(1007, 'Unsupported audio mime type.');
        return;
      }
      if (audio?.data) this.callerAudio.push(Buffer.from(audio.data, 'base64'));
      return;
    }
    if (message.clientContent) {
      const content = message.clientContent as { turns?: { role: string; parts: { text?: string }[] }[]; turnComplete?: boolean };
      for (const turn of content.turns ?? []) this.history.push({ role: turn.role, text: turn.parts.map((p) => p.text ?? '').join('') });
      // "A message here will interrupt any current model generation."
      if (this.generating) this.generating.cancelled = true;
      if (content.turnComplete) void this.respond(this.replies.shift() ?? this.defaultReply);
      return;
    }
    const responses = (message.toolResponse as { functionResponses?: { id?: string; name?: string; response?: unknown }[] }).functionResponses ?? [];
    for (const response of responses) {
      if (!response.id || this.waitingTools.get(response.id) !== response.name || typeof response.response !== 'object') {
        this.end(1007, 'Function response does not match a pending function call.');
        return;
      }
      this.waitingTools.delete(response.id);
      this.lastToolResponse = response.response;
      this.history.push({ role: 'user', text: JSON.stringify(response.response) });
    }
    if (this.waitingTools.size === 0) void this.respond(this.replies.shift() ?? this.defaultReply);
  }
}

export class FakeGeminiLiveServer {
  readonly connections: FakeGeminiConnection[] = [];
  /** Resumable sessions by handle: the conversation so far. */
  readonly sessions = new Map<string, { role: string; text: string }[]>();
  private readonly events = new EventEmitter();
  configure: (connection: FakeGeminiConnection) => void = () => {};
  /** Set: only this `?key=` is accepted. */
  apiKey: string | undefined;
  /** The next `count` sessions are refused after their setup (Google closes with a code and reason). */
  refuseSessions: { count: number; code: number; reason: string } | undefined;
  /** This many next handshakes are refused with HTTP 503. */
  refuseConnections = 0;
  refused = 0;

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket, request) => {
      const connection = new FakeGeminiConnection(socket, request, this);
      this.configure(connection);
      this.connections.push(connection);
      this.events.emit('connection', connection);
    });
  }

  static async start(): Promise<FakeGeminiLiveServer> {
    const holder: { fake?: FakeGeminiLiveServer } = {};
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: GEMINI_LIVE_PATH,
      verifyClient: (_info, done) => {
        const fake = holder.fake;
        if (fake && fake.refuseConnections > 0) {
          fake.refuseConnections -= 1;
          fake.refused += 1;
          done(false, 503, 'Service Unavailable');
        } else done(true);
      },
    });
    await once(server, 'listening');
    holder.fake = new FakeGeminiLiveServer(server);
    return holder.fake;
  }

  get url(): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `ws://127.0.0.1:${port}${GEMINI_LIVE_PATH}`;
  }

  refusal(): { code: number; reason: string } | undefined {
    const refuse = this.refuseSessions;
    if (!refuse || refuse.count <= 0) return undefined;
    refuse.count -= 1;
    this.refused += 1;
    return refuse;
  }

  saveSession(connection: FakeGeminiConnection): string {
    const handle = nextId('handle');
    this.sessions.set(handle, [...connection.history]);
    return handle;
  }

  async connection(index = 0, timeoutMs = 5_000): Promise<FakeGeminiConnection> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connections[index]) {
      if (Date.now() > deadline) throw new Error(`fake gemini: no connection #${index}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.connections[index];
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
