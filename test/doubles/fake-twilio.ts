/**
 * A wire-level stand-in for Twilio's side of a call, the one every test, tool and benchmark uses:
 * it posts the signed voice webhook, reads the TwiML, opens the media stream and behaves as
 * Twilio's media server does. Caller audio goes out in 20 ms μ-law frames; the service's audio is
 * "played" in real time from a buffer (`TwilioPlayback`), marks are echoed when the audio before
 * them has played, and `clear` empties the buffer and echoes every outstanding mark at once.
 *
 * Two modes: 'test' keeps every message and the audio heard and plays on its own 5 ms timer;
 * 'load' (the load bench: hundreds of calls on one clock) only counts bytes, reads media frames
 * without JSON and plays when the bench's clock calls `play(now)`.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';
import { TwilioPlayback } from './twilio-playback.js';

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
  options: { signature?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<SignedPostResult> {
  const signature = options.signature ?? signTwilioRequest(authToken, `${publicBaseUrl}${path}`, params);
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, ...options.headers },
    body: new URLSearchParams(params).toString(),
    ...(options.signal ? { signal: options.signal } : {}),
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
  /** 'test' (the default) or 'load'; see the top of this file. */
  mode?: 'test' | 'load';
}

export type ServiceMessage = { event: string; [key: string]: unknown };

const FRAME_MS = 20;
const MEDIA_PREFIX = Buffer.from('{"event":"media",');
const PAYLOAD_KEY = Buffer.from('"payload":"');
const QUOTE = 0x22;
const EQUALS = 0x3d;

/** Bytes the base64 text between `start` and `end` of a message decodes to, without decoding it. */
export function base64FieldBytes(data: Buffer, start: number, end: number): number {
  const chars = end - start;
  if (chars <= 0) return 0;
  const padding = (data[end - 1] === EQUALS ? 1 : 0) + (data[end - 2] === EQUALS ? 1 : 0);
  return (chars / 4) * 3 - padding;
}

