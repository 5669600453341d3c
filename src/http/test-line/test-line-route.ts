import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { BrowserCallerStream, type BrowserCall } from './browser-caller-stream.js';
import { refuseForeignOrigin, testLineIdentity, type TestLineIdentity } from './test-line-auth.js';
import { parsePageMessage, type CallerChoice } from './test-line-messages.js';

export const TEST_LINE_STREAM_PATH = '/console/test-call/stream';
/** The page says who is calling straight after connecting; a socket that never does is closed. */
export const TEST_LINE_START_TIMEOUT_MS = 10_000;
/** Caller audio may run this far ahead of real time (a browser catching up after a stall) before frames are dropped. */
const AUDIO_LEAD_MS = 2_000;
/** Dropped audio beyond this means a client that is not a person talking: the call is closed. */
const MAX_DROPPED_AUDIO_MS = 10_000;
const MAX_MALFORMED = 20;
const CLOSE_POLICY = 1008;
const CLOSE_INVALID_DATA = 1007;
const CLOSE_TRY_AGAIN_LATER = 1013;

export type TestLineOpening<Call extends BrowserCall> =
  | { ok: true; call: Call }
  | { ok: false; refusal: { code: string; message: string } };

/** What the composition root supplies: opening a test call under its limits, and running it. */
export interface TestLineHandlers<Call extends BrowserCall> {
  open(spaId: string, caller: CallerChoice, log: FastifyBaseLogger): Promise<TestLineOpening<Call>>;
  /** Called synchronously once the call is open: attach listeners before returning. */
  run(stream: BrowserCallerStream, call: Call, log: FastifyBaseLogger): void;
  /** The page left after its call was opened but before it ran. */
  abandon(call: Call): void;
}

export interface TestLineRouteOptions<Call extends BrowserCall> {
  publicBaseUrl: string;
  handlers: TestLineHandlers<Call>;
}

const identities = new WeakMap<FastifyRequest, TestLineIdentity>();

/** Caller audio paced no faster than real time, give or take a short catch-up. */
class AudioPace {
  private startedAt: number | undefined;
  private receivedMs = 0;
  droppedMs = 0;

  accept(bytes: number): boolean {
    const now = performance.now();
    this.startedAt ??= now;
    const ms = bytes / 48;
    if (this.receivedMs + ms > now - this.startedAt + AUDIO_LEAD_MS) {
      this.droppedMs += ms;
      return false;
    }
    this.receivedMs += ms;
    return true;
  }
}

/** GET /console/test-call/stream: the console's test line, one WebSocket per call. */
export function registerTestLineRoute<Call extends BrowserCall>(app: FastifyInstance, options: TestLineRouteOptions<Call>): void {
  const { handlers, publicBaseUrl } = options;
  app.route({
    method: 'GET',
    url: TEST_LINE_STREAM_PATH,
    handler: async (_request, reply) =>
      reply.status(426).send({ error: { code: 'UPGRADE_REQUIRED', message: 'This is the test line WebSocket.' } }),
    // Before the upgrade: a refused caller gets a plain HTTP answer saying why.
    preValidation: async (request, reply) => {
      if (!request.ws) return;
      refuseForeignOrigin(request, publicBaseUrl);
      identities.set(request, await testLineIdentity(request, reply));
    },
    wsHandler: (socket, request) => {
      const identity = identities.get(request);
      if (!identity) {
        socket.close(CLOSE_POLICY, 'not signed in');
        return;
      }
      runTestLineSocket(socket, identity, handlers, request.log);
    },
  });
}

function runTestLineSocket<Call extends BrowserCall>(
  socket: WebSocket,
  identity: TestLineIdentity,
  handlers: TestLineHandlers<Call>,
  log: FastifyBaseLogger,
): void {
  // Listeners first, synchronously: frames that arrive before them would be lost.
  let phase: 'waiting' | 'opening' | 'live' = 'waiting';
  let stream: BrowserCallerStream | undefined;
  let malformed = 0;
  const pace = new AudioPace();
  const startTimer = setTimeout(() => socket.close(CLOSE_POLICY, 'no start'), TEST_LINE_START_TIMEOUT_MS);

  socket.on('close', (code) => {
    clearTimeout(startTimer);
    if (pace.droppedMs > 0) log.warn({ droppedMs: Math.round(pace.droppedMs) }, 'test line sent audio faster than real time');
    stream?.emit('closed', code);
    stream?.removeAllListeners();
  });

  const refuse = (code: number, reason: string) => {
    if (socket.readyState === socket.OPEN) socket.close(code, reason);
  };

  const start = (caller: CallerChoice) => {
    phase = 'opening';
    clearTimeout(startTimer);
    handlers.open(identity.spaId, caller, log).then(
      (opening) => {
        if (!opening.ok) {
          socket.send(JSON.stringify({ type: 'refused', ...opening.refusal }));
          refuse(CLOSE_TRY_AGAIN_LATER, opening.refusal.code);
          return;
        }
        const call = opening.call;
        if (socket.readyState !== socket.OPEN) return handlers.abandon(call);
        const opened = new BrowserCallerStream(socket, call);
        stream = opened;
        phase = 'live';
        opened.message({
          type: 'started',
          conversationId: call.conversationId,
          callerNumber: call.callerNumber,
          knownCaller: call.knownCaller,
          sampleRateHz: opened.audioFormat.sampleRateHz,
          frameMs: opened.audioFormat.frameMs,
        });
        handlers.run(opened, call, log.child({ callSid: call.callSid, conversationId: call.conversationId }));
      },
      (error: unknown) => {
        log.error({ err: error }, 'could not open a test call');
        refuse(1011, 'internal error');
      },
    );
  };

  socket.on('message', (data, isBinary) => {
    if (socket.readyState !== socket.OPEN) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      // Microphone audio before the call is up has nowhere to go (the greeting comes first anyway).
      if (!stream || bytes.length % 2 !== 0) return;
      if (pace.accept(bytes.length)) stream.callerAudio(bytes);
      else if (pace.droppedMs > MAX_DROPPED_AUDIO_MS) refuse(CLOSE_POLICY, 'audio faster than real time');
      return;
    }
    const parsed = parsePageMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      malformed += 1;
      if (malformed === 1) log.warn({ reason: parsed.reason }, 'malformed test line message');
      if (malformed >= MAX_MALFORMED) refuse(CLOSE_INVALID_DATA, 'malformed messages');
      return;
    }
    const message = parsed.message;
    if (message.type === 'start') {
      if (phase === 'waiting') start(message.caller);
      return;
    }
    if (!stream) {
      if (message.type === 'hangup') refuse(1000, 'caller');
      return;
    }
    switch (message.type) {
      case 'mark':
        stream.emit('mark', message.name);
        return;
      case 'dtmf':
        stream.emit('dtmf', message.digit);
        return;
      case 'hangup':
        stream.emit('stop');
        stream.close(1000, 'caller');
        return;
    }
  });
}
