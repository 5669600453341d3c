import t from 'tap';
import { parseStreamMessage, parseWithSchema } from '../../src/telephony/media-stream-messages.js';

const ABSENT = Symbol('absent');

/** Every combination of good and bad values for the fields of a media message. */
function mediaVariants(): unknown[] {
  const streamSids = [ABSENT, 'MZ1', 'x'.repeat(64), 'x'.repeat(65), 5, null];
  const tracks = [ABSENT, 'inbound', 'outbound', 3, null];
  const chunks = [ABSENT, '2', 2, 0, -1, 1.5, '1a', '', null, 2 ** 53];
  const timestamps = [ABSENT, '5', '0005', 5, 0, -5, 5.5, '', 'x', null, 1e20, 2 ** 53 - 1, true];
  const payloads = [ABSENT, 'AAAA', 'AA==', 'A=A=', '', '!!!', 'A'.repeat(16_384), 'A'.repeat(16_385), 5, null];
  const variants: unknown[] = [];
  for (const streamSid of streamSids)
    for (const track of tracks)
      for (const chunk of chunks)
        for (const timestamp of timestamps)
          for (const payload of payloads) {
            const media: Record<string, unknown> = { extra: 'ignored' };
            if (track !== ABSENT) media.track = track;
            if (chunk !== ABSENT) media.chunk = chunk;
            if (timestamp !== ABSENT) media.timestamp = timestamp;
            if (payload !== ABSENT) media.payload = payload;
            const message: Record<string, unknown> = { event: 'media', sequenceNumber: '7', media };
            if (streamSid !== ABSENT) message.streamSid = streamSid;
            variants.push(message);
          }
  for (const media of [null, [], 'x', 5, [{ timestamp: '1', payload: 'AAAA' }]]) variants.push({ event: 'media', media });
  variants.push({ event: 'media' });
  return variants;
}

t.test('media messages are accepted, refused and parsed exactly as the schema would', async (t) => {
  const variants = mediaVariants();
  const disagreements = variants.filter((message) => {
    const fast = parseStreamMessage(JSON.stringify(message));
    const reference = parseWithSchema(JSON.parse(JSON.stringify(message)), 'media');
    return JSON.stringify(sortedKeys(fast)) !== JSON.stringify(sortedKeys(reference));
  });
  t.same(disagreements, [], `all ${variants.length} variants agree`);
  t.ok(variants.some((m) => parseStreamMessage(JSON.stringify(m)).kind === 'message'), 'some variants are valid');
  t.ok(variants.some((m) => parseStreamMessage(JSON.stringify(m)).kind === 'malformed'), 'some are not');
});

t.test("Twilio's media message comes out with numbers for its numeric strings and nothing extra", async (t) => {
  const parsed = parseStreamMessage(
    '{"event":"media","sequenceNumber":"4","streamSid":"MZ1","media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"//79/A=="}}',
  );
  t.strictSame(parsed, {
    kind: 'message',
    message: { event: 'media', streamSid: 'MZ1', media: { timestamp: 40, payload: '//79/A==', track: 'inbound', chunk: 2 } },
  });
});

/** The same value with object keys in sorted order, so key order does not count as a difference. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}
