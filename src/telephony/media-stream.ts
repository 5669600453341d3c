import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { Config } from '../config/config.js';
import { parseStreamMessage, StreamMessageWriter, type StartMessage } from './media-stream-messages.js';
import { StreamRateGuard, STREAM_RATE_LIMITS } from './stream-rate-guard.js';
import type { StreamContext, StreamTokenClaims, StreamTokens } from './stream-token.js';
import { isValidTwilioSignature, publicUrl, publicWebSocketUrl } from './twilio-signature.js';
import { MEDIA_STREAM_PATH } from './voice-webhooks.js';

export const START_TIMEOUT_MS = 5_000;
const MAX_CONSECUTIVE_MALFORMED = 20;
const MAX_MALFORMED = 100;
/**
 * Messages held while a stream's admission is decided (a bounded wait, see `StreamAdmission`):
 * five seconds of Twilio's 20 ms frames, far more than that wait lets in.
 */
const MAX_HELD_MESSAGES = 250;
/** Twilio's frames are a few hundred bytes; anything near this is not Twilio. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** μ-law at 8 kHz: one byte per sample. */
const MULAW_BYTES_PER_MS = 8;

/** What a Twilio media stream carries both ways: μ-law 8 kHz in 20 ms frames. */
export const TWILIO_AUDIO_FORMAT = Object.freeze({ encoding: 'pcmu', sampleRateHz: 8_000, frameMs: 20 } as const);

export const CLOSE_POLICY = 1008;
export const CLOSE_INVALID_DATA = 1007;

export interface MediaStreamEvents {
  /** Caller audio: μ-law 8 kHz bytes, and Twilio's presentation time in ms from stream start. */
  media: [mulaw: Buffer, timestampMs: number];
  /** A mark we sent has played (or was cleared). */
  mark: [name: string];
  dtmf: [digit: string];
  /** Twilio ended the stream (the call ended or its TwiML was replaced). */
  stop: [];
  /** The socket is gone, whoever closed it. Always the last event. */
  closed: [code: number];
}

/** The TCP socket under a WebSocket, which can hold writes back and send them as one. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** One live, authenticated Twilio media stream: caller audio in, our audio, marks and clears out. */
export class MediaStream extends EventEmitter<MediaStreamEvents> {
  readonly streamSid: string;
  readonly callSid: string;
  readonly conversationId: string;
  /** Why this stream exists when it is not a new call, e.g. 'transfer-unanswered'. */
  readonly resume: string | undefined;
  /** How the call came to the receptionist when not straight away, e.g. 'front-desk-unanswered' (signed in the token). */
  readonly opening: string | undefined;
  /** Who the call is between, from the signed stream token (absent in tokens issued before it carried them). */
  readonly context: StreamContext | undefined;
  readonly audioFormat = TWILIO_AUDIO_FORMAT;
  /** Timestamp of the latest caller frame: Twilio's media clock, in ms since the stream started. */
  lastMediaTimestampMs = 0;
  private readonly messages: StreamMessageWriter;
  private corked = false;

  constructor(
    private readonly socket: WebSocket,
    start: StartMessage,
    claims: Pick<StreamTokenClaims, 'conversationId' | 'context'>,
    /** The socket's TCP connection; when given, each turn of the event loop's messages go out in one write. */
    private readonly transport?: Corkable,
  ) {
    super();
    this.streamSid = start.start.streamSid;
    this.callSid = start.start.callSid;
    this.conversationId = claims.conversationId;
    this.context = claims.context;
    // Signed in the token; only a token from before tokens carried it falls back to the parameter.
    this.resume = claims.context ? claims.context.resume : start.start.customParameters.resume;
    this.opening = claims.context?.opening;
    this.messages = new StreamMessageWriter(this.streamSid);
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Sends μ-law 8 kHz audio; Twilio buffers it and plays it in order. */
  sendAudio(mulaw: Uint8Array): void {
    if (!this.isOpen || mulaw.length === 0) return;
    const payload = Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64');
    this.send(this.messages.media(payload));
  }

  /** Twilio echoes the mark once everything sent before it has played. */
  sendMark(name: string): void {
    if (this.isOpen) this.send(this.messages.mark(name));
  }

  /** Drops audio Twilio has not played yet; Twilio then echoes every outstanding mark. */
  clear(): void {
    if (this.isOpen) this.send(this.messages.clear());
  }

  /**
   * Everything sent in one turn of the event loop leaves in one write: a model delta becomes two
   * 20 ms frames and a mark, and as separate writes each was a syscall — `writev` was the largest
   * single cost under load (22 % of the service's CPU, README "Where the CPU goes"). The socket is
   * uncorked straight after the current turn, so nothing waits behind it.
   */
  private send(message: string): void {
    if (this.transport && !this.corked) {
      this.corked = true;
      this.transport.cork();
      process.nextTick(this.uncork);
    }
    this.socket.send(message);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.transport?.uncork();
  };

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(code, reason);
  }
}

