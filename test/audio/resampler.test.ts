import t from 'tap';

import { Downsampler24kTo8k, Upsampler8kTo24k } from '../../src/audio/resampler.js';
import {
  aliasRejectionDb,
  downsampleReferenceDb,
  downsampleTone,
  frequencies,
  groupDelayMs,
  roundTripTone,
  upsampleTone,
} from './resampler-measurements.js';
import { chunkSizes, concatInt16, mixedSignal, randomChunkSizes } from './signals.js';

const PASSBAND = frequencies(300, 3400, 10);

/** Max minus min of a list of dB values. */
function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

t.test('a 1 kHz tone upsampled to 24 kHz is still a 1 kHz tone at the same level', async (t) => {
  const tone = upsampleTone(1000);
  t.ok(Math.abs(tone.gainDb) < 0.2, `level change ${tone.gainDb.toFixed(3)} dB`);
  t.ok(tone.residualDb < -60, `everything else is ${tone.residualDb.toFixed(1)} dB below the tone`);
});

t.test('upsampling keeps images at least 60 dB below tones from 300 to 3400 Hz', async (t) => {
  const worst = Math.max(...PASSBAND.map((f) => upsampleTone(f).worstImageDb));
  t.ok(worst <= -60, `worst image ${worst.toFixed(1)} dB`);
});

t.test('a 5 kHz tone at 24 kHz is at least 60 dB down after decimation to 8 kHz', async (t) => {
  const tone = downsampleTone(5000);
  t.equal(tone.outFreqHz, 3000, 'it would alias to 3 kHz');
  const rejection = aliasRejectionDb(5000);
  t.ok(rejection >= 60, `rejected by ${rejection.toFixed(1)} dB`);
});

t.test('every tone from 4 to 12 kHz is at least 60 dB below an in-band tone after decimation', async (t) => {
  const reference = downsampleReferenceDb();
  const worst = Math.min(...frequencies(4000, 12000, 10).map((f) => aliasRejectionDb(f, reference)));
  t.ok(worst >= 60, `worst rejection ${worst.toFixed(1)} dB`);
});

t.test('upsampling is flat within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => upsampleTone(f).gainDb);
  t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
});

t.test('downsampling is flat within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => downsampleTone(f).levelDb);
  t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
});

t.test('a round trip up then down stays within 0.5 dB from 300 to 3400 Hz', async (t) => {
  const gains = PASSBAND.map((f) => roundTripTone(f).gainDb);
  t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, `worst ${Math.min(...gains).toFixed(3)} dB`);
});

t.test('upsampling delays the passband by at most 2 ms', async (t) => {
  const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('up', f)));
  t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
});

t.test('downsampling delays the passband by at most 2 ms', async (t) => {
  const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('down', f)));
  t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
});

const SIGNAL_8K = mixedSignal(8000 * 2, 8000, 7);
const SIGNAL_24K = mixedSignal(24000 * 2, 24000, 8);

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

t.test('upsampling in chunks is bit-identical to upsampling in one call', async (t) => {
  const whole = new Upsampler8kTo24k().process(SIGNAL_8K);
  for (const [name, sizes] of chunkings(SIGNAL_8K.length)) {
    const up = new Upsampler8kTo24k();
    const chunked = runInChunks((chunk) => up.process(chunk), SIGNAL_8K, sizes);
    t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
  }
});

t.test('downsampling in chunks is bit-identical to downsampling in one call', async (t) => {
  const whole = new Downsampler24kTo8k().process(SIGNAL_24K);
  t.equal(whole.length, SIGNAL_24K.length / 3);
  for (const [name, sizes] of chunkings(SIGNAL_24K.length)) {
    const down = new Downsampler24kTo8k();
    const chunked = runInChunks((chunk) => down.process(chunk), SIGNAL_24K, sizes);
    t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
  }
});

t.test('the downsampler keeps every third sample across calls, so output length follows the phase', async (t) => {
  const down = new Downsampler24kTo8k();
  const lengths = [1, 1, 1, 1, 2, 4, 0, 5].map((n) => {
    const expected = down.outputLength(n);
    const actual = down.process(new Int16Array(n)).length;
    t.equal(actual, expected, `outputLength(${n}) predicts process()`);
    return actual;
  });
  // Kept input positions are 0, 3, 6, 9, 12: the chunks [0] [1] [2] [3] [4,5] [6..9] [] [10..14].
  t.same(lengths, [1, 0, 0, 1, 0, 2, 0, 1]);
});

t.test('reset makes the upsampler behave like a new one', async (t) => {
  const up = new Upsampler8kTo24k();
  up.process(SIGNAL_8K.subarray(0, 1234));
  up.reset();
  const fresh = new Upsampler8kTo24k().process(SIGNAL_8K.subarray(2000, 3000));
  t.same(Array.from(up.process(SIGNAL_8K.subarray(2000, 3000))), Array.from(fresh));
});

t.test('reset makes the downsampler behave like a new one, decimation phase included', async (t) => {
  const down = new Downsampler24kTo8k();
  down.process(SIGNAL_24K.subarray(0, 1001)); // leaves the phase mid-way
  down.reset();
  const fresh = new Downsampler24kTo8k().process(SIGNAL_24K.subarray(5000, 6000));
  t.same(Array.from(down.process(SIGNAL_24K.subarray(5000, 6000))), Array.from(fresh));
});

t.test('the resamplers write into a provided output buffer and return exactly the right length', async (t) => {
  const up = new Upsampler8kTo24k();
  const upOut = new Int16Array(600);
  const upResult = up.process(SIGNAL_8K.subarray(0, 160), upOut);
  t.equal(upResult.length, 480);
  t.equal(upResult.buffer, upOut.buffer);
  t.equal(up.process(SIGNAL_8K.subarray(160, 320), upOut.subarray(0, 480)).length, 480);

  const down = new Downsampler24kTo8k();
  const downOut = new Int16Array(160);
  t.equal(down.process(SIGNAL_24K.subarray(0, 480), downOut), downOut, 'exact size is returned as is');
  t.equal(down.process(SIGNAL_24K.subarray(480, 487), downOut).length, 3);
});

t.test('an output buffer that is too small is rejected', async (t) => {
  t.throws(() => new Upsampler8kTo24k().process(new Int16Array(160), new Int16Array(479)), RangeError);
  t.throws(() => new Downsampler24kTo8k().process(new Int16Array(480), new Int16Array(159)), RangeError);
});

t.test('full-scale input is clamped to int16 instead of wrapping around', async (t) => {
  // A full-scale square wave makes the filter overshoot past ±32767.
  const square = Int16Array.from({ length: 800 }, (_, i) => ((i >> 3) & 1 ? 32767 : -32768));
  const up = new Upsampler8kTo24k().process(square);
  const down = new Downsampler24kTo8k().process(up);
  const hits = (a: Int16Array) => a.filter((v) => v === 32767 || v === -32768).length;
  t.ok(hits(up) > 0, 'upsampler output reaches the rails');
  // Wrap-around would show as sign flips between neighbours at the rails.
  let flips = 0;
  for (let i = 1; i < up.length; i++) if (Math.abs(up[i]! - up[i - 1]!) > 40000) flips++;
  t.equal(flips, 0, 'no wrap-around in the upsampler');
  flips = 0;
  for (let i = 1; i < down.length; i++) if (Math.abs(down[i]! - down[i - 1]!) > 60000) flips++;
  t.equal(flips, 0, 'no wrap-around in the downsampler');
});
