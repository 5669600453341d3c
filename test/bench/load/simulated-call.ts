/**
 * One simulated phone call, both ends in the load generator's process on one clock:
 *  - the caller side is the shared fake Twilio caller (`FakeTwilioCall` in 'load' mode: 20 ms
 *    μ-law frames, the service's audio played from a buffer at 8 bytes per ms, marks echoed when
 *    the audio before them has played, `clear` drops the buffer and echoes outstanding marks);
 *    this class adds what the bench measures on it: frame send times, downlink delay, barge-in;
 *  - the model side behaves like the OpenAI Realtime API (GA events): it takes the session, answers
 *    the greeting, paces reply audio in real time, commits caller turns with transcripts, and
 *    barges in with `speech_started` in the middle of some replies.
 * Nothing here runs on its own timer: the generator's clock calls `tick` for every call, and the
 * hot messages (caller frames, appends, media) are written and read without JSON where their
 * fixed shape allows, so the generator stays cheap next to the service it measures.
 */
import WebSocket from 'ws';
import { base64FieldBytes, FakeTwilioCall, rawDataBuffer } from '../../doubles/fake-twilio.js';
import { CALLER_FRAME_MS, MULAW_BYTES_PER_MS, type ModelAudioChunks } from './audio-payloads.js';
import type { LoadMetrics } from './load-metrics.js';

/** Send times kept per call, in frames (82 s): a frame later than that counts as lost. */
const SENT_RING = 4096;
const FRAME_MULAW_BYTES = CALLER_FRAME_MS * MULAW_BYTES_PER_MS;
const APPEND_PREFIX = Buffer.from('{"type":"input_audio_buffer.append","audio":"');
const QUOTE = 0x22;
const REPLY_USAGE =
  '{"total_tokens":1350,"input_tokens":1200,"output_tokens":150,"input_token_details":{"text_tokens":1000,"audio_tokens":200,"cached_tokens":800,"cached_tokens_details":{"text_tokens":700,"audio_tokens":100}},"output_token_details":{"text_tokens":30,"audio_tokens":120}}';

export interface CallScript {
  greetingMs: number;
  /** Reply length range; rounded down to whole deltas. */
  replyMs: readonly [number, number];
  /** How long the caller talks before turn detection commits the turn. */
  callerTurnMs: readonly [number, number];
  /** Silence after a reply has played, before the caller talks. */
  pauseMs: readonly [number, number];
  /** Every n-th reply is interrupted by the caller. */
  bargeInEvery: number;
  /** How far into an interrupted reply the caller starts talking. */
  bargeInAfterMs: readonly [number, number];
}

export const DEFAULT_SCRIPT: CallScript = {
  greetingMs: 3_000,
  replyMs: [2_000, 5_000],
  callerTurnMs: [1_000, 2_000],
  pauseMs: [500, 1_500],
  bargeInEvery: 3,
  bargeInAfterMs: [600, 1_800],
};

/** The service under load, as Twilio reaches it. */
export interface LoadTarget {
  /** Where the service listens: http://127.0.0.1:port */
  baseUrl: string;
  /** Its PUBLIC_BASE_URL, which Twilio signs. */
  publicBaseUrl: string;
  authToken: string;
  /** The spa's number the calls dial. */
  to: string;
}

export interface CallEnvironment {
  target: LoadTarget;
  metrics: LoadMetrics;
  callerPayloads: readonly string[];
  modelAudio: ModelAudioChunks;
  script: CallScript;
  random: () => number;
}

type ModelPhase = 'connecting' | 'replying' | 'draining' | 'pause' | 'caller-speaking' | 'stopped';

let idCounter = 0;
const nextId = (prefix: string) => `${prefix}_${(++idCounter).toString(36)}`;

export class SimulatedCall extends FakeTwilioCall {
  modelSocket: WebSocket | undefined;
  /** Set by the realtime server when the service opens this call's model session. */
  modelBound: () => void = () => {};
  hungUp = false;
  failed = false;

