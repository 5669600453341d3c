/**
 * Per-call audio conversion between Twilio media streams (μ-law 8 kHz mono)
 * and a model's PCM16 little-endian mono: 24 kHz (OpenAI Realtime, the
 * default) or 16 kHz, by the resampler each instance is built with.
 *
 * One instance of each class per call and direction: they hold filter history
 * (and, model side, a split byte) so consecutive chunks join seamlessly.
 * Scratch buffers are reused and only grow. The returned Buffers (a Uint8Array
 * subclass) are fresh — allocUnsafe from Node's pool, fully overwritten — and
 * owned by the caller, so they may be queued or sent asynchronously; that
 * costs ~0.3–0.7 µs mean per 20 ms frame (test/bench/audio.ts), not worth
 * handing out views that the next call would overwrite.
 */
import { Buffer } from 'node:buffer';

import { decodeMulaw, encodeMulaw } from './mulaw.js';
import { Downsampler24kTo8k, Upsampler8kTo24k } from './resampler.js';

/** A stateful 8 kHz -> (factor × 8) kHz resampler (resampler.ts). */
export interface Interpolator {
  readonly factor: number;
  process(input: Int16Array, output?: Int16Array): Int16Array;
  reset(): void;
}

/** A stateful (factor × 8) kHz -> 8 kHz resampler. */
export interface Decimator {
  readonly factor: number;
  process(input: Int16Array, output?: Int16Array): Int16Array;
  reset(): void;
}

/** Int16Array memory is host-endian; on little-endian hosts it already is the wire format. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Capacity for `needed` elements: at least double the old one, so growth is rare. */
function grownCapacity(current: number, needed: number): number {
  return Math.max(needed, current * 2);
}

/** Caller -> model: μ-law 8 kHz bytes to PCM16 LE bytes at 24 kHz (or the upsampler's rate). */
export class CallerAudioTranscoder {
  private pcm8 = new Int16Array(160);
  /** The upsampled frame (24 kHz unless built with another upsampler). */
  private pcm24: Int16Array;
  /** Byte view of pcm24, for a memcpy into the result on little-endian hosts. */
  private pcm24Bytes: Buffer;

  constructor(private readonly upsampler: Interpolator = new Upsampler8kTo24k()) {
    this.pcm24 = new Int16Array(upsampler.factor * this.pcm8.length);
    this.pcm24Bytes = Buffer.from(this.pcm24.buffer);
  }

  /** Returns a new Buffer of exactly 2 × factor bytes per input byte (6 at 24 kHz: 3 samples × 2 bytes). */
  toModel(mulaw: Uint8Array): Buffer {
    const n = mulaw.length;
    if (n > this.pcm8.length) {
      this.pcm8 = new Int16Array(grownCapacity(this.pcm8.length, n));
      this.pcm24 = new Int16Array(this.upsampler.factor * this.pcm8.length);
      this.pcm24Bytes = Buffer.from(this.pcm24.buffer);
    }
    const pcm24 = this.upsampler.process(decodeMulaw(mulaw, this.pcm8), this.pcm24);
    const out = Buffer.allocUnsafe(pcm24.length * 2);
    if (LITTLE_ENDIAN_HOST) {
      this.pcm24Bytes.copy(out, 0, 0, out.length);
    } else {
      /* c8 ignore start -- only reachable on big-endian hosts */
      for (let i = 0; i < pcm24.length; i++) {
        const s = pcm24[i]!;
        out[2 * i] = s & 0xff;
        out[2 * i + 1] = (s >> 8) & 0xff;
      }
      /* c8 ignore stop */
    }
    return out;
  }

  /** Drops filter history (e.g. when a stream restarts). */
  reset(): void {
    this.upsampler.reset();
  }
}

/** Model -> caller: PCM16 LE bytes at 24 kHz (or the downsampler's rate; any length, any alignment) to μ-law 8 kHz bytes. */
export class ModelAudioTranscoder {
  /** The model's samples (24 kHz unless built with another downsampler). */
  private pcm24: Int16Array;
  /** Byte view of pcm24, target of the memcpy on little-endian hosts. */
  private pcm24Bytes: Uint8Array;
  private pcm8 = new Int16Array(160);
  /** Low byte of a sample split across two deltas, or -1. */
  private carry = -1;

  constructor(private readonly downsampler: Decimator = new Downsampler24kTo8k()) {
    this.pcm24 = new Int16Array(downsampler.factor * this.pcm8.length);
    this.pcm24Bytes = new Uint8Array(this.pcm24.buffer);
  }

  /**
   * Returns a new Buffer of μ-law bytes (about one per 2 × factor input bytes,
   * 6 at 24 kHz; the exact count depends on the decimation phase and on a
   * carried odd byte).
   */
  toCaller(pcm24kLE: Uint8Array): Buffer {
    const bytes = pcm24kLE.length;
    const samples = (bytes + (this.carry >= 0 ? 1 : 0)) >> 1;
    if (samples > this.pcm24.length) {
      this.pcm24 = new Int16Array(grownCapacity(this.pcm24.length, samples));
      this.pcm24Bytes = new Uint8Array(this.pcm24.buffer);
      this.pcm8 = new Int16Array(Math.ceil(this.pcm24.length / this.downsampler.factor) + 1);
    }
    const pcm = this.pcm24;
    let n = 0;
    let i = 0;
    if (this.carry >= 0 && bytes > 0) {
      pcm[n++] = ((this.carry | (pcm24kLE[0]! << 8)) << 16) >> 16;
      this.carry = -1;
      i = 1;
    }
    const pairs = (bytes - i) >> 1;
    if (LITTLE_ENDIAN_HOST) {
      // Byte copy into the aligned scratch (native memcpy, ~2 µs per frame cheaper
      // than assembling in JS). Deltas decoded from base64 may sit at an odd
      // byteOffset, so an Int16Array view on the input itself is not an option.
      const src = i === 0 && 2 * pairs === bytes ? pcm24kLE : pcm24kLE.subarray(i, i + 2 * pairs);
      this.pcm24Bytes.set(src, 2 * n);
    } else {
      /* c8 ignore start -- only reachable on big-endian hosts */
      for (let j = 0; j < pairs; j++) {
        const k = i + 2 * j;
        pcm[n + j] = ((pcm24kLE[k]! | (pcm24kLE[k + 1]! << 8)) << 16) >> 16;
      }
      /* c8 ignore stop */
    }
    n += pairs;
    i += 2 * pairs;
    if (i < bytes) {
      this.carry = pcm24kLE[i]!;
    }

    const pcm8 = this.downsampler.process(n === pcm.length ? pcm : pcm.subarray(0, n), this.pcm8);
    const out = Buffer.allocUnsafe(pcm8.length);
    encodeMulaw(pcm8, out);
    return out;
  }

  /** Drops filter history, decimation phase and any carried byte (barge-in: the next response starts clean). */
  reset(): void {
    this.downsampler.reset();
    this.carry = -1;
  }
}