/**
 * The `errorHandler` for @fastify/websocket. Its default logs a peer's protocol error (an oversized
 * or invalid frame) at error level and terminates the socket at once, so the close frame saying
 * why (1009, 1007) never reaches the peer. ws has already begun a clean close for those; only a
 * failure of our own handler leaves the socket open, and that one is ours to log and close.
 */
export function onMediaSocketError(error: Error, socket: WebSocket, request: FastifyRequest): void {
  if (socket.readyState === socket.OPEN) {
    request.log.error({ err: error }, 'media stream handler failed');
    socket.close(1011, 'internal error');
    return;
  }
  request.log.debug({ err: error }, 'media stream socket error');
}

export type AdmissionVerdict = { ok: true } | { ok: false; reason: 'reused' | 'call-ended' };

/**
 * Decides, once per stream at `start`, whether a stream whose token checked out on this machine
 * may run: the token's one use across machines, and whether its call has ended. Must answer
 * within a few hundred milliseconds whatever the database does.
 */
export interface StreamAdmission {
  admit(claims: StreamTokenClaims, streamSid: string, log: FastifyBaseLogger): Promise<AdmissionVerdict>;
}

export interface MediaStreamRouteOptions {
  config: Config;
  tokens: StreamTokens;
  admission: StreamAdmission;
  /** Called synchronously on a valid `start`: attach listeners before returning or awaiting. */
  onStream(stream: MediaStream, log: FastifyBaseLogger): void;
}

function onMedia(stream: MediaStream, timestampMs: number, audio: Buffer | undefined): void {
  stream.lastMediaTimestampMs = timestampMs;
  if (audio) stream.emit('media', audio, timestampMs);
}

