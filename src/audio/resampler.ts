/**
 * Resamplers between 8 kHz telephony audio and the model's rate, PCM16 mono: 8 <-> 24 kHz
 * (factor 3) and 8 <-> 16 kHz (factor 2). One implementation, parameterised by a coefficient set.
 *
 * Each rate uses a 9th-order elliptic low-pass designed at that rate and rewritten as
 * H(z) = B(z) / A(z^factor) (see resampler-coefficients.ts, resampler-coefficients-16k.ts):
 *   - up:   1/A runs at 8 kHz on the input, then B(z) is applied polyphase to the zero-stuffed
 *           signal (only non-zero inputs are multiplied; each 8 kHz sample yields `factor` outputs);
 *   - down: B(z) is evaluated only at the high-rate samples that are kept, then 1/A runs at
 *           8 kHz on the decimated signal.
 * An IIR keeps group delay around 1 ms where a linear-phase FIR meeting the same 60 dB /
 * 3.4→4 kHz spec would need ~145 taps and ~3 ms.
 *
 * All state (filter memory, decimation phase) lives in the instance, so feeding a signal in
 * pieces is bit-identical to feeding it whole; nothing is allocated per call when an output
 * buffer is given. The per-sample loops are unrolled per filter shape in resampler-kernels.ts;
 * everything around them (state, coefficients, buffering, chunking, reset) is shared here.
 */
import { POLE_SECTIONS as POLE_SECTIONS_16K, TAPS as TAPS_16K } from './resampler-coefficients-16k.js';
import { POLE_SECTIONS as POLE_SECTIONS_24K, TAPS as TAPS_24K } from './resampler-coefficients.js';
import { type DownKernel, KERNELS, type UpKernel } from './resampler-kernels.js';

export { DENORMAL_GUARD, toInt16 } from './resampler-kernels.js';

/** One filter for one rate ratio, with the kernels unrolled for its shape. */
export interface ResamplerCoefficients {
  /** High-rate samples per 8 kHz sample. */
  readonly factor: number;
  /** Taps b0.., then [a1, a2] of each pole section, in one typed array (see resampler-kernels.ts). */
  readonly values: Float64Array;
  /** Number of taps of B(z); the decimator keeps taps − 1 samples of history. */
  readonly taps: number;
  readonly up: UpKernel;
  readonly down: DownKernel;
}

function coefficientSet(
  factor: number, taps: readonly number[], poleSections: ReadonlyArray<readonly [number, number]>,
): ResamplerCoefficients {
  const kernels = KERNELS.get(factor);
  // Regenerated coefficients of another order must fail loudly at load rather than filter wrongly.
  /* c8 ignore next 3 */
  if (kernels?.taps !== taps.length || kernels.poleSections !== poleSections.length) {
    throw new Error(`resampler: no kernel for factor ${factor} with ${taps.length} taps and ${poleSections.length} pole sections`);
  }
  return { factor, values: new Float64Array([...taps, ...poleSections.flat()]), taps: taps.length, up: kernels.up, down: kernels.down };
}

export const COEFFS_24K = coefficientSet(3, TAPS_24K, POLE_SECTIONS_24K);
export const COEFFS_16K = coefficientSet(2, TAPS_16K, POLE_SECTIONS_16K);

/** Stateful 8 kHz -> (factor × 8) kHz interpolator; output length is exactly factor × input length. */
export class Upsampler {
  /** Output samples per input sample. */
  readonly factor: number;
  /** All-pole section memories, then the last 9 outputs of 1/A (see UpKernel). */
  private readonly state = new Float64Array(19);

  constructor(private readonly coeffs: ResamplerCoefficients) {
    this.factor = coeffs.factor;
  }

  /**
   * Interpolates `input` (8 kHz). If `output` is given it must hold at least factor ×
   * input.length samples; the result is written there and `output` (or a subarray of it of
   * exactly that length) is returned.
   */
  process(input: Int16Array, output?: Int16Array): Int16Array {
    const outLength = this.factor * input.length;
    const out = output ?? new Int16Array(outLength);
    if (out.length < outLength) {
      throw new RangeError(`${this.constructor.name}: output holds ${out.length} samples, need ${outLength}`);
    }
    this.coeffs.up(this.coeffs.values, this.state, input, out);
    return out.length === outLength ? out : out.subarray(0, outLength);
  }

