/**
 * 8 kHz <-> 16 kHz resamplers (PCM16 mono), for models that take or give 16 kHz audio.
 *
 * Built exactly like the 8 <-> 24 kHz pair in resampler.ts, at a factor of 2: the same
 * 9th-order elliptic spec designed at 16 kHz and rewritten as H(z) = B(z) / A(z²) (see
 * wideband-resampler-coefficients.ts). Up: 1/A at 8 kHz, then the 19-tap B(z) polyphase on the
 * zero-stuffed signal (2 outputs per input). Down: B(z) only at the kept 16 kHz samples, then
 * 1/A at 8 kHz. Same guarantees: stateful across calls and bit-identical whatever the chunking,
 * no allocation when given an output buffer, unrolled kernels with state in locals.
 */
import { DENORMAL_GUARD, toInt16 } from './resampler.js';
import { POLE_SECTIONS, TAPS } from './wideband-resampler-coefficients.js';

/* c8 ignore next 3 */
if (TAPS.length !== 19 || POLE_SECTIONS.length !== 5) {
  throw new Error('wideband resampler: kernels are unrolled for 19 taps and 5 pole sections');
}

/** Taps b0..b18, then [a1, a2] of each pole section (locals read from a typed array: see resampler.ts). */
const COEFFS = new Float64Array([...TAPS, ...POLE_SECTIONS.flat()]);

/** Largest number of 16 kHz samples the downsampler buffers at once. */
const DOWN_BLOCK = 1600;
/** Samples of 16 kHz history B(z) needs besides the current one. */
const DOWN_HISTORY = 18;

/** Stateful 8 kHz -> 16 kHz interpolator; output length is exactly 2× input length. */
export class Upsampler8kTo16k {
  /** Output samples per input sample. */
  readonly factor = 2;
  /** [0..9]: all-pole section memories y[n−1], y[n−2]; [10..18]: previous 8 kHz outputs of 1/A, v[n−1]..v[n−9]. */
  private readonly state = new Float64Array(19);

  /**
   * Interpolates `input` (8 kHz). If `output` is given it must hold at least 2 × input.length
   * samples; the result is written there and `output` (or a subarray of it of exactly that
   * length) is returned.
   */
  process(input: Int16Array, output?: Int16Array): Int16Array {
    const n = input.length;
    const outLength = 2 * n;
    const out = output ?? new Int16Array(outLength);
    if (out.length < outLength) {
      throw new RangeError(`Upsampler8kTo16k: output holds ${out.length} samples, need ${outLength}`);
    }
    const c = COEFFS;
    const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
      b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
      b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!,
      a11 = c[19]!, a12 = c[20]!, a21 = c[21]!, a22 = c[22]!, a31 = c[23]!, a32 = c[24]!,
      a41 = c[25]!, a42 = c[26]!, a51 = c[27]!, a52 = c[28]!;
    const s = this.state;
    let y11 = s[0]!, y12 = s[1]!, y21 = s[2]!, y22 = s[3]!, y31 = s[4]!;
    let y32 = s[5]!, y41 = s[6]!, y42 = s[7]!, y51 = s[8]!, y52 = s[9]!;
    let v1 = s[10]!, v2 = s[11]!, v3 = s[12]!, v4 = s[13]!, v5 = s[14]!;
    let v6 = s[15]!, v7 = s[16]!, v8 = s[17]!, v9 = s[18]!;

    for (let i = 0, o = 0; i < n; i++, o += 2) {
      // ×2 restores the level that zero-stuffing spreads over two samples.
      const x = 2 * input[i]! + DENORMAL_GUARD;
      const u1 = x - a11 * y11 - a12 * y12;
      y12 = y11; y11 = u1;
      const u2 = u1 - a21 * y21 - a22 * y22;
      y22 = y21; y21 = u2;
      const u3 = u2 - a31 * y31 - a32 * y32;
      y32 = y31; y31 = u3;
      const u4 = u3 - a41 * y41 - a42 * y42;
      y42 = y41; y41 = u4;
      const v0 = u4 - a51 * y51 - a52 * y52;
      y52 = y51; y51 = v0;

      // Output 2n+p = sum over q of B[p+2q]·v[n−q] (the zero-stuffed samples contribute nothing).
      out[o] = toInt16(b0 * v0 + b2 * v1 + b4 * v2 + b6 * v3 + b8 * v4 + b10 * v5 + b12 * v6 + b14 * v7 + b16 * v8 + b18 * v9);
      out[o + 1] = toInt16(b1 * v0 + b3 * v1 + b5 * v2 + b7 * v3 + b9 * v4 + b11 * v5 + b13 * v6 + b15 * v7 + b17 * v8);

      v9 = v8; v8 = v7; v7 = v6; v6 = v5; v5 = v4; v4 = v3; v3 = v2; v2 = v1; v1 = v0;
    }

    s[0] = y11; s[1] = y12; s[2] = y21; s[3] = y22; s[4] = y31;
    s[5] = y32; s[6] = y41; s[7] = y42; s[8] = y51; s[9] = y52;
    s[10] = v1; s[11] = v2; s[12] = v3; s[13] = v4; s[14] = v5;
    s[15] = v6; s[16] = v7; s[17] = v8; s[18] = v9;
    return out.length === outLength ? out : out.subarray(0, outLength);
  }

