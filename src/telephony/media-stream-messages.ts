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
  const parsed = knownMessage.safeParse(json);
  if (!parsed.success) return { kind: 'malformed', reason: `${event}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { kind: 'message', message: parsed.data };
}

export function mediaFrame(streamSid: string, payloadBase64: string): string {
  return `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"${payloadBase64}"}}`;
}

export function markFrame(streamSid: string, name: string): string {
  return `{"event":"mark","streamSid":${JSON.stringify(streamSid)},"mark":{"name":${JSON.stringify(name)}}}`;
}

export function clearFrame(streamSid: string): string {
  return `{"event":"clear","streamSid":${JSON.stringify(streamSid)}}`;
}