export function rawDataBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
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
  /** The HTTP status of a refused upgrade (e.g. 403); undefined when the socket opened. */
  upgradeStatus: number | undefined;
  /** Every message the service sent on the stream, parsed ('test' mode). */
  readonly messages: ServiceMessage[] = [];
  /** Marks echoed to the service ('test' mode). */
  readonly echoedMarks: string[] = [];
  clears = 0;
  protected readonly playback: TwilioPlayback;
  private readonly recording: boolean;
  /** μ-law the caller has heard ('test' mode). */
  private readonly heardChunks: Buffer[] = [];
  private playTimer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private framesSentCount = 0;

  constructor(private readonly options: FakeCallOptions) {
    super();
    this.callSid = options.callSid ?? fakeCallSid();
    this.from = options.from ?? '+12025550199';
    this.to = options.to ?? '+12025550100';
    this.recording = options.mode !== 'load';
    this.playback = this.recording
      ? new TwilioPlayback(
          (name) => this.echoMark(name),
          (audio) => this.heardChunks.push(audio),
        )
      : new TwilioPlayback((name) => this.echoMark(name));
  }

  /** The incoming-call webhook. Returns its TwiML and remembers the stream it points to. */
  async ring(extra: Record<string, string> = {}, options: { signal?: AbortSignal } = {}): Promise<SignedPostResult> {
    const result = await postSignedForm(
      this.options.baseUrl,
      this.options.publicBaseUrl,
      this.options.authToken,
      '/twilio/voice',
      {
        CallSid: this.callSid,
        AccountSid: `AC${'0'.repeat(32)}`,
        From: this.from,
        To: this.to,
        CallStatus: 'ringing',
        Direction: 'inbound',
        ApiVersion: '2010-04-01',
        ...extra,
      },
      options,
    );
    this.twiml = result.body;
    this.stream = parseConnectTwiml(result.body);
    return result;
  }

  /**
   * Opens the media stream and sends `connected` and `start`, as Twilio does once the call is
   * answered. The upgrade is signed as Twilio signs it: X-Twilio-Signature over the <Stream url>
   * (wss://…, no parameters); `signature: null` leaves the header out, a string replaces it.
   */
  async connect(overrides: { token?: string; sendStart?: boolean; signature?: string | null } = {}): Promise<void> {
    if (!this.stream) throw new Error('no <Stream> in the TwiML');
    const path = new URL(this.stream.url).pathname;
    const signature = overrides.signature === undefined ? signTwilioRequest(this.options.authToken, this.stream.url, {}) : overrides.signature;
    const socket = new WebSocket(`${this.options.baseUrl.replace(/^http/, 'ws')}${path}`, {
      perMessageDeflate: false,
      ...(signature === null ? {} : { headers: { 'x-twilio-signature': signature } }),
    });
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (this.recording || !isBinary) this.onServiceMessage(rawDataBuffer(data), performance.now());
    });
    socket.on('close', (code) => {
      if (this.upgradeStatus !== undefined) return; // refused before it opened: already told
      this.closeCode = code;
      clearInterval(this.playTimer);
      this.afterClose(code);
      this.emit('closed', code);
    });
    socket.on('error', () => {});
    // A refused upgrade (403) ends here, with the status as the close code's stand-in.
    const refused = new Promise<number>((resolve) =>
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }),
    );
    const status = await Promise.race([once(socket, 'open').then(() => undefined), refused]);
    if (status !== undefined) {
      this.upgradeStatus = status;
      this.closeCode = status;
      socket.terminate();
      this.emit('closed', status);
      return;
    }
    this.sendRaw('{"event":"connected","protocol":"Call","version":"1.0.0"}');
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
    if (this.recording) this.playTimer = setInterval(() => this.play(performance.now()), 5);
  }

  /** The caller presses a key: Twilio's `dtmf` message on a bidirectional stream. */
  pressKey(digit: string): void {
    this.sendJson({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(++this.sequence), dtmf: { track: 'inbound_track', digit } });
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

  /** One 20 ms frame of caller audio, already base64 (160 μ-law bytes). */
  sendMedia(payload: string): void {
    const chunk = ++this.framesSentCount;
    this.sendRaw(
      `{"event":"media","sequenceNumber":"${++this.sequence}","streamSid":"${this.streamSid}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${chunk * FRAME_MS}","payload":"${payload}"}}`,
    );
  }

  /** Caller frames sent so far. */
  get framesSent(): number {
    return this.framesSentCount;
  }

  /** Caller audio: μ-law 8 kHz, in 20 ms frames; paced in real time unless `paced` is false. */
  async say(mulaw: Uint8Array, options: { paced?: boolean } = {}): Promise<void> {
    for (let offset = 0; offset < mulaw.length; offset += 160) {
      this.sendMedia(Buffer.from(mulaw.subarray(offset, offset + 160)).toString('base64'));
      if (options.paced !== false) await new Promise((resolve) => setTimeout(resolve, FRAME_MS));
    }
  }

  /** Twilio's `stop`: the caller hung up. */
  hangUp(): void {
    this.sendRaw(`{"event":"stop","sequenceNumber":"${++this.sequence}","streamSid":"${this.streamSid}","stop":{"callSid":"${this.callSid}"}}`);
    this.socket?.close();
  }

  /** Plays what is buffered up to `now` (performance.now()); 'load' mode's clock calls this. */
  play(now: number): void {
    if (!this.playback.idle) this.playback.play(now);
  }

  /** μ-law audio the caller has heard so far ('test' mode). */
  heard(): Buffer {
    return Buffer.concat(this.heardChunks);
  }

  /** Everything the service sent has been played and every mark echoed. */
  get idle(): boolean {
    return this.playback.idle;
  }

  /** Waits until the caller has heard at least `ms` and nothing more is queued. */
  async heardAll(ms: number, timeoutMs = 5_000): Promise<void> {
    await this.waitFor(() => this.heardMs() >= ms && this.idle, timeoutMs, `${ms} ms of audio to play`);
  }

  /** Milliseconds of audio heard so far. */
  heardMs(): number {
    return this.playback.playedBytes / 8;
  }

  /** μ-law received from the service, whether or not it was played yet ('test' mode). */
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

  /** For a subclass that measures (the load bench): reply audio has been buffered. */
  protected afterMedia(_bytes: number, _now: number): void {}
  /** The buffer has been cleared, at `now`. */
  protected afterClear(_now: number): void {}
  protected afterClose(_code: number): void {}

  private onServiceMessage(data: Buffer, now: number): void {
    if (!this.recording && data.length > MEDIA_PREFIX.length && data.compare(MEDIA_PREFIX, 0, MEDIA_PREFIX.length, 0, MEDIA_PREFIX.length) === 0) {
      // The service's own serialisation of Twilio's shape: {"event":"media","streamSid":…,"media":{"payload":"…"}}.
      const key = data.indexOf(PAYLOAD_KEY, MEDIA_PREFIX.length);
      const end = key < 0 ? -1 : data.indexOf(QUOTE, key + PAYLOAD_KEY.length);
      if (end > 0) {
        this.onMedia(base64FieldBytes(data, key + PAYLOAD_KEY.length, end), now, undefined);
        return;
      }
    }
    const message = JSON.parse(data.toString()) as ServiceMessage;
    if (this.recording) this.messages.push(message);
    switch (message.event) {
      case 'media': {
        const audio = Buffer.from(String((message.media as { payload?: string } | undefined)?.payload ?? ''), 'base64');
        this.onMedia(audio.length, now, this.recording ? audio : undefined);
        break;
      }
      case 'mark':
        this.playback.mark(String((message.mark as { name?: string } | undefined)?.name), now);
        break;
      case 'clear':
        this.clears += 1;
        this.playback.clear(now);
        this.afterClear(now);
        this.emit('clear');
        break;
      default:
        break;
    }
    if (this.recording) this.emit('message', message);
  }

  private onMedia(bytes: number, now: number, audio: Buffer | undefined): void {
    this.playback.audio(bytes, now, audio);
    this.afterMedia(bytes, now);
  }

  private echoMark(name: string): void {
    if (this.recording) this.echoedMarks.push(name);
    this.sendRaw(`{"event":"mark","sequenceNumber":"${++this.sequence}","streamSid":"${this.streamSid}","mark":{"name":${JSON.stringify(name)}}}`);
  }
}
