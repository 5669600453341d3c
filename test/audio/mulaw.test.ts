import t from 'tap';
import alawmulaw from 'alawmulaw';

import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw.js';

const { mulaw } = alawmulaw;

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

t.test('every μ-law code decodes exactly as alawmulaw decodes it', async (t) => {
  t.same(Array.from(decodeMulaw(ALL_CODES)), Array.from(mulaw.decode(ALL_CODES)));
});

t.test('every int16 value encodes exactly as alawmulaw encodes it', async (t) => {
  t.same(Array.from(encodeMulaw(ALL_SAMPLES)), Array.from(mulaw.encode(ALL_SAMPLES)));
});

t.test('re-encoding a decoded code gives a code that decodes to the same value', async (t) => {
  // Only 0x7f and 0xff collide (both are zero); every other code maps to itself.
  const decoded = decodeMulaw(ALL_CODES);
  const reencoded = encodeMulaw(decoded);
  t.same(Array.from(decodeMulaw(reencoded)), Array.from(decoded));
  const changed = ALL_CODES.filter((code) => reencoded[code] !== code);
  t.same(Array.from(changed), [0x7f]);
});

t.test('encoding then decoding stays within half a μ-law step of the input', async (t) => {
  const roundTrip = decodeMulaw(encodeMulaw(ALL_SAMPLES));
  let violations = 0;
  for (let i = 0; i < ALL_SAMPLES.length; i++) {
    const x = ALL_SAMPLES[i]!;
    if (Math.abs(x) > 32000) continue; // μ-law clips at ±32124
    // Half the step of x's segment: the segment starts at (|x| + 132) ≥ 128·2^e and its step is 8·2^e.
    if (Math.abs(roundTrip[i]! - x) > (Math.abs(x) + 132) / 32) violations++;
  }
  t.equal(violations, 0);
});

t.test('a provided output buffer is filled in place and trimmed to the input length', async (t) => {
  const pcm = new Int16Array(10).fill(1234);
  const decoded = decodeMulaw(ALL_CODES.subarray(0, 4), pcm);
  t.equal(decoded.length, 4);
  t.equal(decoded.buffer, pcm.buffer);
  t.equal(pcm[4], 1234, 'samples past the input length are untouched');

  const bytes = new Uint8Array(160);
  const encoded = encodeMulaw(new Int16Array(160), bytes);
  t.equal(encoded, bytes, 'an exactly sized buffer is returned as is');
});

t.test('an output buffer that is too small is rejected', async (t) => {
  t.throws(() => decodeMulaw(new Uint8Array(4), new Int16Array(3)), RangeError);
  t.throws(() => encodeMulaw(new Int16Array(4), new Uint8Array(3)), RangeError);
});
