import { TestLineAudio } from './audio/test-line-audio.js';

/** What the service sends (src/http/test-line/test-line-messages.ts). */
export type ServiceMessage =
  | { type: 'started'; conversationId: string; callerNumber: string; knownCaller: boolean; sampleRateHz: number; frameMs: number }
  | { type: 'refused'; code: string; message: string }
  | { type: 'mark'; name: string }
  | { type: 'clear' }
  | { type: 'turn'; seq: number; role: string; text: string; interrupted: boolean }
  | { type: 'event'; kind: string; name: string | null; data: unknown }
  | { type: 'latency'; ms: number }
  | { type: 'text'; purpose: string; body: string }
  | { type: 'ended'; reason: string };

export type TestCaller = { kind: 'new' } | { kind: 'number'; number: string };

export interface TestLineCallEvents {
  message(message: ServiceMessage): void;
  /** Wire audio played so far in the page (ms) and what is still queued. */
  position(playedMs: number, bufferedMs: number): void;
  /** Audio from the service, in ms so far (the page has started to hear the receptionist). */
  received(ms: number): void;
  closed(code: number, reason: string): void;
}

export const TEST_LINE_PATH = '/console/test-call/stream';

/**
 * One test call from the page: the socket (the session cookie goes with it), the microphone and
 * the speaker. Marks from the service are queued in playback and echoed once played; a clear
 * empties playback and echoes them all at once.
 */
export class TestLineCall {
  private receivedMs = 0;

  private constructor(
    private readonly socket: WebSocket,
    private readonly audio: TestLineAudio,
  ) {}

  static async place(caller: TestCaller, events: TestLineCallEvents): Promise<TestLineCall> {
    const holder: { call?: TestLineCall } = {};
    const audio = await TestLineAudio.start({
      captured: (frame) => holder.call?.sendAudio(frame),
      played: (mark) => holder.call?.send({ type: 'mark', name: mark }),
      position: (playedMs, bufferedMs) => events.position(playedMs, bufferedMs),
    });
    const url = new URL(TEST_LINE_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const placed = new TestLineCall(socket, audio);
    holder.call = placed;
    socket.onopen = () => placed.send({ type: 'start', caller });
    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => placed.onMessage(event.data, events);
    socket.onclose = (event) => {
      void audio.close();
      events.closed(event.code, event.reason);
    };
    return placed;
  }

  hangUp(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.send({ type: 'hangup' });
    else this.socket.close();
  }

  private onMessage(data: ArrayBuffer | string, events: TestLineCallEvents): void {
    if (typeof data !== 'string') {
      this.receivedMs += data.byteLength / 48;
      this.audio.play(data);
      events.received(this.receivedMs);
      return;
    }
    const message = JSON.parse(data) as ServiceMessage;
    if (message.type === 'mark') this.audio.mark(message.name);
    else if (message.type === 'clear') this.audio.clear();
    events.message(message);
  }

  private sendAudio(frame: ArrayBuffer): void {
    // send() copies the bytes, so the buffer goes straight back to the worklet.
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
    this.audio.recycle(frame);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
