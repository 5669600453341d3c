/**
 * Tone measurement helpers shared by the audio tests, the call tests and the benchmark.
 *
 * Measurements use windows holding a whole number of cycles of every
 * frequency of interest ("bin-centred"): e.g. 100 ms windows put all
 * multiples of 10 Hz on exact DFT bins, so a 68 dB-down alias is not
 * swamped by leakage from the main tone and no window function is needed.
 */

export interface ToneMeasurement {
  /** Peak amplitude of the component, in sample units. */
  amplitude: number;
  /** Phase in radians of A·cos(2πf·t + phase), with t = index / sampleRate from index 0. */
  phase: number;
}

/** Int16 samples of amplitude·cos(2πf·n/sampleRate + phase), rounded. */
export function cosineTone(
  freqHz: number,
  sampleRate: number,
  length: number,
  amplitude: number,
  phase = 0,
): Int16Array {
  const out = new Int16Array(length);
  const w = (2 * Math.PI * freqHz) / sampleRate;
  for (let n = 0; n < length; n++) {
    out[n] = Math.round(amplitude * Math.cos(w * n + phase));
  }
  return out;
}

/**
 * Amplitude and phase of the `freqHz` component of samples[start, start+length),
 * by direct correlation (one DFT bin; same result as Goertzel, simpler phase).
 * Exact for bin-centred tones; at 0 Hz and Nyquist a real tone has no
 * negative-frequency twin, hence the different scaling.
 */
export function measureTone(
  samples: ArrayLike<number>,
  freqHz: number,
  sampleRate: number,
  start: number,
  length: number,
): ToneMeasurement {
  if (start < 0 || start + length > samples.length) {
    throw new RangeError(`measureTone: window [${start}, ${start + length}) outside ${samples.length} samples`);
  }
  const w = (2 * Math.PI * freqHz) / sampleRate;
  let re = 0;
  let im = 0;
  for (let n = start; n < start + length; n++) {
    const x = samples[n]!;
    re += x * Math.cos(w * n);
    im -= x * Math.sin(w * n);
  }
  const edge = freqHz === 0 || 2 * freqHz === sampleRate;
  return {
    amplitude: (Math.hypot(re, im) * (edge ? 1 : 2)) / length,
    phase: Math.atan2(im, re),
  };
}

/** Amplitude ratio in dB. */
export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** a − b wrapped to (−π, π]. */
export function phaseDifference(a: number, b: number): number {
  let d = a - b;
  while (d > Math.PI) d -= 2 * Math.PI;
  while (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/** Where a tone at `freqHz` lands after sampling at `sampleRate` (folded into [0, sampleRate/2]). */
export function foldFrequency(freqHz: number, sampleRate: number): number {
  const r = freqHz % sampleRate;
  return r > sampleRate / 2 ? sampleRate - r : r;
}

/** In-place iterative radix-2 complex FFT; `re.length` must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = (-2 * Math.PI) / size;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(step * k);
      const wi = Math.sin(step * k);
      for (let start = 0; start < n; start += size) {
        const a = start + k;
        const b = a + half;
        const tr = wr * re[b]! - wi * im[b]!;
        const ti = wr * im[b]! + wi * re[b]!;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/**
 * Frequency in Hz of the strongest spectral peak (DC excluded), accurate to
 * well under 0.1 Hz for a clean tone over a few hundred ms: mean removed,
 * Hann window, zero-padded FFT to find the peak bin, then a golden-section
 * search of the windowed spectrum's magnitude within ±1 bin.
 */
export function dominantFrequency(samples: ArrayLike<number>, sampleRate: number): number {
  const n = samples.length;
  if (n < 16) throw new RangeError(`dominantFrequency: need at least 16 samples, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += samples[i]!;
  mean /= n;
  const windowed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    windowed[i] = (samples[i]! - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  }

  let size = 1;
  while (size < 4 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(windowed);
  fft(re, im);
  let peak = 1;
  for (let k = 2; k <= size / 2; k++) {
    if (re[k]! ** 2 + im[k]! ** 2 > re[peak]! ** 2 + im[peak]! ** 2) peak = k;
  }

  const magnitude = (freqHz: number): number => {
    const w = (2 * Math.PI * freqHz) / sampleRate;
    let r = 0;
    let i = 0;
    for (let k = 0; k < n; k++) {
      r += windowed[k]! * Math.cos(w * k);
      i -= windowed[k]! * Math.sin(w * k);
    }
    return Math.hypot(r, i);
  };
  const bin = sampleRate / size;
  let lo = Math.max(0, (peak - 1) * bin);
  let hi = Math.min(sampleRate / 2, (peak + 1) * bin);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - ratio * (hi - lo);
  let x2 = lo + ratio * (hi - lo);
  let m1 = magnitude(x1);
  let m2 = magnitude(x2);
  while (hi - lo > 1e-4) {
    if (m1 < m2) {
      lo = x1; x1 = x2; m1 = m2;
      x2 = lo + ratio * (hi - lo);
      m2 = magnitude(x2);
    } else {
      hi = x2; x2 = x1; m2 = m1;
      x1 = hi - ratio * (hi - lo);
      m1 = magnitude(x1);
    }
  }
  return (lo + hi) / 2;
}