  /** Forgets all history, as if freshly constructed. */
  reset(): void {
    this.state.fill(0);
  }
}

/** Largest number of 8 kHz output samples' worth of input the downsampler buffers at once. */
const DOWN_BLOCK_8K = 800;

/**
 * Stateful (factor × 8) kHz -> 8 kHz decimator. Accepts any input length; keeps every
 * factor-th input sample position (the first one ever is kept) across calls, so the output
 * length of one call depends on where the previous call stopped — use outputLength() to size
 * buffers.
 */
export class Downsampler {
  /** Input samples per output sample. */
  readonly factor: number;
  /** All-pole section memories y[n−1], y[n−2] for the 5 sections (8 kHz). */
  private readonly poles = new Float64Array(10);
  /** Input samples of earlier calls B(z) still needs (taps − 1). */
  private readonly history: number;
  /** Largest number of input samples converted at once. */
  private readonly block: number;
  /** [0, history): the newest input samples of earlier calls; then the current block. */
  private readonly buf: Float64Array;
  /** Input samples to skip before the next one that produces an output (0..factor − 1). */
  private skip = 0;

  constructor(private readonly coeffs: ResamplerCoefficients) {
    this.factor = coeffs.factor;
    this.history = coeffs.taps - 1;
    this.block = DOWN_BLOCK_8K * coeffs.factor;
    this.buf = new Float64Array(this.history + this.block);
  }

  /** Number of output samples the next process() call produces for `inputLength` input samples. */
  outputLength(inputLength: number): number {
    return Math.floor((inputLength - this.skip + this.factor - 1) / this.factor);
  }

  /**
   * Decimates `input`. If `output` is given it must hold at least outputLength(input.length)
   * samples; same return contract as the upsampler.
   */
  process(input: Int16Array, output?: Int16Array): Int16Array {
    const n = input.length;
    const outLength = this.outputLength(n);
    const out = output ?? new Int16Array(outLength);
    if (out.length < outLength) {
      throw new RangeError(`${this.constructor.name}: output holds ${out.length} samples, need ${outLength}`);
    }
    const { factor, history, block, buf, poles } = this;
    const { values, down } = this.coeffs;
    let o = 0;
    let k = this.skip;
    for (let start = 0; start < n; start += block) {
      const len = Math.min(block, n - start);
      // TypedArray#set converts int16 -> float64 in native code: ~1 µs per
      // 20 ms frame cheaper than an element loop in JS.
      buf.set(len === n ? input : input.subarray(start, start + len), history);
      const next = down(values, poles, buf, k, len, out, o);
      k += (next - o) * factor - len;
      o = next;
      // Keep the newest samples as history for the next block / call.
      buf.copyWithin(0, len, len + history);
    }
    this.skip = k;
    return out.length === outLength ? out : out.subarray(0, outLength);
  }

  /** Forgets filter history and decimation phase, as if freshly constructed. */
  reset(): void {
    this.poles.fill(0);
    this.buf.fill(0);
    this.skip = 0;
  }
}

// The named pairs, so call sites say which rates they convert between.

/** 8 kHz -> 24 kHz; output length is exactly 3× input length. */
export class Upsampler8kTo24k extends Upsampler {
  constructor() {
    super(COEFFS_24K);
  }
}

/** 24 kHz -> 8 kHz; keeps every third input sample position across calls. */
export class Downsampler24kTo8k extends Downsampler {
  constructor() {
    super(COEFFS_24K);
  }
}

/** 8 kHz -> 16 kHz; output length is exactly 2× input length. */
export class Upsampler8kTo16k extends Upsampler {
  constructor() {
    super(COEFFS_16K);
  }
}

/** 16 kHz -> 8 kHz; keeps every second input sample position across calls. */
export class Downsampler16kTo8k extends Downsampler {
  constructor() {
    super(COEFFS_16K);
  }
}
