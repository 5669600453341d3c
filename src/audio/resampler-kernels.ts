/**
 * The inner loops of the resamplers (resampler.ts), one per filter shape: 28 taps at a factor of
 * 3 (8 <-> 24 kHz) and 19 taps at a factor of 2 (8 <-> 16 kHz), both with 5 all-pole sections.
 *
 * They are unrolled by hand and keep coefficients and state in locals: V8 does not vectorise,
 * and this measured ~2x faster than loops over the coefficient arrays. The coefficients arrive
 * as one Float64Array (taps, then [a1, a2] per pole section) and are copied into locals on
 * purpose: V8 folds module-level `const` numbers into every use as a 64-bit immediate (two
 * instructions per multiply), while locals read from a typed array stay in registers or stack
 * slots; measured ~30% faster per frame.
 *
 * Every sample goes through exactly the same float64 operations in the same order whatever the
 * chunking, so output is bit-identical however the caller splits the signal.
 */

/**
 * Added to the input of the recursive part. Fed digital silence, an IIR decays into subnormal
 * floats and can sit in a subnormal limit cycle for good (observed still there after 60 s of
 * zeros); subnormal arithmetic is microcoded on x86 and made silent frames ~1.5x slower in
 * measurement. 1e-18 keeps the state normal, is far below one LSB, and adding it to any
 * non-zero int16 value is an exact no-op in float64.
 */
export const DENORMAL_GUARD = 1e-18;

/**
 * Round half up and clamp to int16 (an Int16Array store would wrap instead).
 * Math.floor(x + 0.5) rather than Math.round: with Math.round, frames of real (varying) audio
 * measured ~2x slower than a repeated frame — consistent with a data-dependent branch in V8's
 * lowering mispredicting — while floor compiles to a single rounding instruction on x64.
 */
