/**
 * A wire-level stand-in for the OpenAI Realtime API (GA protocol) on a local `ws` server. It
 * accepts `session.update`, collects the caller audio it is sent, and answers `response.create`
 * with scripted replies: audio (a tone) in deltas, the transcript, tool calls, and usage. Tests
 * drive turn detection on cue (speech started/stopped, committed turns, transcripts) and can drop
 * or stall the connection. A response can end as the API's do when things go wrong: `failed` with
 * `status_details.error {type, code, message}`, `incomplete` with a reason, or `cancelled` (a
 * barge-in cancels the response under way, tool calls included, like server VAD does; so does
 * `response.cancel`, answered with `response_cancel_not_active` when nothing is under way). Every
 * `response.create` is kept with its instructions (`responseCreates`); metadata is echoed on the
 * response, and an out-of-band response has `conversation_id: null`. Audio is in the format the session asked for: PCM16 24 kHz, or μ-law
 * 8 kHz for `audio/pcmu` (scripted replies are written as PCM16 24 kHz and converted).
 */
import { EventEmitter, once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { ModelAudioTranscoder } from '../../src/audio/telephony-transcoder.js';

export interface ScriptedReply {
  /** What the assistant says (the transcript). */
  text?: string;
  /** Length of the reply audio. */
  audioMs?: number;
  toneHz?: number;
  /** Reply audio as PCM16 24 kHz (instead of a tone); sent as μ-law 8 kHz in a pcmu session. */
  audio?: Buffer;
  /** A function call instead of (or after) speech. */
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** How the response ends (default completed), after whatever it said and called. */
  outcome?: ScriptedOutcome;
  /** Milliseconds between the last output (speech or arguments) and response.done: room for a barge-in. */
  doneAfterMs?: number;
}

export interface ScriptedFailure {
  type: string;
  code: string;
  message: string;
}

export type ScriptedOutcome =
  | { status: 'failed'; error: ScriptedFailure }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { status: 'cancelled'; reason: 'turn_detected' | 'client_cancelled' };

/** Failures as OpenAI sends them in `response.done` (status_details.error). */
export const FAILURES = {
  serverError: { type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' },
  rateLimited: {
    type: 'tokens',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for gpt-realtime in organization org-fake on tokens per min (TPM): Limit 40000, Used 40000, Requested 800. Please try again in 200ms.',
  },
  insufficientQuota: {
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    message: 'You exceeded your current quota, please check your plan and billing details.',
  },
} satisfies Record<string, ScriptedFailure>;

/** What a `response.create` asked for. */
export interface ResponseCreate {
  /** The response's own instructions (they replace the session's for that response), if any. */
  instructions: string | undefined;
  outOfBand: boolean;
  metadata: Record<string, string> | undefined;
}

export type ClientEvent = { type: string } & Record<string, unknown>;

let idCounter = 0;
const nextId = (prefix: string) => `${prefix}_${(++idCounter).toString(36).padStart(6, '0')}`;

export function pcm16Tone(hz: number, ms: number, sampleRate = 24_000, amplitude = 8_000): Buffer {
  const samples = Math.round((sampleRate * ms) / 1000);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) out.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate)), i * 2);
  return out;
}

export const REPLY_USAGE = {
  total_tokens: 1_350,
  input_tokens: 1_200,
  output_tokens: 150,
  input_token_details: {
    text_tokens: 1_000,
    audio_tokens: 200,
    cached_tokens: 800,
    cached_tokens_details: { text_tokens: 700, audio_tokens: 100 },
  },
  output_token_details: { text_tokens: 30, audio_tokens: 120 },
};

/** What transcribing one caller turn used (gpt-4o-mini-transcribe bills tokens). */
export const TRANSCRIPTION_USAGE = {
  type: 'tokens',
  input_tokens: 52,
  output_tokens: 14,
  total_tokens: 66,
  input_token_details: { audio_tokens: 48, text_tokens: 4 },
};

