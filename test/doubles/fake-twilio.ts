/**
 * A wire-level stand-in for Twilio's side of a call: it posts the signed voice webhook, reads the
 * TwiML, opens the media stream and behaves as Twilio's media server does. Caller audio goes out
 * in 20 ms μ-law frames; the service's audio is "played" in real time from a buffer, marks are
 * echoed when the audio before them has played, and `clear` empties the buffer and echoes every
 * outstanding mark at once.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import WebSocket from 'ws';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';

export function fakeCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}

export interface SignedPostResult {
  status: number;
  body: string;
  headers: Headers;
}

/** POSTs a form to the service exactly as Twilio would, signed over the public URL. */
export async function postSignedForm(
  baseUrl: string,
  publicBaseUrl: string,
  authToken: string,
  path: string,
  params: Record<string, string>,
  options: { signature?: string; headers?: Record<string, string> } = {},
): Promise<SignedPostResult> {
  const signature = options.signature ?? signTwilioRequest(authToken, `${publicBaseUrl}${path}`, params);
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, ...options.headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

export interface StreamInstructions {
  url: string;
  parameters: Record<string, string>;
  action: string | undefined;
}

export function parseConnectTwiml(twiml: string): StreamInstructions | undefined {
  const stream = /<Stream url="([^"]+)"[^>]*>([\s\S]*?)<\/Stream>/.exec(twiml);
  if (!stream) return undefined;
  const parameters: Record<string, string> = {};
  for (const match of stream[2]!.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)) parameters[match[1]!] = match[2]!;
  const action = /<Connect[^>]*action="([^"]+)"/.exec(twiml)?.[1];
  return { url: stream[1]!.replaceAll('&amp;', '&'), parameters, action };
}

export interface FakeCallOptions {
  /** Where the service listens (http://127.0.0.1:port). */
  baseUrl: string;
  /** PUBLIC_BASE_URL of the service: what Twilio signs. */
  publicBaseUrl: string;
  authToken: string;
  from?: string;
  to?: string;
  callSid?: string;
}

export class FakeTwilioCall extends EventEmitter {
  readonly callSid: string;
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  readonly from: string;
  readonly to: string;
  twiml = '';
  stream: StreamInstructions | undefined;
  socket: WebSocket | undefined;
  closeCode: number | undefined;
  /** Every message the service sent on the stream, parsed. */
  readonly messages: { event: string; [key: string]: unknown }[] = [];
  /** μ-law the caller has heard (played out of the buffer). */
  private heardChunks: Buffer[] = [];
  private queue: ({ kind: 'audio'; audio: Buffer } | { kind: 'mark'; name: string })[] = [];
  private playTimer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private sequence = 0;
  private mediaTimestampMs = 0;
  readonly echoedMarks: string[] = [];
  clears = 0;

  constructor(private readonly options: FakeCallOptions) {
    super();
    this.callSid = options.callSid ?? fakeCallSid();
    this.from = options.from ?? '+12025550199';
    this.to = options.to ?? '+12025550100';
  }

  /** The incoming-call webhook. Returns its TwiML and remembers the stream it points to. */
  async ring(extra: Record<string, string> = {}): Promise<SignedPostResult> {
    const result = await postSignedForm(this.options.baseUrl, this.options.publicBaseUrl, this.options.authToken, '/twilio/voice', {
      CallSid: this.callSid,
      AccountSid: `AC${'0'.repeat(32)}`,
      From: this.from,
      To: this.to,
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      ...extra,
    });
    this.twiml = result.body;
    this.stream = parseConnectTwiml(result.body);
    return result;
  }

