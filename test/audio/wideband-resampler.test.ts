import t from 'tap';

import { Downsampler16kTo8k, Upsampler8kTo16k } from '../../src/audio/wideband-resampler.js';
import {
  aliasRejectionDb,
  downsampleReferenceDb,
  downsampleTone,
  frequencies,
  groupDelayMs,
  PAIR_16K,
  roundTripTone,
  upsampleTone,
} from './resampler-measurements.js';
import { chunkSizes, concatInt16, mixedSignal, randomChunkSizes } from './signals.js';

/** The 8 kHz <-> 16 kHz pair, held to the same bars as the 8 kHz <-> 24 kHz one (resampler.test.ts). */
const PASSBAND = frequencies(300, 3400, 10);

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

t.test('a 1 kHz tone upsampled to 16 kHz is still a 1 kHz tone at the same level', async (t) => {
  const tone = upsampleTone(1000, PAIR_16K);
  t.ok(Math.abs(tone.gainDb) < 0.2, `level change ${tone.gainDb.toFixed(3)} dB`);
  t.ok(tone.residualDb < -60, `everything else is ${tone.residualDb.toFixed(1)} dB below the tone`);
});

t.test('upsampling to 16 kHz keeps images at least 60 dB below tones from 300 to 3400 Hz', async (t) => {
  const worst = Math.max(...PASSBAND.map((f) => upsampleTone(f, PAIR_16K).worstImageDb));
  t.ok(worst <= -60, `worst image ${worst.toFixed(1)} dB`);
});

t.test('a 5 kHz tone at 16 kHz is at least 60 dB down after decimation to 8 kHz', async (t) => {
  const tone = downsampleTone(5000, PAIR_16K);
  t.equal(tone.outFreqHz, 3000, 'it would alias to 3 kHz');
  const rejection = aliasRejectionDb(5000, undefined, PAIR_16K);
  t.ok(rejection >= 60, `rejected by ${rejection.toFixed(1)} dB`);
});

t.test('every tone from 4 to 8 kHz is at least 60 dB below an in-band tone after decimation from 16 kHz', async (t) => {
  const reference = downsampleReferenceDb(PAIR_16K);
  const worst = Math.min(...frequencies(4000, 8000, 10).map((f) => aliasRejectionDb(f, reference, PAIR_16K)));
  t.ok(worst >= 60, `worst rejection ${worst.toFixed(1)} dB`);
});

t.test('upsampling to 16 kHz is flat within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => upsampleTone(f, PAIR_16K).gainDb);
  t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
});

t.test('downsampling from 16 kHz is flat within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => downsampleTone(f, PAIR_16K).levelDb);
  t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
});

t.test('a round trip 8 → 16 → 8 kHz stays within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => roundTripTone(f, PAIR_16K).gainDb);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, `worst ${Math.min(...gains).toFixed(3)} dB`);
});

t.test('upsampling to 16 kHz delays the passband by at most 2 ms', async (t) => {
  const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('up', f, PAIR_16K)));
  t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
});

t.test('downsampling from 16 kHz delays the passband by at most 2 ms', async (t) => {
  const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('down', f, PAIR_16K)));
  t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
});

const SIGNAL_8K = mixedSignal(8000 * 2, 8000, 7);
const SIGNAL_16K = mixedSignal(16000 * 2, 16000, 9);

function chunkings(length: number): Array<[string, number[]]> {
  return [
    ['20 ms frames', chunkSizes(length, [length / 100])],
    ['7 samples', chunkSizes(length, [7])],
    ['1 sample', chunkSizes(length, [1])],
    ['sizes 1, 2, 3, 5, 1000', chunkSizes(length, [1, 2, 3, 5, 1000])],
    ['random sizes up to 5000', randomChunkSizes(length, 5000, 3)],
  ];
}

function runInChunks(process: (chunk: Int16Array) => Int16Array, signal: Int16Array, sizes: number[]): Int16Array {
  const parts: Int16Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(process(signal.subarray(offset, offset + size)).slice());
    offset += size;
  }
  return concatInt16(parts);
}