interface ActiveResponse {
  id: string;
  itemId: string | undefined;
  cancelled: boolean;
  toolCall: { callId: string; argumentsDoneAt: number } | undefined;
  request: Record<string, unknown>;
}

export class FakeRealtimeConnection extends EventEmitter {
  readonly received: ClientEvent[] = [];
  readonly callerAudio: Buffer[] = [];
  session: Record<string, unknown> | undefined;
  /** Replies used, in order, for each response.create; when empty, `defaultReply`. */
  readonly replies: ScriptedReply[] = [];
  defaultReply: ScriptedReply = { text: 'Of course, I can help with that.', audioMs: 400 };
  /** Milliseconds between audio deltas (0: as fast as possible, like the real API). */
  deltaIntervalMs = 0;
  deltaMs = 100;
  /** Answer session.update with an error, as the API does for a field it refuses. */
  refuseSession = false;
  /** Send one more audio delta after an interruption, as a late packet would. */
  lateAudioAfterInterrupt = false;
  /** The latest tool result we were sent, for replies whose arguments refer to it ({{result.path}}). */
  lastToolOutput: unknown;
  /** The next `count` responses (Infinity: all) fail with `error`, without using up the scripted replies. */
  failResponses: { count: number; error: ScriptedFailure } | undefined;
  /** Every response.create received, in order. */
  readonly responseCreates: ResponseCreate[] = [];
  /** Responses sent, with when their tool call's arguments and their response.done went out (ms, performance.now). */
  readonly responsesSent: { id: string; status: string; callId?: string; argumentsDoneAt?: number; doneAt: number }[] = [];
  /** Items whose whole transcript (response.output_audio_transcript.done) has been sent, in order. */
  readonly transcriptsSent: string[] = [];
  private stalled = false;
  private activeResponse: ActiveResponse | undefined;
  private lastItemId: string | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage,
  ) {
    super();
    socket.on('message', (data) => this.onClientEvent(JSON.parse(data.toString()) as ClientEvent));
    socket.on('close', () => this.emit('closed'));
  }

  get authorization(): string | undefined {
    return this.request.headers.authorization;
  }

  /** The session's input audio: μ-law 8 kHz if session.update asked for audio/pcmu, else PCM16 24 kHz. */
  get inputFormat(): 'pcm16' | 'pcmu' {
    return this.formatOf('input');
  }

  get outputFormat(): 'pcm16' | 'pcmu' {
    return this.formatOf('output');
  }

  private formatOf(direction: 'input' | 'output'): 'pcm16' | 'pcmu' {
    const audio = this.session?.audio as Record<string, { format?: { type?: string } } | undefined> | undefined;
    return audio?.[direction]?.format?.type === 'audio/pcmu' ? 'pcmu' : 'pcm16';
  }

  /** One chunk of caller audio as samples, at the session's input rate. */
  inputSamples(chunk: Buffer): { samples: Int16Array; sampleRate: number } {
    if (this.inputFormat === 'pcmu') return { samples: decodeMulaw(chunk), sampleRate: 8_000 };
    const samples = new Int16Array(chunk.length >> 1);
    for (let i = 0; i < samples.length; i += 1) samples[i] = chunk.readInt16LE(i * 2);
    return { samples, sampleRate: 24_000 };
  }

  /** Reply audio (PCM16 24 kHz) in the session's output format. */
  private outputAudio(pcm24k: Buffer): Buffer {
    return this.outputFormat === 'pcmu' ? new ModelAudioTranscoder().toCaller(pcm24k) : pcm24k;
  }

  send(event: Record<string, unknown>): void {
    if (this.stalled) return;
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify({ event_id: nextId('event'), ...event }));
  }

  /** Waits for a client event of this type (already received or future). */
  async waitFor(type: string, predicate: (e: ClientEvent) => boolean = () => true, timeoutMs = 5_000): Promise<ClientEvent> {
    const found = this.received.find((e) => e.type === type && predicate(e));
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('client-event', listener);
        reject(new Error(`fake realtime: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (e: ClientEvent) => {
        if (e.type === type && predicate(e)) {
          clearTimeout(timer);
          this.off('client-event', listener);
          resolve(e);
        }
      };
      this.on('client-event', listener);
    });
  }

  /** All caller audio received so far, as samples at the session's input rate (24 kHz, or 8 kHz for pcmu). */
  callerSamples(): Int16Array {
    return this.inputSamples(Buffer.concat(this.callerAudio)).samples;
  }

  /** Server VAD heard the caller start talking; interrupts the active response like the real API. */
  speechStarted(audioStartMs = 0): string {
    const itemId = nextId('item');
    this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: audioStartMs, item_id: itemId });
    const active = this.activeResponse;
    if (active && !active.cancelled) {
      active.cancelled = true;
      if (this.lateAudioAfterInterrupt && active.itemId !== undefined) {
        this.send({
          type: 'response.output_audio.delta',
          response_id: active.id,
          item_id: active.itemId,
          output_index: 0,
          content_index: 0,
          delta: this.outputAudio(pcm16Tone(440, 100)).toString('base64'),
        });
      }
      this.sendDone(active.id, { status: 'cancelled', reason: 'turn_detected' }, active.request, active.toolCall);
      this.activeResponse = undefined;
    }
    return itemId;
  }

  /** The caller stopped; the turn is committed and (like server VAD with create_response) answered. */
  async callerTurn(options: { transcript?: string; transcriptDelayMs?: number; itemId?: string; respond?: boolean } = {}): Promise<string> {
    const itemId = options.itemId ?? nextId('item');
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 1000, item_id: itemId });
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: this.lastItemId });
    this.lastItemId = itemId;
    const sendTranscript = () => {
      if (options.transcript !== undefined)
        this.send({
          type: 'conversation.item.input_audio_transcription.completed',
          item_id: itemId,
          content_index: 0,
          transcript: options.transcript,
          usage: TRANSCRIPTION_USAGE,
        });
    };
    if (options.transcriptDelayMs) setTimeout(sendTranscript, options.transcriptDelayMs);
    else sendTranscript();
    if (options.respond !== false) void this.respondNext();
    return itemId;
  }

  /** Answers with the next scripted reply, or fails as `failResponses` says (keeping the reply for the retry). */
  private async respondNext(request: Record<string, unknown> = {}): Promise<void> {
    const failing = this.failResponses;
    if (failing && failing.count > 0) {
      failing.count -= 1;
      const responseId = nextId('resp');
      this.send({ type: 'response.created', response: this.responseObject(responseId, request, 'in_progress') });
      this.sendDone(responseId, { status: 'failed', error: failing.error }, request);
      return;
    }
    return this.respond(this.replies.shift() ?? this.defaultReply, request);
  }

  private responseObject(id: string, request: Record<string, unknown>, status: string): Record<string, unknown> {
    return {
      id,
      object: 'realtime.response',
      status,
      conversation_id: request.conversation === 'none' ? null : 'conv_fake',
      metadata: request.metadata ?? null,
    };
  }

  private sendDone(
    responseId: string,
    outcome: ScriptedOutcome | undefined,
    request: Record<string, unknown> | undefined,
    toolCall?: { callId: string; argumentsDoneAt: number },
  ): void {
    const status = outcome?.status ?? 'completed';
    const statusDetails =
      outcome === undefined
        ? null
        : outcome.status === 'failed'
          ? { type: 'failed', error: outcome.error }
          : { type: outcome.status, reason: outcome.reason };
    this.send({
      type: 'response.done',
      response: { ...this.responseObject(responseId, request ?? {}, status), status_details: statusDetails, usage: REPLY_USAGE },
    });
    this.responsesSent.push({ id: responseId, status, ...toolCall, doneAt: performance.now() });
  }

  /** Sends a whole response: items, audio deltas, transcript, tool call, response.done (as its outcome says). */
  async respond(scripted: ScriptedReply, request: Record<string, unknown> = {}): Promise<void> {
    const reply = scripted.toolCall
      ? { ...scripted, toolCall: { ...scripted.toolCall, arguments: resolveTemplates(scripted.toolCall.arguments, this.lastToolOutput) } }
      : scripted;
    const responseId = nextId('resp');
    const active: ActiveResponse = { id: responseId, itemId: undefined, cancelled: false, toolCall: undefined, request };
    this.activeResponse = active;
    this.send({ type: 'response.created', response: this.responseObject(responseId, request, 'in_progress') });
    const speaks = reply.text !== undefined || reply.audio !== undefined || reply.audioMs !== undefined;
    let outputIndex = 0;
    if (speaks) {
      const itemId = nextId('item');
      active.itemId = itemId;
      this.send({
        type: 'response.output_item.added',
        response_id: responseId,
        output_index: outputIndex,
        item: { id: itemId, type: 'message', role: 'assistant', object: 'realtime.item' },
      });
      if (request.conversation !== 'none') this.lastItemId = itemId;
      const audio = this.outputAudio(reply.audio ?? pcm16Tone(reply.toneHz ?? 440, reply.audioMs ?? 400));
      const chunkBytes = Math.round(this.deltaMs * (this.outputFormat === 'pcmu' ? 8 : 48));
      for (let offset = 0; offset < audio.length; offset += chunkBytes) {
        if (active.cancelled || this.socket.readyState !== this.socket.OPEN) return;
        this.send({
          type: 'response.output_audio.delta',
          response_id: responseId,
          item_id: itemId,
          output_index: outputIndex,
          content_index: 0,
          delta: audio.subarray(offset, offset + chunkBytes).toString('base64'),
        });
        await new Promise((resolve) => (this.deltaIntervalMs > 0 ? setTimeout(resolve, this.deltaIntervalMs) : setImmediate(resolve)));
      }
      if (active.cancelled) return;
      this.send({ type: 'response.output_audio.done', response_id: responseId, item_id: itemId, output_index: outputIndex, content_index: 0 });
      this.send({
        type: 'response.output_audio_transcript.done',
        response_id: responseId,
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        transcript: reply.text ?? '',
      });
      this.transcriptsSent.push(itemId);
      outputIndex += 1;
    }
    let toolCall: { callId: string; argumentsDoneAt: number } | undefined;
    if (reply.toolCall) {
      // A function call alone, or after the speech (e.g. a goodbye and then end_call).
      const callItem = nextId('item');
      const callId = nextId('call');
      this.send({
        type: 'response.output_item.added',
        response_id: responseId,
        output_index: outputIndex,
        item: { id: callItem, type: 'function_call', call_id: callId, name: reply.toolCall.name },
      });
      this.send({
        type: 'response.function_call_arguments.done',
        response_id: responseId,
        item_id: callItem,
        output_index: outputIndex,
        call_id: callId,
        name: reply.toolCall.name,
        arguments: JSON.stringify(reply.toolCall.arguments),
      });
      toolCall = { callId, argumentsDoneAt: performance.now() };
      active.toolCall = toolCall;
      this.emit('arguments-done', callId, responseId);
    }
    if (reply.doneAfterMs) await new Promise((resolve) => setTimeout(resolve, reply.doneAfterMs));
    // Cancelled meanwhile: speechStarted has sent the cancelled response.done.
    if (active.cancelled) return;
    if (this.activeResponse === active) this.activeResponse = undefined;
    this.sendDone(responseId, reply.outcome, request, toolCall);
  }

  /** The connection dies without a close handshake. */
  drop(): void {
    this.socket.terminate();
  }

  /**
   * The connection goes silent without closing, like a half-open TCP connection: nothing more is
   * read (so pings go unanswered) and no events are sent.
   */
  stall(): void {
    this.stalled = true;
    (this.socket as unknown as { _socket?: { pause(): void } })._socket?.pause();
  }

  private onClientEvent(event: ClientEvent): void {
    this.received.push(event);
    switch (event.type) {
      case 'session.update':
        // Like the API, an update changes the fields it names and keeps the rest.
        this.session = mergeSession(this.session ?? {}, event.session as Record<string, unknown>);
        if (this.refuseSession)
          this.send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Invalid value for language' } });
        else this.send({ type: 'session.updated', session: this.session });
        break;
      case 'input_audio_buffer.append':
        this.callerAudio.push(Buffer.from(String(event.audio), 'base64'));
        break;
      case 'response.create': {
        const request = (event.response ?? {}) as Record<string, unknown>;
        this.responseCreates.push({
          instructions: typeof request.instructions === 'string' ? request.instructions : undefined,
          outOfBand: request.conversation === 'none',
          metadata: request.metadata as Record<string, string> | undefined,
        });
        void this.respondNext(request);
        break;
      }
      case 'conversation.item.create': {
        const item = event.item as { type?: string; output?: string } | undefined;
        if (item?.type === 'function_call_output' && item.output) this.lastToolOutput = JSON.parse(item.output);
        break;
      }
      case 'response.cancel': {
        // As the API does: the response under way ends cancelled; with none, an error.
        const active = this.activeResponse;
        if (!active || active.cancelled || (event.response_id !== undefined && event.response_id !== active.id)) {
          this.send({
            type: 'error',
            error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', event_id: event.event_id ?? null },
          });
          break;
        }
        active.cancelled = true;
        this.activeResponse = undefined;
        this.sendDone(active.id, { status: 'cancelled', reason: 'client_cancelled' }, active.request, active.toolCall);
        break;
      }
      case 'conversation.item.truncate':
        this.send({
          type: 'conversation.item.truncated',
          item_id: event.item_id,
          content_index: 0,
          audio_end_ms: event.audio_end_ms,
        });
        break;
      default:
        break;
    }
    this.emit('client-event', event);
  }
}

/** Replaces "{{result.a.0.b}}" strings with values from the latest tool result. */
export function resolveTemplates(args: Record<string, unknown>, result: unknown): Record<string, unknown> {
  const lookup = (path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), result);
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => {
      const match = typeof value === 'string' ? /^\{\{result\.(.+)\}\}$/.exec(value) : null;
      return [key, match ? lookup(match[1]!) : value];
    }),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A session with an update's fields applied; objects merge, everything else (arrays too) is replaced. */
function mergeSession(current: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const before = merged[key];
    merged[key] = isRecord(before) && isRecord(value) && key !== 'transcription' ? mergeSession(before, value) : value;
  }
  return merged;
}

export class FakeRealtimeServer {
  readonly connections: FakeRealtimeConnection[] = [];
  private readonly events = new EventEmitter();
  /** Applied to each new connection before any event is handled. */
  configure: (connection: FakeRealtimeConnection) => void = () => {};
  /** This many next connection attempts are refused at the handshake (HTTP 503), as in an outage. */
  refuseConnections = 0;
  refused = 0;

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket, request) => {
      const connection = new FakeRealtimeConnection(socket, request);
      this.configure(connection);
      this.connections.push(connection);
      connection.send({ type: 'session.created', session: { type: 'realtime' } });
      this.events.emit('connection', connection);
    });
  }

  static async start(): Promise<FakeRealtimeServer> {
    const holder: { fake?: FakeRealtimeServer } = {};
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: '/v1/realtime',
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
    holder.fake = new FakeRealtimeServer(server);
    return holder.fake;
  }

  get url(): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `ws://127.0.0.1:${port}/v1/realtime`;
  }

  async nextConnection(timeoutMs = 5_000): Promise<FakeRealtimeConnection> {
    const [connection] = (await Promise.race([
      once(this.events, 'connection'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('fake realtime: no connection')), timeoutMs)),
    ])) as [FakeRealtimeConnection];
    return connection;
  }

  /** The connection for the n-th call (0-based), waiting for it if needed. */
  async connection(index = 0, timeoutMs = 5_000): Promise<FakeRealtimeConnection> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connections[index]) {
      if (Date.now() > deadline) throw new Error(`fake realtime: no connection #${index}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.connections[index];
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