export function toInt16(value: number): number {
  const r = Math.floor(value + 0.5);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/**
 * Interpolates all of `input` into `out` (factor × input.length samples): 1/A at 8 kHz, then
 * B(z) polyphase on the zero-stuffed signal. `state`: [0..9] the all-pole section memories
 * y[n−1], y[n−2]; [10..18] the previous 8 kHz outputs of 1/A, v[n−1]..v[n−9].
 */
export type UpKernel = (c: Float64Array, state: Float64Array, input: Int16Array, out: Int16Array) => void;

/**
 * Decimates one block held in `h` after `history` samples of earlier input: for k = first,
 * first + factor, … < len evaluates B(z) at h[history + k], runs 1/A at 8 kHz and writes the
 * result to out[o++]. `poles`: the all-pole section memories. Returns the next o.
 */
export type DownKernel = (
  c: Float64Array, poles: Float64Array, h: Float64Array, first: number, len: number, out: Int16Array, o: number,
) => number;

export interface KernelPair {
  readonly factor: number;
  readonly taps: number;
  readonly poleSections: number;
  readonly up: UpKernel;
  readonly down: DownKernel;
}

function upBy3(c: Float64Array, s: Float64Array, input: Int16Array, out: Int16Array): void {
  const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
    b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
    b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!, b19 = c[19]!,
    b20 = c[20]!, b21 = c[21]!, b22 = c[22]!, b23 = c[23]!, b24 = c[24]!, b25 = c[25]!,
    b26 = c[26]!, b27 = c[27]!, a11 = c[28]!, a12 = c[29]!, a21 = c[30]!, a22 = c[31]!,
    a31 = c[32]!, a32 = c[33]!, a41 = c[34]!, a42 = c[35]!, a51 = c[36]!, a52 = c[37]!;
  let y11 = s[0]!, y12 = s[1]!, y21 = s[2]!, y22 = s[3]!, y31 = s[4]!;
  let y32 = s[5]!, y41 = s[6]!, y42 = s[7]!, y51 = s[8]!, y52 = s[9]!;
  let v1 = s[10]!, v2 = s[11]!, v3 = s[12]!, v4 = s[13]!, v5 = s[14]!;
  let v6 = s[15]!, v7 = s[16]!, v8 = s[17]!, v9 = s[18]!;
  const n = input.length;

  for (let i = 0, o = 0; i < n; i++, o += 3) {
    // ×3 restores the level that zero-stuffing spreads over three samples.
    const x = 3 * input[i]! + DENORMAL_GUARD;
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

    // Output 3n+p = sum over q of B[p+3q]·v[n−q] (the zero-stuffed samples contribute nothing).
    out[o] = toInt16(b0 * v0 + b3 * v1 + b6 * v2 + b9 * v3 + b12 * v4 + b15 * v5 + b18 * v6 + b21 * v7 + b24 * v8 + b27 * v9);
    out[o + 1] = toInt16(b1 * v0 + b4 * v1 + b7 * v2 + b10 * v3 + b13 * v4 + b16 * v5 + b19 * v6 + b22 * v7 + b25 * v8);
    out[o + 2] = toInt16(b2 * v0 + b5 * v1 + b8 * v2 + b11 * v3 + b14 * v4 + b17 * v5 + b20 * v6 + b23 * v7 + b26 * v8);

    v9 = v8; v8 = v7; v7 = v6; v6 = v5; v5 = v4; v4 = v3; v3 = v2; v2 = v1; v1 = v0;
  }

  s[0] = y11; s[1] = y12; s[2] = y21; s[3] = y22; s[4] = y31;
  s[5] = y32; s[6] = y41; s[7] = y42; s[8] = y51; s[9] = y52;
  s[10] = v1; s[11] = v2; s[12] = v3; s[13] = v4; s[14] = v5;
  s[15] = v6; s[16] = v7; s[17] = v8; s[18] = v9;
}

function downBy3(c: Float64Array, p: Float64Array, h: Float64Array, first: number, len: number, out: Int16Array, o: number): number {
  const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
    b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
    b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!, b19 = c[19]!,
    b20 = c[20]!, b21 = c[21]!, b22 = c[22]!, b23 = c[23]!, b24 = c[24]!, b25 = c[25]!,
    b26 = c[26]!, b27 = c[27]!, a11 = c[28]!, a12 = c[29]!, a21 = c[30]!, a22 = c[31]!,
    a31 = c[32]!, a32 = c[33]!, a41 = c[34]!, a42 = c[35]!, a51 = c[36]!, a52 = c[37]!;
  let y11 = p[0]!, y12 = p[1]!, y21 = p[2]!, y22 = p[3]!, y31 = p[4]!;
  let y32 = p[5]!, y41 = p[6]!, y42 = p[7]!, y51 = p[8]!, y52 = p[9]!;

  for (let k = first; k < len; k += 3) {
    // B(z) at the kept sample: e indexes x[n], e−j indexes x[n−j].
    // Four partial sums shorten the floating-point add dependency chain.
    const e = k + 27;
    const acc0 = b0 * h[e]! + b4 * h[e - 4]! + b8 * h[e - 8]! + b12 * h[e - 12]! + b16 * h[e - 16]! + b20 * h[e - 20]! + b24 * h[e - 24]!;
    const acc1 = b1 * h[e - 1]! + b5 * h[e - 5]! + b9 * h[e - 9]! + b13 * h[e - 13]! + b17 * h[e - 17]! + b21 * h[e - 21]! + b25 * h[e - 25]!;
    const acc2 = b2 * h[e - 2]! + b6 * h[e - 6]! + b10 * h[e - 10]! + b14 * h[e - 14]! + b18 * h[e - 18]! + b22 * h[e - 22]! + b26 * h[e - 26]!;
    const acc3 = b3 * h[e - 3]! + b7 * h[e - 7]! + b11 * h[e - 11]! + b15 * h[e - 15]! + b19 * h[e - 19]! + b23 * h[e - 23]! + b27 * h[e - 27]!;
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

  p[0] = y11; p[1] = y12; p[2] = y21; p[3] = y22; p[4] = y31;
  p[5] = y32; p[6] = y41; p[7] = y42; p[8] = y51; p[9] = y52;
  return o;
}

function upBy2(c: Float64Array, s: Float64Array, input: Int16Array, out: Int16Array): void {
  const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
    b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
    b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!,
    a11 = c[19]!, a12 = c[20]!, a21 = c[21]!, a22 = c[22]!, a31 = c[23]!, a32 = c[24]!,
    a41 = c[25]!, a42 = c[26]!, a51 = c[27]!, a52 = c[28]!;
  let y11 = s[0]!, y12 = s[1]!, y21 = s[2]!, y22 = s[3]!, y31 = s[4]!;
  let y32 = s[5]!, y41 = s[6]!, y42 = s[7]!, y51 = s[8]!, y52 = s[9]!;
  let v1 = s[10]!, v2 = s[11]!, v3 = s[12]!, v4 = s[13]!, v5 = s[14]!;
  let v6 = s[15]!, v7 = s[16]!, v8 = s[17]!, v9 = s[18]!;
  const n = input.length;

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

    // Output 2n+p = sum over q of B[p+2q]·v[n−q].
    out[o] = toInt16(b0 * v0 + b2 * v1 + b4 * v2 + b6 * v3 + b8 * v4 + b10 * v5 + b12 * v6 + b14 * v7 + b16 * v8 + b18 * v9);
    out[o + 1] = toInt16(b1 * v0 + b3 * v1 + b5 * v2 + b7 * v3 + b9 * v4 + b11 * v5 + b13 * v6 + b15 * v7 + b17 * v8);

    v9 = v8; v8 = v7; v7 = v6; v6 = v5; v5 = v4; v4 = v3; v3 = v2; v2 = v1; v1 = v0;
  }

  s[0] = y11; s[1] = y12; s[2] = y21; s[3] = y22; s[4] = y31;
  s[5] = y32; s[6] = y41; s[7] = y42; s[8] = y51; s[9] = y52;
  s[10] = v1; s[11] = v2; s[12] = v3; s[13] = v4; s[14] = v5;
  s[15] = v6; s[16] = v7; s[17] = v8; s[18] = v9;
}

function downBy2(c: Float64Array, p: Float64Array, h: Float64Array, first: number, len: number, out: Int16Array, o: number): number {
  const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, b3 = c[3]!, b4 = c[4]!, b5 = c[5]!, b6 = c[6]!,
    b7 = c[7]!, b8 = c[8]!, b9 = c[9]!, b10 = c[10]!, b11 = c[11]!, b12 = c[12]!, b13 = c[13]!,
    b14 = c[14]!, b15 = c[15]!, b16 = c[16]!, b17 = c[17]!, b18 = c[18]!,
    a11 = c[19]!, a12 = c[20]!, a21 = c[21]!, a22 = c[22]!, a31 = c[23]!, a32 = c[24]!,
    a41 = c[25]!, a42 = c[26]!, a51 = c[27]!, a52 = c[28]!;
  let y11 = p[0]!, y12 = p[1]!, y21 = p[2]!, y22 = p[3]!, y31 = p[4]!;
  let y32 = p[5]!, y41 = p[6]!, y42 = p[7]!, y51 = p[8]!, y52 = p[9]!;

  for (let k = first; k < len; k += 2) {
    const e = k + 18;
    const acc0 = b0 * h[e]! + b4 * h[e - 4]! + b8 * h[e - 8]! + b12 * h[e - 12]! + b16 * h[e - 16]!;
    const acc1 = b1 * h[e - 1]! + b5 * h[e - 5]! + b9 * h[e - 9]! + b13 * h[e - 13]! + b17 * h[e - 17]!;
    const acc2 = b2 * h[e - 2]! + b6 * h[e - 6]! + b10 * h[e - 10]! + b14 * h[e - 14]! + b18 * h[e - 18]!;
    const acc3 = b3 * h[e - 3]! + b7 * h[e - 7]! + b11 * h[e - 11]! + b15 * h[e - 15]!;
    const w = (acc0 + acc1) + (acc2 + acc3) + DENORMAL_GUARD;

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

  p[0] = y11; p[1] = y12; p[2] = y21; p[3] = y22; p[4] = y31;
  p[5] = y32; p[6] = y41; p[7] = y42; p[8] = y51; p[9] = y52;
  return o;
}

/** The kernels by resampling factor, with the filter shape they are unrolled for. */
export const KERNELS: ReadonlyMap<number, KernelPair> = new Map([
  [3, { factor: 3, taps: 28, poleSections: 5, up: upBy3, down: downBy3 }],
  [2, { factor: 2, taps: 19, poleSections: 5, up: upBy2, down: downBy2 }],
]);