export function registerMediaStreamRoute(app: FastifyInstance, options: MediaStreamRouteOptions): void {
  const { config, tokens, admission, onStream } = options;

  app.route({
    method: 'GET',
    url: MEDIA_STREAM_PATH,
    // A plain GET (no upgrade) is answered like any other wrong request.
    handler: async (_request, reply) =>
      reply.status(426).send({ error: { code: 'UPGRADE_REQUIRED', message: 'This is the Twilio media-stream WebSocket.' } }),
    // Runs before the upgrade. Twilio signs the handshake (X-Twilio-Signature over the <Stream url>,
    // no parameters); which scheme it signs is not documented, so both forms of our public URL are
    // accepted. An upgrade without the header is refused like a wrong one. The signature is the same
    // for every stream (no nonce), so the one-time token checked at `start` stays the real key.
    preValidation: async (request, reply) => {
      if (!request.ws) return; // a plain GET gets the 426 below
      const signature = request.headers['x-twilio-signature'];
      const given = typeof signature === 'string' ? signature : undefined;
      const ok =
        isValidTwilioSignature(config.twilio.authToken, given, publicWebSocketUrl(config.publicBaseUrl, request.url), {}) ||
        isValidTwilioSignature(config.twilio.authToken, given, publicUrl(config.publicBaseUrl, request.url), {});
      if (!ok) {
        request.log.warn({ hasSignature: given !== undefined }, 'refused media stream upgrade without a valid Twilio signature');
        await reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'The X-Twilio-Signature does not match this request.' } });
      }
    },
    wsHandler: (socket, request) => {
      // Listeners first, synchronously: frames that arrive before them would be lost.
      let stream: MediaStream | undefined;
      /**
       * From `start` until the stream is admitted: what arrived meanwhile, delivered in order once
       * it is in (checked for pace and shape on arrival, as always), dropped if it is refused.
       */
      let held: ((stream: MediaStream) => void)[] | undefined;
      let malformed = 0;
      let consecutiveMalformed = 0;
      const pace = new StreamRateGuard(STREAM_RATE_LIMITS);
      const log = request.log;

      const startTimer = setTimeout(() => {
        log.warn('media stream sent no start in time; closing');
        socket.close(CLOSE_POLICY, 'no start');
      }, START_TIMEOUT_MS);

      socket.on('close', (code) => {
        clearTimeout(startTimer);
        if (pace.droppedFrames > 0)
          log.warn({ droppedFrames: pace.droppedFrames, droppedMs: Math.round(pace.droppedMs) }, 'media stream sent audio faster than real time');
        stream?.emit('closed', code);
        stream?.removeAllListeners();
      });

      const deliver = (action: (stream: MediaStream) => void) => {
        if (stream) action(stream);
        else if (held && held.length < MAX_HELD_MESSAGES) held.push(action);
      };

      /**
       * The token checked out here; the stream runs once admission says it is the token's one use
       * and its call has not ended. That answer may take a database round trip, bounded by the
       * admission to a few hundred ms (and none while the database is known away): the caller is
       * hearing the line connect, the model session is already open, and nothing they say is lost.
       */
      const admit = (start: StartMessage, claims: StreamTokenClaims) => {
        held = [];
        admission.admit(claims, start.start.streamSid, log).then(
          (verdict) => {
            if (socket.readyState !== socket.OPEN) return; // the peer left meanwhile
            if (!verdict.ok) {
              log.warn({ reason: verdict.reason, callSid: start.start.callSid }, 'refused media stream: its token was used or its call is over');
              held = undefined;
              socket.close(CLOSE_POLICY, 'invalid stream token');
              return;
            }
            const admitted = new MediaStream(socket, start, claims, request.raw.socket);
            stream = admitted;
            onStream(admitted, log.child({ callSid: admitted.callSid, conversationId: admitted.conversationId }));
            const waiting = held ?? [];
            held = undefined;
            for (const action of waiting) action(admitted);
          },
          (error: unknown) => {
            held = undefined;
            log.error({ err: error }, 'media stream admission failed');
            socket.close(1011, 'internal error');
          },
        );
      };

      socket.on('message', (data, isBinary) => {
        // Once we have closed, whatever the peer still had in flight is not worth parsing.
        if (socket.readyState !== socket.OPEN) return;
        if (!pace.message()) {
          log.warn('media stream floods us with messages; closing');
          socket.close(CLOSE_POLICY, 'too many messages');
          return;
        }
        const parsed = isBinary ? ({ kind: 'malformed', reason: 'binary frame' } as const) : parseStreamMessage(data.toString());
        if (parsed.kind === 'malformed') {
          malformed += 1;
          consecutiveMalformed += 1;
          if (malformed === 1) log.warn({ reason: parsed.reason }, 'malformed media stream message');
          if (consecutiveMalformed >= MAX_CONSECUTIVE_MALFORMED || malformed >= MAX_MALFORMED) {
            log.warn({ malformed }, 'media stream keeps sending malformed messages; closing');
            socket.close(CLOSE_INVALID_DATA, 'malformed messages');
          }
          return;
        }
        consecutiveMalformed = 0;
        if (parsed.kind === 'unknown-event') return;
        const message = parsed.message;

        if (!stream && !held) {
          if (message.event !== 'start') return; // `connected`, or media before start: nothing to do yet.
          clearTimeout(startTimer);
          const check = tokens.redeem(message.start.customParameters.streamToken, message.start.callSid);
          if (!check.ok) {
            log.warn({ reason: check.reason, callSid: message.start.callSid }, 'refused media stream: bad stream token');
            socket.close(CLOSE_POLICY, 'invalid stream token');
            return;
          }
          admit(message, check.claims);
          return;
        }

        switch (message.event) {
          case 'media': {
            const timestamp = message.media.timestamp;
            // Only the caller's side: Twilio sends inbound audio only, but be strict.
            const audio = message.media.track && message.media.track !== 'inbound' ? undefined : Buffer.from(message.media.payload, 'base64');
            const verdict = audio ? pace.audio(audio.length / MULAW_BYTES_PER_MS) : 'drop';
            // The hot path: straight to the stream, no closure (held frames are the first few hundred ms only).
            if (stream) onMedia(stream, timestamp, verdict === 'accept' ? audio : undefined);
            else deliver((s) => onMedia(s, timestamp, verdict === 'accept' ? audio : undefined));
            if (verdict === 'close') socket.close(CLOSE_POLICY, 'audio faster than real time');
            else if (verdict === 'drop' && audio && pace.droppedFrames === 1) log.warn('media stream runs ahead of real time; dropping frames');
            return;
          }
          case 'mark': {
            const name = message.mark.name;
            deliver((s) => s.emit('mark', name));
            return;
          }
          case 'dtmf': {
            const digit = message.dtmf.digit;
            deliver((s) => s.emit('dtmf', digit));
            return;
          }
          case 'stop':
            deliver((s) => s.emit('stop'));
            return;
          default:
            return; // a second start or connected: ignore
        }
      });
    },
  });
}
