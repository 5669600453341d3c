/** Hostile messages for the Twilio media WebSocket, shaped after the real protocol and then broken. */
import { hostileString, jsonText, mutateJson, randomJson } from './hostile-values.js';
import type { SeededRandom } from './seeded-random.js';

export interface StreamFrame {
  data: string | Buffer;
  binary: boolean;
}

export interface StreamIdentity {
  streamSid: string;
  callSid: string;
  /** The one-time token from the call's TwiML (a real one, a replayed one, or none). */
  streamToken: string | undefined;
  conversationId: string | undefined;
}

/** Over the service's 64 KiB message limit. */
const OVERSIZED_CHARS = 70 * 1024;

export function startMessage(id: StreamIdentity): Record<string, unknown> {
  const customParameters: Record<string, string> = {};
  if (id.streamToken !== undefined) customParameters.streamToken = id.streamToken;
  if (id.conversationId !== undefined) customParameters.conversationId = id.conversationId;
  return {
    event: 'start',
    sequenceNumber: '1',
    streamSid: id.streamSid,
    start: {
      accountSid: `AC${'0'.repeat(32)}`,
      streamSid: id.streamSid,
      callSid: id.callSid,
      tracks: ['inbound'],
      customParameters,
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  };
}

/** A well-formed message of the protocol; `start` is rare, as it ends an unauthenticated stream at once. */
function template(r: SeededRandom, id: StreamIdentity, sequence: number): Record<string, unknown> {
  const seq = String(sequence);
  return r.weighted<() => Record<string, unknown>>([
    [8, () => ({
      event: 'media',
      sequenceNumber: seq,
      streamSid: id.streamSid,
      media: { track: 'inbound', chunk: seq, timestamp: String(sequence * 20), payload: r.bytes(160).toString('base64') },
    })],
    [3, () => ({ event: 'mark', sequenceNumber: seq, streamSid: id.streamSid, mark: { name: r.pick([`m${r.int(0, 50)}`, 'unknown-mark', hostileString(r, 256)]) } })],
    [1, () => ({ event: 'dtmf', sequenceNumber: seq, streamSid: id.streamSid, dtmf: { track: 'inbound_track', digit: r.pick(['1', '#', '*', '0']) } })],
    [1, () => ({ event: 'connected', protocol: 'Call', version: '1.0.0' })],
    [0.3, () => startMessage(id)],
    [1, () => ({ event: r.pick(['future-event', 'clear', 'MEDIA', '', 'constructor', '__proto__']), sequenceNumber: seq })],
  ])();
}

function hostileMedia(r: SeededRandom, id: StreamIdentity, sequence: number): Record<string, unknown> {
  return {
    event: 'media',
    streamSid: id.streamSid,
    media: {
      track: r.pick(['inbound', 'outbound', 'both', undefined, 7]),
      chunk: r.pick(['1', '-1', 'x', 1.5, undefined]),
      timestamp: r.pick([String(sequence * 20), '9'.repeat(400), '-20', '1e3', 20, -1, null, '']),
      payload: r.pick([
        '',
        '====',
        '!!!not base64!!!',
        r.bytes(r.int(1, 12_000)).toString('base64'),
        'A'.repeat(16_384),
        'A'.repeat(16_385),
        r.bytes(3).toString('base64url'),
        `${r.bytes(160).toString('base64')}\n`,
      ]),
    },
  };
}

/** One message of a hostile stream (the `sequence`-th). Plain text unless `binary`. */
export function hostileStreamFrame(r: SeededRandom, id: StreamIdentity, sequence: number): StreamFrame {
  const wellFormed = () => template(r, id, sequence);
  return r.weighted<() => StreamFrame>([
    [30, () => ({ data: JSON.stringify(wellFormed()), binary: false })],
    [25, () => ({ data: JSON.stringify(mutateJson(r, wellFormed())), binary: false })],
    [10, () => ({ data: jsonText(r, wellFormed()), binary: false })],
    [8, () => ({ data: JSON.stringify(hostileMedia(r, id, sequence)), binary: false })],
    [8, () => ({ data: JSON.stringify(randomJson(r, 4)), binary: false })],
    [5, () => ({ data: hostileString(r, 2_000), binary: false })],
    [5, () => ({ data: r.bytes(r.int(1, 1_000)), binary: true })],
    [3, () => ({ data: JSON.stringify({ ...wellFormed(), event: 'media', media: 42 }), binary: false })],
    [1, () => ({ data: r.chance(0.5) ? 'x'.repeat(OVERSIZED_CHARS) : r.bytes(OVERSIZED_CHARS), binary: r.chance(0.5) })],
  ])();
}