t.test('upsampling to 16 kHz in chunks is bit-identical to upsampling in one call', async (t) => {
  const whole = new Upsampler8kTo16k().process(SIGNAL_8K);
  t.equal(whole.length, SIGNAL_8K.length * 2);
  for (const [name, sizes] of chunkings(SIGNAL_8K.length)) {
    const up = new Upsampler8kTo16k();
    const chunked = runInChunks((chunk) => up.process(chunk), SIGNAL_8K, sizes);
    t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
  }
});

t.test('downsampling from 16 kHz in chunks is bit-identical to downsampling in one call', async (t) => {
  const whole = new Downsampler16kTo8k().process(SIGNAL_16K);
  t.equal(whole.length, SIGNAL_16K.length / 2);
  for (const [name, sizes] of chunkings(SIGNAL_16K.length)) {
    const down = new Downsampler16kTo8k();
    const chunked = runInChunks((chunk) => down.process(chunk), SIGNAL_16K, sizes);
    t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
  }
});

t.test('the 16 kHz downsampler keeps every second sample across calls, so output length follows the phase', async (t) => {
  const down = new Downsampler16kTo8k();
  const lengths = [1, 1, 1, 2, 3, 0, 4].map((n) => {
    const expected = down.outputLength(n);
    const actual = down.process(new Int16Array(n)).length;
    t.equal(actual, expected, `outputLength(${n}) predicts process()`);
    return actual;
  });
  // Kept input positions are 0, 2, 4, 6, 8: the chunks [0] [1] [2] [3,4] [5..7] [] [8..11].
  t.same(lengths, [1, 0, 1, 1, 1, 0, 2]);
});

t.test('reset makes the 16 kHz resamplers behave like new ones', async (t) => {
  const up = new Upsampler8kTo16k();
  up.process(SIGNAL_8K.subarray(0, 1234));
  up.reset();
  t.same(Array.from(up.process(SIGNAL_8K.subarray(2000, 3000))), Array.from(new Upsampler8kTo16k().process(SIGNAL_8K.subarray(2000, 3000))));
  const down = new Downsampler16kTo8k();
  down.process(SIGNAL_16K.subarray(0, 1001)); // leaves the phase mid-way
  down.reset();
  t.same(Array.from(down.process(SIGNAL_16K.subarray(5000, 6000))), Array.from(new Downsampler16kTo8k().process(SIGNAL_16K.subarray(5000, 6000))));
});

t.test('the 16 kHz resamplers write into a provided output buffer and reject one too small', async (t) => {
  const upOut = new Int16Array(400);
  const upResult = new Upsampler8kTo16k().process(SIGNAL_8K.subarray(0, 160), upOut);
  t.equal(upResult.length, 320);
  t.equal(upResult.buffer, upOut.buffer);
  const downOut = new Int16Array(160);
  t.equal(new Downsampler16kTo8k().process(SIGNAL_16K.subarray(0, 320), downOut), downOut, 'exact size is returned as is');
  t.throws(() => new Upsampler8kTo16k().process(new Int16Array(160), new Int16Array(319)), RangeError);
  t.throws(() => new Downsampler16kTo8k().process(new Int16Array(320), new Int16Array(159)), RangeError);
});

t.test('full-scale input is clamped to int16 at 16 kHz instead of wrapping around', async (t) => {
  const square = Int16Array.from({ length: 800 }, (_, i) => ((i >> 3) & 1 ? 32767 : -32768));
  const up = new Upsampler8kTo16k().process(square);
  const down = new Downsampler16kTo8k().process(up);
  t.ok(up.some((v) => v === 32767 || v === -32768), 'upsampler output reaches the rails');
  let flips = 0;
  for (let i = 1; i < up.length; i++) if (Math.abs(up[i]! - up[i - 1]!) > 40000) flips++;
  t.equal(flips, 0, 'no wrap-around in the upsampler');
  flips = 0;
  for (let i = 1; i < down.length; i++) if (Math.abs(down[i]! - down[i - 1]!) > 60000) flips++;
  t.equal(flips, 0, 'no wrap-around in the downsampler');
});
