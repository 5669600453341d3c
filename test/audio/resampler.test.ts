import { createHash } from 'node:crypto';

import t from 'tap';

import {
  COEFFS_16K,
  COEFFS_24K,
  type Downsampler,
  Downsampler16kTo8k,
  Downsampler24kTo8k,
  type ResamplerCoefficients,
  Upsampler,
  Upsampler8kTo16k,
  Upsampler8kTo24k,
} from '../../src/audio/resampler.js';
import {
  aliasRejectionDb,
  downsampleReferenceDb,
  downsampleTone,
  frequencies,
  groupDelayMs,
  PAIR_16K,
  PAIR_24K,
  type ResamplerPair,
  roundTripTone,
  upsampleTone,
} from './resampler-measurements.js';
import { chunkSizes, concatInt16, mixedSignal, randomChunkSizes, seededRandom } from './signals.js';

/** Both rate pairs are held to the same bars; each case holds what differs between them. */
interface RateCase {
  kHz: number;
  pair: ResamplerPair;
  coeffs: ResamplerCoefficients;
  Up: new () => Upsampler;
  Down: new () => Downsampler;
  /** Two seconds of test signal at the high rate. */
  signal: Int16Array;
  /** Which input samples the decimator keeps, in words. */
  every: string;
  /** Chunk lengths fed to a fresh downsampler, and the output length of each. */
  phaseChunks: number[];
  phaseLengths: number[];
  /**
   * sha256 of the output for a minute of noise (noiseMinute), computed from the hand-written
   * per-rate classes this implementation replaced (resampler.ts / wideband-resampler.ts at 31104fe).
   */
  sha256: { up: string; down: string };
  /** Seed of the high-rate noise minute fed to the downsampler. */
  downNoiseSeed: number;
}

const CASES: RateCase[] = [
  {
    kHz: 24, pair: PAIR_24K, coeffs: COEFFS_24K, Up: Upsampler8kTo24k, Down: Downsampler24kTo8k,
    signal: mixedSignal(24000 * 2, 24000, 8), every: 'third',
    // Kept input positions are 0, 3, 6, 9, 12: the chunks [0] [1] [2] [3] [4,5] [6..9] [] [10..14].
    phaseChunks: [1, 1, 1, 1, 2, 4, 0, 5], phaseLengths: [1, 0, 0, 1, 0, 2, 0, 1],
    sha256: {
      up: 'edb990b3b2477777ecec1d2fdf43a8ab798cc69f744cd01c3434cceca2edf773',
      down: '9a6d98220b6dcca49fd5a1b84b9a17d2fe180a011d650dbdefe4babd0d2cf2c7',
    },
    downNoiseSeed: 2,
  },
  {
    kHz: 16, pair: PAIR_16K, coeffs: COEFFS_16K, Up: Upsampler8kTo16k, Down: Downsampler16kTo8k,
    signal: mixedSignal(16000 * 2, 16000, 9), every: 'second',
    // Kept input positions are 0, 2, 4, 6, 8: the chunks [0] [1] [2] [3,4] [5..7] [] [8..11].
    phaseChunks: [1, 1, 1, 2, 3, 0, 4], phaseLengths: [1, 0, 1, 1, 1, 0, 2],
    sha256: {
      up: 'bd160cb631e27f6c70f6f4d05159405c38d561d88453c754f44da5ba07b3b41c',
      down: '80b0a1b96fba387e15427a3fb7da9adfa7940177a0883e8adfb58dd1874c2f61',
    },
    downNoiseSeed: 3,
  },
];

const PASSBAND = frequencies(300, 3400, 10);
const SIGNAL_8K = mixedSignal(8000 * 2, 8000, 7);

/** Max minus min of a list of dB values. */
function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

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

/** A minute of noise in half-second stretches: full scale (clamping), quiet, digital silence (denormal guard), very quiet. */
function noiseMinute(sampleRate: number, seed: number): Int16Array {
  const random = seededRandom(seed);
  const levels = [1, 0.1, 0, 0.003];
  const length = sampleRate * 60;
  return Int16Array.from({ length }, (_, i) => Math.round((random() - 0.5) * 65535 * levels[Math.floor((i * 120) / length) % 4]!));
}