  /** Forgets all history, as if freshly constructed. */
  reset(): void {
    this.state.fill(0);
  }
}

/**
 * Stateful 16 kHz -> 8 kHz decimator. Accepts any input length; keeps every second input sample
 * position (the first one ever is kept) across calls, so the output length of one call depends
 * on where the previous call stopped — use outputLength() to size buffers.
 */
export class Downsampler16kTo8k {
  /** Input samples per output sample. */
  readonly factor = 2;
  /** All-pole section memories y[n−1], y[n−2] for the 5 sections (8 kHz). */
  private readonly poles = new Float64Array(10);
  /** [0..17]: last 18 input samples of earlier calls; then the current block. */
  private readonly buf = new Float64Array(DOWN_HISTORY + DOWN_BLOCK);
  /** Input samples to skip before the next one that produces an output (0..1). */
  private skip = 0;

  /** Number of output samples the next process() call produces for `inputLength` input samples. */
  outputLength(inputLength: number): number {
    return Math.floor((inputLength - this.skip + 1) / 2);
  }

  /**
   * Decimates `input` (16 kHz). If `output` is given it must hold at least
   * outputLength(input.length) samples; same return contract as the upsampler.
   */
  process(input: Int16Array, output?: Int16Array): Int16Array {
    const n = input.length;
    const outLength = this.outputLength(n);
    const out = output ?? new Int16Array(outLength);
    if (out.length < outLength) {
      throw new RangeError(`Downsampler16kTo8k: output holds ${out.length} samples, need ${outLength}`);
    }
    const c = COEFFS;
    const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
      b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
      b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!,
      a11 = c[19]!, a12 = c[20]!, a21 = c[21]!, a22 = c[22]!, a31 = c[23]!, a32 = c[24]!,
      a41 = c[25]!, a42 = c[26]!, a51 = c[27]!, a52 = c[28]!;
    const h = this.buf;
    const p = this.poles;
    let y11 = p[0]!, y12 = p[1]!, y21 = p[2]!, y22 = p[3]!, y31 = p[4]!;
    let y32 = p[5]!, y41 = p[6]!, y42 = p[7]!, y51 = p[8]!, y52 = p[9]!;
    let o = 0;
    let k = this.skip;

    for (let start = 0; start < n; start += DOWN_BLOCK) {
      const len = Math.min(DOWN_BLOCK, n - start);
      h.set(len === n ? input : input.subarray(start, start + len), DOWN_HISTORY);
      for (; k < len; k += 2) {
        // B(z) at the kept sample: e indexes x[n], e−j indexes x[n−j]; four partial sums.
        const e = k + DOWN_HISTORY;
        const acc0 = b0 * h[e]! + b4 * h[e - 4]! + b8 * h[e - 8]! + b12 * h[e - 12]! + b16 * h[e - 16]!;
        const acc1 = b1 * h[e - 1]! + b5 * h[e - 5]! + b9 * h[e - 9]! + b13 * h[e - 13]! + b17 * h[e - 17]!;
        const acc2 = b2 * h[e - 2]! + b6 * h[e - 6]! + b10 * h[e - 10]! + b14 * h[e - 14]! + b18 * h[e - 18]!;
        const acc3 = b3 * h[e - 3]! + b7 * h[e - 7]! + b11 * h[e - 11]! + b15 * h[e - 15]!;
        const w = (acc0 + acc1) + (acc2 + acc3) + DENORMAL_GUARD;

        // 1/A at 8 kHz.
        const u1 = w - a11 * y11 - a12 * y12;
        y12 = y11; y11 = u1;
        const u2 = u1 - a21 * y21 - a22 * y22;
        y22 = y21; y21 = u2;
        const u3 = u2 - a31 * y31 - a32 * y32;
        y32 = y31; y31 = u3;
        const u4 = u3 - a41 * y41 - a42 * y42;
        y42 = y41; y41 = u4;
        const u5 = u4 - a51 * y51 - a52 * y52;
        y52 = y51; y51 = u5;
        out[o++] = toInt16(u5);
      }
      k -= len;
      // Keep the newest 18 samples as history for the next block / call.
      h.copyWithin(0, len, len + DOWN_HISTORY);
    }

    this.skip = k;
    p[0] = y11; p[1] = y12; p[2] = y21; p[3] = y22; p[4] = y31;
    p[5] = y32; p[6] = y41; p[7] = y42; p[8] = y51; p[9] = y52;
    return out.length === outLength ? out : out.subarray(0, outLength);
  }

  /** Forgets filter history and decimation phase, as if freshly constructed. */
  reset(): void {
    this.poles.fill(0);
    this.buf.fill(0);
    this.skip = 0;
  }
}