  /** Opens the media stream and sends `connected` and `start`, as Twilio does once the call is answered. */
  async connect(overrides: { token?: string; sendStart?: boolean } = {}): Promise<void> {
    if (!this.stream) throw new Error('no <Stream> in the TwiML');
    const path = new URL(this.stream.url).pathname;
    const socket = new WebSocket(`${this.options.baseUrl.replace(/^http/, 'ws')}${path}`);
    this.socket = socket;
    socket.on('message', (data) => this.onServiceMessage(data.toString()));
    socket.on('close', (code) => {
      this.closeCode = code;
      this.stopPlayback();
      this.emit('closed', code);
    });
    socket.on('error', () => {});
    await once(socket, 'open');
    this.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    if (overrides.sendStart === false) return;
    const parameters = { ...this.stream.parameters };
    if (overrides.token !== undefined) parameters.streamToken = overrides.token;
    this.sendJson({
      event: 'start',
      sequenceNumber: String(++this.sequence),
      streamSid: this.streamSid,
      start: {
        accountSid: `AC${'0'.repeat(32)}`,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        customParameters: parameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    this.startPlayback();
  }

  /** ring + connect. */
  async dial(): Promise<void> {
    await this.ring();
    await this.connect();
  }

  sendJson(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(text: string | Buffer): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  /** Caller audio: μ-law 8 kHz, in 20 ms frames; paced in real time unless `paced` is false. */
  async say(mulaw: Uint8Array, options: { paced?: boolean } = {}): Promise<void> {
    for (let offset = 0; offset < mulaw.length; offset += 160) {
      const frame = Buffer.from(mulaw.subarray(offset, offset + 160));
      this.mediaTimestampMs += 20;
      this.sendJson({
        event: 'media',
        sequenceNumber: String(++this.sequence),
        streamSid: this.streamSid,
        media: { track: 'inbound', chunk: String(offset / 160 + 1), timestamp: String(this.mediaTimestampMs), payload: frame.toString('base64') },
      });
      if (options.paced !== false) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Twilio's `stop`: the caller hung up. */
  hangUp(): void {
    this.sendJson({ event: 'stop', sequenceNumber: String(++this.sequence), streamSid: this.streamSid, stop: { callSid: this.callSid } });
    this.socket?.close();
  }

  /** μ-law audio the caller has heard so far. */
  heard(): Buffer {
    return Buffer.concat(this.heardChunks);
  }

  /** Everything the service sent has been played and every mark echoed. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Waits until the caller has heard at least `ms` and nothing more is queued. */
  async heardAll(ms: number, timeoutMs = 5_000): Promise<void> {
    await this.waitFor(() => this.heardMs() >= ms && this.idle, timeoutMs, `${ms} ms of audio to play`);
  }

  /** Milliseconds of audio heard so far. */
  heardMs(): number {
    return this.heard().length / 8;
  }

  /** μ-law received from the service, whether or not it was played yet. */
  receivedAudio(): Buffer {
    return Buffer.concat(
      this.messages
        .filter((m) => m.event === 'media')
        .map((m) => Buffer.from(String((m.media as { payload: string }).payload), 'base64')),
    );
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake twilio: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async closed(timeoutMs = 5_000): Promise<number> {
    if (this.closeCode !== undefined) return this.closeCode;
    await this.waitFor(() => this.closeCode !== undefined, timeoutMs, 'the stream to close');
    return this.closeCode ?? 0;
  }

  private onServiceMessage(text: string): void {
    const message = JSON.parse(text) as { event: string; [key: string]: unknown };
    this.messages.push(message);
    switch (message.event) {
      case 'media':
        this.queue.push({ kind: 'audio', audio: Buffer.from(String((message.media as { payload: string }).payload), 'base64') });
        break;
      case 'mark':
        this.queue.push({ kind: 'mark', name: String((message.mark as { name: string }).name) });
        this.drainMarks();
        break;
      case 'clear': {
        this.clears += 1;
        const marks = this.queue.filter((e): e is { kind: 'mark'; name: string } => e.kind === 'mark');
        this.queue = [];
        for (const mark of marks) this.echoMark(mark.name);
        this.emit('clear');
        break;
      }
      default:
        break;
    }
    this.emit('message', message);
  }

  private startPlayback(): void {
    this.lastTick = performance.now();
    this.playTimer = setInterval(() => this.tick(), 5);
  }

  private stopPlayback(): void {
    clearInterval(this.playTimer);
  }

  /** Plays queued audio in real time and echoes marks as they are reached. */
  private tick(): void {
    const now = performance.now();
    let budget = Math.floor((now - this.lastTick) * 8);
    if (budget <= 0) return;
    this.lastTick = now - (((now - this.lastTick) * 8 - budget) / 8);
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.kind === 'mark') {
        this.queue.shift();
        this.echoMark(head.name);
        continue;
      }
      if (budget <= 0) break;
      const take = Math.min(budget, head.audio.length);
      this.heardChunks.push(head.audio.subarray(0, take));
      budget -= take;
      if (take === head.audio.length) this.queue.shift();
      else head.audio = head.audio.subarray(take);
    }
    if (this.queue.length === 0) this.lastTick = now;
  }

  private drainMarks(): void {
    while (this.queue[0]?.kind === 'mark') {
      const mark = this.queue.shift() as { kind: 'mark'; name: string };
      this.echoMark(mark.name);
    }
  }

  private echoMark(name: string): void {
    this.echoedMarks.push(name);
    this.sendJson({ event: 'mark', sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name } });
  }
}
