/** Deterministic test signals and chunking helpers for the audio tests and benchmark. */

/** Small seeded PRNG (mulberry32): reproducible "random" chunk sizes and noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Speech-band-ish test signal: a few tones, noise, a stretch of exact digital
 * silence and a near-full-scale burst (so clamping is exercised too).
 */
export function mixedSignal(length: number, sampleRate: number, seed = 1): Int16Array {
  const random = seededRandom(seed);
  const out = new Int16Array(length);
  for (let n = 0; n < length; n++) {
    const t = n / sampleRate;
    const phase = n / length;
    let v = 6000 * Math.sin(2 * Math.PI * 440 * t)
      + 3000 * Math.sin(2 * Math.PI * 1870 * t + 1)
      + 1500 * Math.sin(2 * Math.PI * 3300 * t + 2)
      + 2000 * (random() - 0.5);
    if (phase > 0.4 && phase < 0.5) v = 0;
    if (phase > 0.7 && phase < 0.75) v *= 4;
    out[n] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

/** Splits `length` into consecutive chunk sizes drawn cyclically from `sizes` (last chunk may be shorter). */
export function chunkSizes(length: number, sizes: readonly number[]): number[] {
  const out: number[] = [];
  let done = 0;
  for (let i = 0; done < length; i++) {
    const size = Math.min(sizes[i % sizes.length]!, length - done);
    out.push(size);
    done += size;
  }
  return out;
}

/** Random chunk sizes in [1, max] covering `length`. */
export function randomChunkSizes(length: number, max: number, seed: number): number[] {
  const random = seededRandom(seed);
  const sizes: number[] = [];
  let done = 0;
  while (done < length) {
    const size = Math.min(1 + Math.floor(random() * max), length - done);
    sizes.push(size);
    done += size;
  }
  return sizes;
}

/** Concatenates typed-array chunks of one kind into one array. */
export function concatInt16(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
