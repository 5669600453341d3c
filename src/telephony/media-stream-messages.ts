import { z } from 'zod';

/**
 * The Twilio Media Streams wire protocol (bidirectional <Connect><Stream>). Inbound messages are
 * parsed by zod at this edge; numbers arrive as strings. Outbound messages are written by hand:
 * they are on the hot path and their shape is fixed.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// 20 ms of μ-law is 160 bytes (216 base64 chars); allow generous frames but nothing absurd.
const MAX_MEDIA_PAYLOAD_CHARS = 16_384;

const numeric = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);

const connectedMessage = z.object({ event: z.literal('connected') });

const startMessage = z.object({
  event: z.literal('start'),
  streamSid: z.string().min(1).max(64),
  start: z.object({
    streamSid: z.string().min(1).max(64),
    callSid: z.string().min(1).max(64),
    accountSid: z.string().max(64).optional(),
    tracks: z.array(z.string()).optional(),
    customParameters: z.record(z.string(), z.string().max(1024)).default({}),
    mediaFormat: z
      .object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() })
      .optional(),
  }),
});

const mediaMessage = z.object({
  event: z.literal('media'),
  streamSid: z.string().max(64).optional(),
  media: z.object({
    track: z.string().optional(),
    chunk: numeric.optional(),
    timestamp: numeric,
    payload: z.string().max(MAX_MEDIA_PAYLOAD_CHARS).regex(BASE64, 'payload must be base64'),
  }),
});

const markMessage = z.object({
  event: z.literal('mark'),
  streamSid: z.string().max(64).optional(),
  mark: z.object({ name: z.string().max(256) }),
});

const dtmfMessage = z.object({
  event: z.literal('dtmf'),
  dtmf: z.object({ digit: z.string().max(4), track: z.string().optional() }),
});

const stopMessage = z.object({
  event: z.literal('stop'),
  streamSid: z.string().max(64).optional(),
  stop: z.object({ callSid: z.string().optional(), accountSid: z.string().optional() }).optional(),
});

const knownMessage = z.discriminatedUnion('event', [
  connectedMessage,
  startMessage,
  mediaMessage,
  markMessage,
  dtmfMessage,
  stopMessage,
]);

export type StartMessage = z.infer<typeof startMessage>;
export type TwilioStreamMessage = z.infer<typeof knownMessage>;

const KNOWN_EVENTS = new Set(['connected', 'start', 'media', 'mark', 'dtmf', 'stop']);

export type ParsedStreamMessage =
  | { kind: 'message'; message: TwilioStreamMessage }
  | { kind: 'unknown-event' }
  | { kind: 'malformed'; reason: string };

export function parseStreamMessage(raw: string): ParsedStreamMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'malformed', reason: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'malformed', reason: 'not an object' };
  const event = (json as { event?: unknown }).event;
  if (typeof event !== 'string') return { kind: 'malformed', reason: 'no event' };
  // Twilio may add events; ignoring them keeps old code working with new streams.
  if (!KNOWN_EVENTS.has(event)) return { kind: 'unknown-event' };
  if (event === 'media') {
    const media = validMediaMessage(json as Record<string, unknown>);
    if (media) return { kind: 'message', message: media };
  }
  return parseWithSchema(json, event);
}

/** The zod schema alone: the reference the hand-written media check is tested against, and its fallback. */
export function parseWithSchema(json: unknown, event: string): ParsedStreamMessage {
  const parsed = knownMessage.safeParse(json);
  if (!parsed.success) return { kind: 'malformed', reason: `${event}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { kind: 'message', message: parsed.data };
}

type MediaMessage = z.infer<typeof mediaMessage>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON number or digit string as a safe non-negative integer, as `numeric` parses it. */
function numericValue(value: unknown): number | undefined {
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The media message, checked by hand with exactly the schema's rules, or undefined when anything
 * is off (the schema then says what). Media arrives 50 times a second per call: zod's union and
 * object parsing was most of the per-frame parse cost, 11 % of the service's CPU under load
 * (README, "Where the CPU goes"). test/telephony/media-stream-messages.test.ts holds the two to
 * the same answers.
 */
function validMediaMessage(json: Record<string, unknown>): MediaMessage | undefined {
  const { streamSid, media } = json;
  if (streamSid !== undefined && (typeof streamSid !== 'string' || streamSid.length > 64)) return undefined;
  if (!isPlainObject(media)) return undefined;
  const { track, chunk, timestamp, payload } = media;
  if (track !== undefined && typeof track !== 'string') return undefined;
  const chunkNumber = chunk === undefined ? undefined : numericValue(chunk);
  if (chunk !== undefined && chunkNumber === undefined) return undefined;
  const timestampNumber = numericValue(timestamp);
  if (timestampNumber === undefined) return undefined;
  if (typeof payload !== 'string' || payload.length > MAX_MEDIA_PAYLOAD_CHARS || !BASE64.test(payload)) return undefined;
  const parsed: MediaMessage['media'] = { timestamp: timestampNumber, payload };
  if (track !== undefined) parsed.track = track;
  if (chunkNumber !== undefined) parsed.chunk = chunkNumber;
  return streamSid === undefined ? { event: 'media', media: parsed } : { event: 'media', streamSid, media: parsed };
}

/** Our messages to Twilio on one stream, its id serialised once rather than per frame. */
export class StreamMessageWriter {
  private readonly mediaPrefix: string;
  private readonly markPrefix: string;
  private readonly clearMessage: string;

  constructor(streamSid: string) {
    const sid = JSON.stringify(streamSid);
    this.mediaPrefix = `{"event":"media","streamSid":${sid},"media":{"payload":"`;
    this.markPrefix = `{"event":"mark","streamSid":${sid},"mark":{"name":`;
    this.clearMessage = `{"event":"clear","streamSid":${sid}}`;
  }

  media(payloadBase64: string): string {
    return `${this.mediaPrefix}${payloadBase64}"}}`;
  }

  mark(name: string): string {
    return `${this.markPrefix}${JSON.stringify(name)}}}`;
  }

  clear(): string {
    return this.clearMessage;
  }
}