  // --- caller (Twilio) side
  private live = false;
  private nextFrameAt = 0;
  private readonly sentAt = new Float64Array(SENT_RING);

  // --- model (OpenAI) side
  private phase: ModelPhase = 'connecting';
  private bytesPerCallerFrame = 960;
  /** The session has said its audio formats (its first session.update must). */
  private formatsSeen = false;
  private appendedBytes = 0;
  private framesCovered = 0;
  private nextActionAt = 0;
  private replies = 0;
  private deltaIndex = 0;
  private reply: { responseId: string; itemId: string; deltas: number; sent: number; startAt: number; bargeInAt: number } | undefined;
  /** Where the current item starts in the caller's received and played streams. */
  private itemReceivedBase = 0;
  private itemPlayStart = 0;
  private itemExpectedBytes = 0;
  private readonly pendingExpected: number[] = [];
  private readonly pendingSentAt: number[] = [];
  private pendingHead = 0;
  private bargeIn: { sentAt: number; itemId: string; heardMs: number | undefined; truncateMs: number | undefined } | undefined;

  constructor(
    private readonly env: CallEnvironment,
    index: number,
  ) {
    const { baseUrl, publicBaseUrl, authToken, to } = env.target;
    super({ baseUrl, publicBaseUrl, authToken, to, from: `+1202555${String(1000 + (index % 9000)).padStart(4, '0')}`, mode: 'load' });
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Every caller frame sent so far has reached the model. */
  get uplinkSettled(): boolean {
    return this.framesCovered >= this.framesSent;
  }

  // --- the generator's clock -----------------------------------------------------------------

  tick(now: number): void {
    if (this.live) {
      while (this.nextFrameAt <= now) {
        this.sendCallerFrame(now, this.nextFrameAt);
        this.nextFrameAt += CALLER_FRAME_MS;
      }
    }
    this.play(now);
    switch (this.phase) {
      case 'replying':
        this.continueReply(now);
        return;
      case 'draining':
        // Only once the caller has all of the reply and has played it: audio the service lost
        // keeps this call waiting, and the final accounting counts it.
        if (this.idle && this.playback.receivedBytes - this.itemReceivedBase >= this.itemExpectedBytes) {
          this.phase = 'pause';
          this.nextActionAt = now + this.between(this.env.script.pauseMs);
        }
        return;
      case 'pause':
        if (now >= this.nextActionAt) {
          this.sendModel(`{"type":"input_audio_buffer.speech_started","event_id":"${nextId('ev')}","audio_start_ms":0,"item_id":"${nextId('item')}"}`);
          this.phase = 'caller-speaking';
          this.nextActionAt = now + this.between(this.env.script.callerTurnMs);
        }
        return;
      case 'caller-speaking':
        if (now >= this.nextActionAt) this.commitCallerTurn(now);
        return;
      default:
        return;
    }
  }

  // --- caller side: what the bench measures on the shared fake Twilio caller --------------------

  private sendCallerFrame(now: number, scheduledAt: number): void {
    const k = this.framesSent;
    const payloads = this.env.callerPayloads;
    this.sendMedia(payloads[k % payloads.length]!);
    this.sentAt[k % SENT_RING] = now;
    this.env.metrics.framesSent += 1;
    if (this.env.metrics.measuring) this.env.metrics.pacingLateness.record(now - scheduledAt);
  }

  protected override afterMedia(_bytes: number, now: number): void {
    const held = this.playback.receivedBytes - this.itemReceivedBase;
    const measuring = this.env.metrics.measuring;
    while (this.pendingHead < this.pendingExpected.length && this.pendingExpected[this.pendingHead]! <= held) {
      if (measuring) this.env.metrics.recordDownlink(now, now - this.pendingSentAt[this.pendingHead]!);
      this.pendingHead += 1;
    }
  }

  /** The buffer was cleared (and played up to `now`): a barge-in's clear, or one nobody asked for. */
  protected override afterClear(now: number): void {
    const bargeIn = this.bargeIn;
    if (bargeIn && bargeIn.heardMs === undefined) {
      if (this.env.metrics.measuring) this.env.metrics.bargeIn.record(now - bargeIn.sentAt);
      bargeIn.heardMs = Math.max(0, this.playback.playedBytes - this.itemPlayStart) / MULAW_BYTES_PER_MS;
      this.checkTruncate();
    } else {
      this.env.metrics.unexpectedClears += 1;
    }
  }

  protected override afterClose(): void {
    if (!this.hungUp) this.fail('the service closed the media stream');
  }

  // --- model side ------------------------------------------------------------------------------

  attachModel(socket: WebSocket): void {
    this.modelSocket = socket;
    socket.on('message', (data) => this.onModelMessage(rawDataBuffer(data), performance.now()));
    socket.on('close', () => {
      if (!this.hungUp) this.fail('the service closed the model session');
    });
    this.sendModel(`{"type":"session.created","event_id":"${nextId('ev')}","session":{"type":"realtime"}}`);
    this.modelBound();
  }

  private sendModel(text: string): void {
    const socket = this.modelSocket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
  }

  private onModelMessage(data: Buffer, now: number): void {
    if (data.length > APPEND_PREFIX.length && data.compare(APPEND_PREFIX, 0, APPEND_PREFIX.length, 0, APPEND_PREFIX.length) === 0) {
      const end = data.lastIndexOf(QUOTE);
      if (end >= APPEND_PREFIX.length) {
        this.onAppend(base64FieldBytes(data, APPEND_PREFIX.length, end), now);
        return;
      }
    }
    const event = JSON.parse(data.toString()) as { type?: string; audio?: string; session?: unknown; item_id?: string; audio_end_ms?: number };
    switch (event.type) {
      case 'input_audio_buffer.append':
        this.onAppend(Buffer.from(event.audio ?? '', 'base64').length, now);
        return;
      case 'session.update':
        this.onSessionUpdate(event.session);
        return;
      case 'response.create':
        if (this.phase === 'connecting') {
          // The greeting: the session is wired up, so the caller's audio now reaches the model.
          this.live = true;
          this.nextFrameAt = now;
          this.startReply(now, this.env.script.greetingMs, -1);
        } else this.env.metrics.problem(`unexpected response.create in phase ${this.phase}`);
        return;
      case 'conversation.item.truncate':
        this.onTruncate(String(event.item_id), Number(event.audio_end_ms));
        return;
      default:
        return;
    }
  }

  private onSessionUpdate(session: unknown): void {
    const format = (session as { audio?: { input?: { format?: { type?: string } }; output?: { format?: { type?: string } } } })?.audio;
    // A later update may change only part of the session (the caller's language): its formats stay as they were.
    if (format?.input?.format === undefined && format?.output?.format === undefined && this.formatsSeen) {
      this.sendModel(`{"type":"session.updated","event_id":"${nextId('ev')}","session":${JSON.stringify(session)}}`);
      return;
    }
    const input = format?.input?.format?.type;
    const output = format?.output?.format?.type;
    const expected = this.env.modelAudio.format === 'pcmu' ? 'audio/pcmu' : 'audio/pcm';
    if (input !== expected || output !== expected) {
      this.env.metrics.problem(`session asks for ${input}/${output}, the bench runs ${expected}`);
    }
    // 20 ms of caller audio at the model: 160 μ-law bytes, or 480 PCM16 samples at 24 kHz.
    this.bytesPerCallerFrame = input === 'audio/pcmu' ? FRAME_MULAW_BYTES : 960;
    this.formatsSeen = true;
    this.sendModel(`{"type":"session.updated","event_id":"${nextId('ev')}","session":${JSON.stringify(session)}}`);
  }

  private onAppend(bytes: number, now: number): void {
    this.appendedBytes += bytes;
    const covered = Math.floor(this.appendedBytes / this.bytesPerCallerFrame);
    const measuring = this.env.metrics.measuring;
    for (let k = this.framesCovered; k < covered && k < this.framesSent; k += 1) {
      if (measuring && this.framesSent - k <= SENT_RING) this.env.metrics.recordUplink(now, now - this.sentAt[k % SENT_RING]!);
    }
    this.framesCovered = covered;
  }

  private startReply(now: number, lengthMs: number, bargeInAfterMs: number): void {
    this.closeItem();
    const { deltaMs } = this.env.modelAudio;
    const responseId = nextId('resp');
    const itemId = nextId('item');
    this.sendModel(`{"type":"response.created","event_id":"${nextId('ev')}","response":{"id":"${responseId}","status":"in_progress"}}`);
    this.sendModel(
      `{"type":"response.output_item.added","event_id":"${nextId('ev')}","response_id":"${responseId}","output_index":0,"item":{"id":"${itemId}","type":"message","role":"assistant","object":"realtime.item"}}`,
    );
    this.reply = {
      responseId,
      itemId,
      deltas: Math.max(1, Math.floor(lengthMs / deltaMs)),
      sent: 0,
      startAt: now,
      bargeInAt: bargeInAfterMs < 0 ? -1 : Math.max(1, Math.floor(bargeInAfterMs / deltaMs)),
    };
    this.itemReceivedBase = this.playback.receivedBytes;
    this.itemPlayStart = this.playback.playedBytes + this.playback.queuedBytes;
    this.itemExpectedBytes = 0;
    this.phase = 'replying';
  }

  private continueReply(now: number): void {
    const reply = this.reply!;
    const { deltaMs, payloads } = this.env.modelAudio;
    while (reply.sent < reply.deltas && now >= reply.startAt + reply.sent * deltaMs) {
      if (reply.sent === reply.bargeInAt) {
        this.interrupt(now, reply);
        return;
      }
      this.sendModel(
        `{"type":"response.output_audio.delta","event_id":"${nextId('ev')}","response_id":"${reply.responseId}","item_id":"${reply.itemId}","output_index":0,"content_index":0,"delta":"${payloads[this.deltaIndex++ % payloads.length]}"}`,
      );
      reply.sent += 1;
      this.itemExpectedBytes += deltaMs * MULAW_BYTES_PER_MS;
      this.pendingExpected.push(this.itemExpectedBytes);
      this.pendingSentAt.push(now);
      this.env.metrics.downlinkFramesExpected += deltaMs / CALLER_FRAME_MS;
    }
    if (reply.sent < reply.deltas) return;
    const ids = `"response_id":"${reply.responseId}","item_id":"${reply.itemId}"`;
    this.sendModel(`{"type":"response.output_audio.done","event_id":"${nextId('ev')}",${ids},"output_index":0,"content_index":0}`);
    this.sendModel(
      `{"type":"response.output_audio_transcript.done","event_id":"${nextId('ev')}",${ids},"output_index":0,"content_index":0,"transcript":"Of course. We have openings on Tuesday morning and Thursday afternoon; which suits you better?"}`,
    );
    this.sendModel(`{"type":"response.done","event_id":"${nextId('ev')}","response":{"id":"${reply.responseId}","status":"completed","usage":${REPLY_USAGE}}}`);
    this.phase = 'draining';
  }

  /** The caller talks over the reply: server VAD's speech_started, then the response is cancelled. */
  private interrupt(now: number, reply: NonNullable<SimulatedCall['reply']>): void {
    this.settleBargeIn();
    this.env.metrics.bargeIns += 1;
    this.bargeIn = { sentAt: now, itemId: reply.itemId, heardMs: undefined, truncateMs: undefined };
    this.sendModel(`{"type":"input_audio_buffer.speech_started","event_id":"${nextId('ev')}","audio_start_ms":0,"item_id":"${nextId('item')}"}`);
    this.sendModel(
      `{"type":"response.done","event_id":"${nextId('ev')}","response":{"id":"${reply.responseId}","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"usage":${REPLY_USAGE}}}`,
    );
    this.phase = 'caller-speaking';
    this.nextActionAt = now + this.between(this.env.script.callerTurnMs);
  }

  private commitCallerTurn(now: number): void {
    const itemId = nextId('item');
    this.sendModel(`{"type":"input_audio_buffer.speech_stopped","event_id":"${nextId('ev')}","audio_end_ms":1000,"item_id":"${itemId}"}`);
    this.sendModel(`{"type":"input_audio_buffer.committed","event_id":"${nextId('ev')}","item_id":"${itemId}","previous_item_id":null}`);
    this.sendModel(
      `{"type":"conversation.item.input_audio_transcription.completed","event_id":"${nextId('ev')}","item_id":"${itemId}","content_index":0,"transcript":"I'd like to book a HydraFacial next week, please."}`,
    );
    this.replies += 1;
    const script = this.env.script;
    const interrupted = script.bargeInEvery > 0 && this.replies % script.bargeInEvery === 0;
    this.startReply(now, this.between(script.replyMs), interrupted ? this.between(script.bargeInAfterMs) : -1);
  }

  private onTruncate(itemId: string, audioEndMs: number): void {
    this.env.metrics.truncates += 1;
    const bargeIn = this.bargeIn;
    if (!bargeIn || bargeIn.itemId !== itemId || bargeIn.truncateMs !== undefined) {
      this.env.metrics.unexpectedTruncates += 1;
      return;
    }
    bargeIn.truncateMs = audioEndMs;
    this.checkTruncate();
  }

  private checkTruncate(): void {
    const bargeIn = this.bargeIn;
    if (!bargeIn || bargeIn.heardMs === undefined || bargeIn.truncateMs === undefined) return;
    if (this.env.metrics.measuring) this.env.metrics.truncateError.record(Math.abs(bargeIn.truncateMs - bargeIn.heardMs));
  }

  /** A barge-in whose clear never came is counted when the next one starts, or at the end. */
  private settleBargeIn(): void {
    if (this.bargeIn && this.bargeIn.heardMs === undefined) this.env.metrics.missedClears += 1;
    this.bargeIn = undefined;
  }

  /** Counts the item's reply audio that the caller never received, or received twice. */
  private closeItem(): void {
    const received = this.playback.receivedBytes - this.itemReceivedBase;
    const difference = this.itemExpectedBytes - received;
    if (difference > 0) this.env.metrics.downlinkFramesLost += difference / FRAME_MULAW_BYTES;
    else if (difference < 0) this.env.metrics.downlinkFramesDuplicated += -difference / FRAME_MULAW_BYTES;
    this.itemReceivedBase = this.playback.receivedBytes;
    this.itemExpectedBytes = 0;
    this.pendingExpected.length = 0;
    this.pendingSentAt.length = 0;
    this.pendingHead = 0;
  }

  // --- the end ---------------------------------------------------------------------------------

  /** Stops the caller's frames and the model's script; what is in flight still arrives and counts. */
  stop(): void {
    this.live = false;
    this.phase = 'stopped';
  }

  /** Final accounting once in-flight audio has had time to arrive. */
  account(): void {
    const metrics = this.env.metrics;
    if (this.framesCovered < this.framesSent) metrics.framesLost += this.framesSent - this.framesCovered;
    else metrics.framesDuplicated += this.framesCovered - this.framesSent;
    if (this.appendedBytes % this.bytesPerCallerFrame !== 0) metrics.problem(`uplink ends mid-frame (${this.appendedBytes} bytes)`);
    this.closeItem();
    this.settleBargeIn();
  }

  /** Twilio's `stop`, then the socket closes: the caller hung up. */
  override hangUp(): void {
    this.hungUp = true;
    super.hangUp();
  }

  fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.live = false;
    this.phase = 'stopped';
    this.env.metrics.failedCalls += 1;
    this.env.metrics.problem(reason);
  }

  private between(range: readonly [number, number]): number {
    return range[0] + this.env.random() * (range[1] - range[0]);
  }
}