function sha256(samples: Int16Array): string {
  return createHash('sha256').update(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex');
}

for (const { kHz, pair, coeffs, Up, Down, signal, every, phaseChunks, phaseLengths, sha256: expected, downNoiseSeed } of CASES) {
  const factor = kHz / 8;

  t.test(`a 1 kHz tone upsampled to ${kHz} kHz is still a 1 kHz tone at the same level`, async (t) => {
    const tone = upsampleTone(1000, pair);
    t.ok(Math.abs(tone.gainDb) < 0.2, `level change ${tone.gainDb.toFixed(3)} dB`);
    t.ok(tone.residualDb < -60, `everything else is ${tone.residualDb.toFixed(1)} dB below the tone`);
  });

  t.test(`upsampling to ${kHz} kHz keeps images at least 60 dB below tones from 300 to 3400 Hz`, async (t) => {
    const worst = Math.max(...PASSBAND.map((f) => upsampleTone(f, pair).worstImageDb));
    t.ok(worst <= -60, `worst image ${worst.toFixed(1)} dB`);
  });

  t.test(`a 5 kHz tone at ${kHz} kHz is at least 60 dB down after decimation to 8 kHz`, async (t) => {
    const tone = downsampleTone(5000, pair);
    t.equal(tone.outFreqHz, 3000, 'it would alias to 3 kHz');
    const rejection = aliasRejectionDb(5000, undefined, pair);
    t.ok(rejection >= 60, `rejected by ${rejection.toFixed(1)} dB`);
  });

  t.test(`every tone from 4 to ${kHz / 2} kHz is at least 60 dB below an in-band tone after decimation from ${kHz} kHz`, async (t) => {
    const reference = downsampleReferenceDb(pair);
    const worst = Math.min(...frequencies(4000, kHz * 500, 10).map((f) => aliasRejectionDb(f, reference, pair)));
    t.ok(worst >= 60, `worst rejection ${worst.toFixed(1)} dB`);
  });

  t.test(`upsampling to ${kHz} kHz is flat within 0.5 dB from 300 to 3400 Hz`, async (t) => {
    const gains = PASSBAND.map((f) => upsampleTone(f, pair).gainDb);
    t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
    t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
  });

  t.test(`downsampling from ${kHz} kHz is flat within 0.5 dB from 300 to 3400 Hz`, async (t) => {
    const gains = PASSBAND.map((f) => downsampleTone(f, pair).levelDb);
    t.ok(spread(gains) <= 0.5, `ripple ${spread(gains).toFixed(3)} dB`);
    t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, 'and within 0.5 dB of unity gain');
  });

  t.test(`a round trip 8 → ${kHz} → 8 kHz stays within 0.5 dB from 300 to 3400 Hz`, async (t) => {
    const gains = PASSBAND.map((f) => roundTripTone(f, pair).gainDb);
    t.ok(Math.max(...gains.map(Math.abs)) <= 0.5, `worst ${Math.min(...gains).toFixed(3)} dB`);
  });

  t.test(`upsampling to ${kHz} kHz delays the passband by at most 2 ms`, async (t) => {
    const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('up', f, pair)));
    t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
  });

  t.test(`downsampling from ${kHz} kHz delays the passband by at most 2 ms`, async (t) => {
    const worst = Math.max(...frequencies(300, 3400, 100).map((f) => groupDelayMs('down', f, pair)));
    t.ok(worst > 0 && worst <= 2, `max group delay ${worst.toFixed(3)} ms`);
  });

  t.test(`upsampling to ${kHz} kHz in chunks is bit-identical to upsampling in one call`, async (t) => {
    const whole = new Up().process(SIGNAL_8K);
    t.equal(whole.length, SIGNAL_8K.length * factor);
    for (const [name, sizes] of chunkings(SIGNAL_8K.length)) {
      const up = new Up();
      const chunked = runInChunks((chunk) => up.process(chunk), SIGNAL_8K, sizes);
      t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
    }
  });

  t.test(`downsampling from ${kHz} kHz in chunks is bit-identical to downsampling in one call`, async (t) => {
    const whole = new Down().process(signal);
    t.equal(whole.length, signal.length / factor);
    for (const [name, sizes] of chunkings(signal.length)) {
      const down = new Down();
      const chunked = runInChunks((chunk) => down.process(chunk), signal, sizes);
      t.ok(Buffer.from(chunked.buffer).equals(Buffer.from(whole.buffer)), name);
    }
  });

  t.test(`the ${kHz} kHz downsampler keeps every ${every} sample across calls, so output length follows the phase`, async (t) => {
    const down = new Down();
    const lengths = phaseChunks.map((n) => {
      const expectedLength = down.outputLength(n);
      const actual = down.process(new Int16Array(n)).length;
      t.equal(actual, expectedLength, `outputLength(${n}) predicts process()`);
      return actual;
    });
    t.same(lengths, phaseLengths);
  });

  t.test(`reset makes the upsampler to ${kHz} kHz behave like a new one`, async (t) => {
    const up = new Up();
    up.process(SIGNAL_8K.subarray(0, 1234));
    up.reset();
    const fresh = new Up().process(SIGNAL_8K.subarray(2000, 3000));
    t.same(Array.from(up.process(SIGNAL_8K.subarray(2000, 3000))), Array.from(fresh));
  });

  t.test(`reset makes the downsampler from ${kHz} kHz behave like a new one, decimation phase included`, async (t) => {
    const down = new Down();
    down.process(signal.subarray(0, 1001)); // leaves the phase mid-way
    down.reset();
    const fresh = new Down().process(signal.subarray(5000, 6000));
    t.same(Array.from(down.process(signal.subarray(5000, 6000))), Array.from(fresh));
  });

  t.test(`the ${kHz} kHz resamplers write into a provided output buffer and return exactly the right length`, async (t) => {
    const up = new Up();
    const upOut = new Int16Array(600);
    const upResult = up.process(SIGNAL_8K.subarray(0, 160), upOut);
    t.equal(upResult.length, 160 * factor);
    t.equal(upResult.buffer, upOut.buffer);
    t.equal(up.process(SIGNAL_8K.subarray(160, 320), upOut.subarray(0, 160 * factor)).length, 160 * factor);

    const down = new Down();
    const downOut = new Int16Array(160);
    t.equal(down.process(signal.subarray(0, 160 * factor), downOut), downOut, 'exact size is returned as is');
    // 7 samples from a kept position: positions 0, factor, 2·factor, … below 7 are kept.
    t.equal(down.process(signal.subarray(160 * factor, 160 * factor + 7), downOut).length, Math.ceil(7 / factor));
  });

  t.test(`an output buffer that is too small for the ${kHz} kHz resamplers is rejected`, async (t) => {
    t.throws(() => new Up().process(new Int16Array(160), new Int16Array(160 * factor - 1)), RangeError);
    t.throws(() => new Down().process(new Int16Array(160 * factor), new Int16Array(159)), RangeError);
  });

  t.test(`full-scale input is clamped to int16 at ${kHz} kHz instead of wrapping around`, async (t) => {
    // A full-scale square wave makes the filter overshoot past ±32767.
    const square = Int16Array.from({ length: 800 }, (_, i) => ((i >> 3) & 1 ? 32767 : -32768));
    const up = new Up().process(square);
    const down = new Down().process(up);
    t.ok(up.some((v) => v === 32767 || v === -32768), 'upsampler output reaches the rails');
    // Wrap-around would show as sign flips between neighbours at the rails.
    let flips = 0;
    for (let i = 1; i < up.length; i++) if (Math.abs(up[i]! - up[i - 1]!) > 40000) flips++;
    t.equal(flips, 0, 'no wrap-around in the upsampler');
    flips = 0;
    for (let i = 1; i < down.length; i++) if (Math.abs(down[i]! - down[i - 1]!) > 60000) flips++;
    t.equal(flips, 0, 'no wrap-around in the downsampler');
  });

  t.test(`the ${kHz} kHz resamplers give byte-identical output to the hand-written ones they replaced`, async (t) => {
    t.equal(new Upsampler(coeffs).factor, factor, 'the factor comes from the coefficient set');
    t.equal(sha256(new Up().process(noiseMinute(8000, 1))), expected.up, 'upsampler, a minute of noise');
    t.equal(sha256(new Down().process(noiseMinute(kHz * 1000, downNoiseSeed))), expected.down, 'downsampler, a minute of noise');
  });
}
