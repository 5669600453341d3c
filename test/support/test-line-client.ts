/**
 * A console page's end of the test line, without the browser: opens the WebSocket with a
 * credential, says who is calling, plays what arrives in real time (echoing each mark once the
 * audio before it has "played", and every outstanding one on a clear, as the page's playback
 * worklet does), and keeps every message the service sent.
 */
import WebSocket from 'ws';
import { until } from './until.js';

const BYTES_PER_MS = 48; // PCM16 24 kHz

export type TestLineMessage = { type: string } & Record<string, unknown>;

export class TestLineClient {
  readonly messages: TestLineMessage[] = [];
  readonly audio: Buffer[] = [];
  receivedAudioMs = 0;
  /** Audio played so far (ms), as a page playing in real time would have. */
  playedMs = 0;
  clears = 0;
  closed: { code: number; reason: string } | undefined;
  private queue: { atMs: number; name: string }[] = [];
  private queuedMs = 0;
  private playingSince: number | undefined;
  private playedBefore = 0;
  private readonly ticker: NodeJS.Timeout;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (isBinary) return this.onAudio(bytes);
      const message = JSON.parse(bytes.toString('utf8')) as TestLineMessage;
      this.messages.push(message);
      if (message.type === 'mark') this.queue.push({ atMs: this.queuedMs, name: String(message.name) });
      if (message.type === 'clear') this.onClear();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    this.ticker = setInterval(() => this.tick(), 5);
  }

  static async connect(url: string, headers: Record<string, string>): Promise<TestLineClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    return new TestLineClient(socket);
  }

  start(caller: { kind: 'new' } | { kind: 'number'; number: string } = { kind: 'new' }): void {
    this.send({ type: 'start', caller });
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  /** `ms` of caller audio (a quiet tone), paced in 20 ms frames as a microphone would be. */
  async speak(ms: number): Promise<void> {
    const frame = Buffer.alloc(20 * BYTES_PER_MS);
    for (let i = 0; i < frame.length / 2; i += 1) frame.writeInt16LE(Math.round(2_000 * Math.sin((2 * Math.PI * 300 * i) / 24_000)), i * 2);
    for (let sent = 0; sent < ms; sent += 20) {
      this.socket.send(frame, { binary: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  hangUp(): void {
    this.send({ type: 'hangup' });
  }

  of(type: string): TestLineMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  async waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    await until(what, predicate, timeoutMs, 10);
  }

  async message(type: string, predicate: (m: TestLineMessage) => boolean = () => true, timeoutMs = 10_000): Promise<TestLineMessage> {
    await this.waitFor(`a ${type} message`, () => this.messages.some((m) => m.type === type && predicate(m)), timeoutMs);
    return this.messages.find((m) => m.type === type && predicate(m))!;
  }

  close(): void {
    clearInterval(this.ticker);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close();
  }

  private onAudio(bytes: Buffer): void {
    this.audio.push(bytes);
    const ms = bytes.length / BYTES_PER_MS;
    this.receivedAudioMs += ms;
    if (this.playingSince === undefined) {
      this.playingSince = performance.now();
      this.playedBefore = this.playedMs;
      this.queuedMs = Math.max(this.queuedMs, this.playedMs);
    }
    this.queuedMs += ms;
  }

  private tick(): void {
    if (this.playingSince !== undefined) {
      this.playedMs = Math.min(this.queuedMs, this.playedBefore + (performance.now() - this.playingSince));
      if (this.playedMs >= this.queuedMs) this.playingSince = undefined;
    }
    while (this.queue.length > 0 && this.queue[0]!.atMs <= this.playedMs) this.echo(this.queue.shift()!.name);
  }

  private onClear(): void {
    this.clears += 1;
    this.queuedMs = this.playedMs;
    this.playingSince = undefined;
    for (const mark of this.queue.splice(0)) this.echo(mark.name);
  }

  private echo(name: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.send({ type: 'mark', name });
  }
}
