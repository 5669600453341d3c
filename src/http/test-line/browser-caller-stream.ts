import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { TEST_LINE_FRAME_MS, TEST_LINE_SAMPLE_RATE_HZ, type ServiceMessage } from './test-line-messages.js';

/** What the test line carries both ways: PCM16 24 kHz, sent to the page in 20 ms frames. */
export const BROWSER_AUDIO_FORMAT = Object.freeze({ encoding: 'pcm16', sampleRateHz: TEST_LINE_SAMPLE_RATE_HZ, frameMs: TEST_LINE_FRAME_MS } as const);

const BYTES_PER_MS = (2 * TEST_LINE_SAMPLE_RATE_HZ) / 1000;

export interface BrowserStreamEvents {
  /** Caller audio (PCM16 24 kHz) and its time in ms from the stream's start. */
  media: [audio: Buffer, timestampMs: number];
  mark: [name: string];
  dtmf: [digit: string];
  /** The person hung up. */
  stop: [];
  closed: [code: number];
}

/** Who the page's test call is: what `started` tells the page. */
export interface BrowserCall {
  callSid: string;
  streamSid: string;
  conversationId: string;
  callerNumber: string;
  knownCaller: boolean;
}

/**
 * One test call's WebSocket, as a caller stream (src/call/caller-stream.ts, satisfied
 * structurally: http/ does not import call/) and as the page the call shows itself in: turns,
 * events, reply latencies and the texts a patient would get go out as JSON beside the audio.
 */
export class BrowserCallerStream extends EventEmitter<BrowserStreamEvents> {
  readonly callSid: string;
  readonly conversationId: string;
  readonly streamSid: string;
  readonly resume = undefined;
  readonly audioFormat = BROWSER_AUDIO_FORMAT;
  /** Caller audio received so far, in ms: the stream's clock. */
  private receivedMs = 0;

  constructor(
    private readonly socket: WebSocket,
    call: BrowserCall,
  ) {
    super();
    this.callSid = call.callSid;
    this.conversationId = call.conversationId;
    this.streamSid = call.streamSid;
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Caller audio from the page (hot path): straight on to the call. */
  callerAudio(audio: Buffer): void {
    const at = this.receivedMs;
    this.receivedMs += audio.length / BYTES_PER_MS;
    this.emit('media', audio, at);
  }

  sendAudio(audio: Uint8Array): void {
    if (this.isOpen && audio.length > 0) this.socket.send(audio, { binary: true });
  }

  sendMark(name: string): void {
    this.message({ type: 'mark', name });
  }

  clear(): void {
    this.message({ type: 'clear' });
  }

  /** Ends the call from our side: the page is told why, then the socket closes. */
  close(code = 1000, reason = ''): void {
    this.message({ type: 'ended', reason: reason || 'ended' });
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason.slice(0, 120));
  }

  // The page's view of the call (TestCallPage in src/call/call-intake.ts).

  turn(turn: { seq: number; role: string; text: string; interrupted: boolean }): void {
    this.message({ type: 'turn', seq: turn.seq, role: turn.role, text: turn.text, interrupted: turn.interrupted });
  }

  event(type: string, name: string | null, data: unknown): void {
    this.message({ type: 'event', kind: type, name, data });
  }

  replyLatency(ms: number): void {
    this.message({ type: 'latency', ms });
  }

  show(text: { purpose: string; body: string }): void {
    this.message({ type: 'text', purpose: text.purpose, body: text.body });
  }

  message(message: ServiceMessage): void {
    if (this.isOpen) this.socket.send(JSON.stringify(message));
  }
}
