/**
 * G.711 μ-law codec backed by lookup tables.
 *
 * The tables are filled once at module load from alawmulaw's per-sample
 * functions, so the bit-level behaviour is exactly alawmulaw's while the hot
 * path is a single array lookup per sample (no per-sample branching, no
 * allocation when the caller passes an output buffer).
 */
// alawmulaw's Node entry ("main") is a UMD/CommonJS bundle whose exports Node's
// ESM loader cannot detect: `import { mulaw } from 'alawmulaw'` type-checks but
// throws at runtime under node and tsx. The default import (module.exports) works.
import alawmulaw from 'alawmulaw';

const { mulaw } = alawmulaw;

/** μ-law byte -> PCM16 sample. */
const DECODE_TABLE = new Int16Array(256);
for (let code = 0; code < 256; code++) {
  DECODE_TABLE[code] = mulaw.decodeSample(code);
}

/** PCM16 sample (as `sample & 0xffff`) -> μ-law byte. */
const ENCODE_TABLE = new Uint8Array(65536);
for (let sample = -32768; sample < 32768; sample++) {
  // encodeSample returns a bitwise-NOT result (negative number); keep the low byte.
  ENCODE_TABLE[sample & 0xffff] = mulaw.encodeSample(sample) & 0xff;
}

/**
 * Decodes μ-law bytes to PCM16 samples.
 * If `output` is given it must hold at least `input.length` samples; the
 * returned array is `output` itself when the length matches exactly,
 * otherwise a subarray of it of exactly `input.length` samples.
 */
export function decodeMulaw(input: Uint8Array, output?: Int16Array): Int16Array {
  const n = input.length;
  const out = output ?? new Int16Array(n);
  if (out.length < n) {
    throw new RangeError(`decodeMulaw: output holds ${out.length} samples, need ${n}`);
  }
  for (let i = 0; i < n; i++) {
    out[i] = DECODE_TABLE[input[i]!]!;
  }
  return out.length === n ? out : out.subarray(0, n);
}

/**
 * Encodes PCM16 samples to μ-law bytes (same output-buffer contract as
 * decodeMulaw).
 */
export function encodeMulaw(input: Int16Array, output?: Uint8Array): Uint8Array {
  const n = input.length;
  const out = output ?? new Uint8Array(n);
  if (out.length < n) {
    throw new RangeError(`encodeMulaw: output holds ${out.length} bytes, need ${n}`);
  }
  for (let i = 0; i < n; i++) {
    out[i] = ENCODE_TABLE[input[i]! & 0xffff]!;
  }
  return out.length === n ? out : out.subarray(0, n);
}
