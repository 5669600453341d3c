/**
 * Drives hostile cases at a running service over real sockets and judges every answer: HTTP
 * must be 2xx–4xx (4xx in our error shape) within a deadline, the media WebSocket must close
 * with one of our codes (or echo the client's close), never hang.
 */
import http from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import WebSocket from 'ws';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';
import { AUTH_TOKEN, type CallHarness } from '../support/call-harness.js';
import { httpCase, type HttpCase, type HttpFuzzContext } from './http-cases.js';
import { SeededRandom } from './seeded-random.js';
import { hostileStreamFrame, startMessage, type StreamFrame, type StreamIdentity } from './stream-cases.js';

const RESPONSE_DEADLINE_MS = 15_000;
/** The service's body limit is 1 MiB. */
const OVER_BODY_LIMIT = 1024 * 1024;
const CLOSE_DEADLINE_MS = 10_000;
/** Codes the media stream may close with: normal, no status, bad data, policy, too big. */
const STREAM_CLOSE_CODES = new Set([1000, 1005, 1007, 1008, 1009]);

export interface FuzzFailure {
  caseSeed: number;
  label: string;
  problem: string;
}

export interface FuzzStats {
  httpCases: number;
  streams: number;
  streamMessages: number;
  statuses: Map<number, number>;
  closeCodes: Map<number, number>;
  failures: FuzzFailure[];
  /** Wall time until the last HTTP case and the last stream were done. */
  httpSeconds: number;
  streamSeconds: number;
}

/** Each case has its own generator, so any one replays alone whatever ran concurrently. */
export function caseSeed(runSeed: number, index: number): number {
  let h = Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

function count(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function isErrorShape(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

export class FuzzRunner {
  readonly stats: FuzzStats = { httpCases: 0, streams: 0, streamMessages: 0, statuses: new Map(), closeCodes: new Map(), failures: [], httpSeconds: 0, streamSeconds: 0 };
  private readonly agent = new http.Agent({ keepAlive: true });
  /** Stream tokens already redeemed, with their calls: replaying them must fail. */
  private readonly usedTokens: { token: string; callSid: string }[] = [];

  constructor(
    private readonly h: CallHarness,
    private readonly context: HttpFuzzContext,
  ) {}

  /** Lets go of the keep-alive connections, so they do not count as memory the run kept. */
  close(): void {
    this.agent.destroy();
  }

  private fail(seed: number, label: string, problem: string): void {
    this.stats.failures.push({ caseSeed: seed, label, problem });
  }

  /** `total` cases: HTTP requests and media-stream messages in the ratio given, run concurrently. */
  async run(runSeed: number, total: number, options: { streamShare: number; httpConcurrency: number; streamConcurrency: number }): Promise<void> {
    const streamBudget = Math.round(total * options.streamShare);
    const httpTotal = total - streamBudget;
    let nextHttp = 0;
    let streamIndex = 0;
    let streamMessages = 0;
    const httpLane = async () => {
      while (nextHttp < httpTotal) {
        const seed = caseSeed(runSeed, nextHttp++);
        await this.http(seed, httpCase(new SeededRandom(seed), this.context));
      }
    };
    const streamLane = async () => {
      while (streamMessages < streamBudget) {
        const seed = caseSeed(runSeed, 1_000_000 + streamIndex++);
        const sent = await this.stream(seed, streamBudget - streamMessages);
        streamMessages += sent;
      }
    };
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    await Promise.all([
      Promise.all(Array.from({ length: options.httpConcurrency }, httpLane)).then(() => (this.stats.httpSeconds = seconds())),
      Promise.all(Array.from({ length: options.streamConcurrency }, streamLane)).then(() => (this.stats.streamSeconds = seconds())),
    ]);
  }

  async http(seed: number, c: HttpCase): Promise<void> {
    this.stats.httpCases += 1;
    try {
      const response = await this.send(c);
      count(this.stats.statuses, response.status);
      if (response.status >= 500) this.fail(seed, c.label, `${response.status}: ${response.body.slice(0, 200)}`);
      else if (response.status >= 400 && c.method !== 'HEAD' && !isErrorShape(response.body))
        this.fail(seed, c.label, `${response.status} without the error shape: ${response.body.slice(0, 200)}`);
    } catch (error) {
      this.fail(seed, c.label, `no answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * node:http rather than fetch: its own cost per request is a fraction of undici's, so the
   * budget goes to the service. Bodies over the limit go through fetch, which still reads the
   * 413 the service sends before it has read them.
   */
  private async send(c: HttpCase): Promise<{ status: number; body: string }> {
    const body = c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body;
    if (body !== undefined && Buffer.byteLength(body) > OVER_BODY_LIMIT) {
      const response = await fetch(`${this.h.baseUrl}${c.path}`, {
        method: c.method,
        headers: c.headers,
        body,
        signal: AbortSignal.timeout(RESPONSE_DEADLINE_MS),
      });
      return { status: response.status, body: await response.text() };
    }
    return new Promise((resolve, reject) => {
      const headers = body === undefined ? c.headers : { ...c.headers, 'content-length': String(Buffer.byteLength(body)) };
      const request = http.request(
        `${this.h.baseUrl}${c.path}`,
        { method: c.method, headers, agent: this.agent, timeout: RESPONSE_DEADLINE_MS },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${RESPONSE_DEADLINE_MS} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** One hostile media-stream connection; returns how many messages it sent. */
  async stream(seed: number, budget: number): Promise<number> {
    const r = new SeededRandom(seed);
    const kind = r.weighted([
      [45, 'garbage'],
      [25, 'call'],
      [10, 'replayed-token'],
      [10, 'forged-token'],
      [2, 'no-start'],
      [8, 'forged-upgrade'],
    ] as const);
    this.stats.streams += 1;
    const identity: StreamIdentity = {
      streamSid: `MZ${r.hex(32)}`,
      callSid: `CA${r.hex(32)}`,
      streamToken: undefined,
      conversationId: undefined,
    };
    let expectCode: number | undefined;
    const opening: StreamFrame[] = [];
    let hostile = r.int(5, 60);

    switch (kind) {
      case 'call': {
        const call = this.h.call({ callSid: identity.callSid });
        await call.ring();
        identity.streamToken = call.stream?.parameters.streamToken;
        identity.conversationId = call.stream?.parameters.conversationId;
        opening.push({ data: JSON.stringify(startMessage(identity)), binary: false });
        hostile = r.int(20, 150);
        break;
      }
      case 'replayed-token': {
        const used = this.usedTokens.length > 0 ? r.pick(this.usedTokens) : undefined;
        identity.streamToken = used?.token ?? `${r.hex(40)}.${r.hex(43)}`;
        identity.callSid = used?.callSid ?? identity.callSid;
        opening.push({ data: JSON.stringify(startMessage(identity)), binary: false });
        expectCode = 1008;
        break;
      }
      case 'forged-token':
        identity.streamToken = r.pick([
          `${Buffer.from(JSON.stringify({ c: identity.callSid, v: r.uuid(), e: Date.now() + 60_000, n: 'x' })).toString('base64url')}.${r.hex(43)}`,
          'abc.def',
          '',
          'x'.repeat(1_024),
          '.',
          r.hex(10),
        ]);
        opening.push({ data: JSON.stringify(startMessage(identity)), binary: false });
        expectCode = 1008;
        break;
      case 'no-start':
        // Only `connected` and messages that are not `start`: closed by the start timeout.
        opening.push({ data: JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }), binary: false });
        hostile = 0;
        expectCode = 1008;
        break;
      case 'forged-upgrade':
        return this.forgedUpgrade(seed, r);
      case 'garbage':
        break;
    }

    const frames = [...opening];
    for (let i = 0; i < Math.min(hostile, Math.max(1, budget - opening.length)); i += 1) frames.push(hostileStreamFrame(r, identity, i + 2));
    const label = `stream ${kind} (${frames.length} messages)`;
    // Signed as Twilio signs the upgrade: the hostile part is what comes over the socket.
    const signature = signTwilioRequest(AUTH_TOKEN, `${this.h.config.publicBaseUrl.replace(/^http/, 'ws')}/twilio/media`, {});
    const socket = new WebSocket(`${this.h.baseUrl.replace(/^http/, 'ws')}/twilio/media`, { headers: { 'x-twilio-signature': signature } });
    socket.on('error', () => {});
    const closed = new Promise<number | 'timeout'>((resolve) => {
      socket.on('close', (code) => resolve(code));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        socket.once('error', reject);
      });
    } catch (error) {
      this.fail(seed, label, error instanceof Error ? error.message : String(error));
      return frames.length;
    }
    for (const [i, frame] of frames.entries()) {
      if (socket.readyState !== WebSocket.OPEN) break;
      socket.send(frame.data, { binary: frame.binary });
      if (i % 10 === 9) await tick();
    }
    // Let the service answer the last messages, then hang up unless it already closed.
    await new Promise((resolve) => setTimeout(resolve, expectCode === 1008 && kind === 'no-start' ? 0 : 20));
    if (kind !== 'no-start' && expectCode === undefined && socket.readyState === WebSocket.OPEN) socket.close(1000);
    const deadline = kind === 'no-start' ? 7_000 : CLOSE_DEADLINE_MS;
    const code = await Promise.race([closed, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadline).unref())]);
    if (code === 'timeout') {
      this.fail(seed, label, 'the stream did not close');
      socket.terminate();
      return frames.length;
    }
    count(this.stats.closeCodes, code);
    // Only now is the token surely redeemed (or refused): from here on it is a replay.
    if (kind === 'call' && identity.streamToken) this.usedTokens.push({ token: identity.streamToken, callSid: identity.callSid });
    this.stats.streamMessages += frames.length;
    if (expectCode !== undefined && code !== expectCode) this.fail(seed, label, `closed with ${code}, expected ${expectCode}`);
    else if (!STREAM_CLOSE_CODES.has(code)) this.fail(seed, label, `closed with ${code}`);
    return frames.length;
  }

  /** An upgrade whose X-Twilio-Signature is forged or missing is refused before the socket opens. */
  private async forgedUpgrade(seed: number, r: SeededRandom): Promise<number> {
    const signature = r.pick<string | undefined>(['forged', r.hex(28), '', 'x'.repeat(2_000), undefined]);
    const socket = new WebSocket(
      `${this.h.baseUrl.replace(/^http/, 'ws')}/twilio/media`,
      signature === undefined ? {} : { headers: { 'x-twilio-signature': signature } },
    );
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        socket.terminate();
      });
      socket.on('open', () => {
        resolve(101);
        socket.close();
      });
      socket.on('error', () => resolve(0));
    });
    count(this.stats.closeCodes, status);
    if (status !== 403) this.fail(seed, 'stream forged-upgrade', `upgrade answered ${status}, expected 403`);
    this.stats.streamMessages += 1;
    return 1;
  }
}
