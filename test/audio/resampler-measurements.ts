/**
 * Steady-state tone measurements of the resamplers, shared by the tests and
 * the benchmark so both check exactly the same thing.
 *
 * Each measurement runs a cosine through a fresh resampler, skips SETTLE_MS of
 * start-up transient (the slowest pole decays 0.947 per 8 kHz sample, so it is
 * down by >200 dB after 60 ms) and analyses a WINDOW_MS window. Frequencies
 * must be multiples of 10 Hz so that every tone, image and alias is bin-centred.
 */
import { Downsampler16kTo8k, Downsampler24kTo8k, Upsampler8kTo16k, Upsampler8kTo24k } from '../../src/audio/resampler.js';
import { cosineTone, db, foldFrequency, measureTone, phaseDifference } from './tone-analysis.js';

interface Resampler {
  process(input: Int16Array): Int16Array;
}

/** A pair of resamplers between 8 kHz and `rateHz`; every measurement takes one (default 24 kHz). */
export interface ResamplerPair {
  rateHz: number;
  up(): Resampler;
  down(): Resampler;
}

export const PAIR_24K: ResamplerPair = { rateHz: 24000, up: () => new Upsampler8kTo24k(), down: () => new Downsampler24kTo8k() };
export const PAIR_16K: ResamplerPair = { rateHz: 16000, up: () => new Upsampler8kTo16k(), down: () => new Downsampler16kTo8k() };

export const SETTLE_MS = 60;
export const WINDOW_MS = 100;
/** Test tone amplitude: about −6 dBFS, loud enough that int16 rounding noise is ~−90 dB. */
export const AMPLITUDE = 16000;
/** Offset used for the finite-difference group delay (phase slope over f ± this). */
const DELAY_PROBE_HZ = 10;

/** from, from+step, …, to (inclusive). */
export function frequencies(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let f = from; f <= to; f += step) out.push(f);
  return out;
}

export interface UpsampledTone {
  /** Level at f in the 24 kHz output relative to the 8 kHz input tone, dB. */
  gainDb: number;
  /** Phase at f of the output, radians (input phase is 0), i.e. the phase response. */
  phase: number;
  /** Strongest image (8000 ± f, folded) relative to the output tone, dB (negative). */
  worstImageDb: number;
  /** Everything in the output except the tone at f, relative to the tone, dB (negative). */
  residualDb: number;
}

export function upsampleTone(freqHz: number, pair: ResamplerPair = PAIR_24K): UpsampledTone {
  const input = cosineTone(freqHz, 8000, (SETTLE_MS + WINDOW_MS) * 8, AMPLITUDE);
  const output = pair.up().process(input);
  const rate = pair.rateHz;
  const start = (SETTLE_MS * rate) / 1000;
  const length = (WINDOW_MS * rate) / 1000;
  const tone = measureTone(output, freqHz, rate, start, length);
  let worstImageDb = -Infinity;
  for (const image of [8000 - freqHz, 8000 + freqHz]) {
    const level = measureTone(output, foldFrequency(image, rate), rate, start, length).amplitude;
    worstImageDb = Math.max(worstImageDb, db(level / tone.amplitude));
  }
  // Residual: subtract the measured tone and see what is left.
  const w = (2 * Math.PI * freqHz) / rate;
  let residual = 0;
  for (let n = start; n < start + length; n++) {
    const r = output[n]! - tone.amplitude * Math.cos(w * n + tone.phase);
    residual += r * r;
  }
  const residualRms = Math.sqrt(residual / length);
  return {
    gainDb: db(tone.amplitude / AMPLITUDE),
    phase: tone.phase,
    worstImageDb,
    residualDb: db(residualRms / (tone.amplitude / Math.SQRT2)),
  };
}

export interface DownsampledTone {
  /** Where the tone lands at 8 kHz (itself if below 4 kHz, else its alias). */
  outFreqHz: number;
  /** Level at outFreqHz in the 8 kHz output relative to the 24 kHz input tone, dB. */
  levelDb: number;
  /** Phase at outFreqHz, radians (input phase 0; output sample n is aligned with input sample 3n, or 2n from 16 kHz). */
  phase: number;
}

export function downsampleTone(freqHz: number, pair: ResamplerPair = PAIR_24K): DownsampledTone {
  const input = cosineTone(freqHz, pair.rateHz, ((SETTLE_MS + WINDOW_MS) * pair.rateHz) / 1000, AMPLITUDE);
  const output = pair.down().process(input);
  const outFreqHz = foldFrequency(freqHz, 8000);
  const tone = measureTone(output, outFreqHz, 8000, SETTLE_MS * 8, WINDOW_MS * 8);
  return { outFreqHz, levelDb: db(tone.amplitude / AMPLITUDE), phase: tone.phase };
}

/** Level of an in-band reference tone (1 kHz) through the downsampler, dB re input. */
export function downsampleReferenceDb(pair: ResamplerPair = PAIR_24K): number {
  return downsampleTone(1000, pair).levelDb;
}

/**
 * How far below a same-amplitude 1 kHz in-band tone the 24 kHz (or 16 kHz) tone at
 * `freqHz` ends up after decimation, dB (positive = rejected).
 */
export function aliasRejectionDb(freqHz: number, referenceDb?: number, pair: ResamplerPair = PAIR_24K): number {
  return (referenceDb ?? downsampleReferenceDb(pair)) - downsampleTone(freqHz, pair).levelDb;
}

/** Up to 24 kHz (or 16 kHz) then back down to 8 kHz: level and phase at f relative to the input tone. */
export function roundTripTone(freqHz: number, pair: ResamplerPair = PAIR_24K): { gainDb: number; phase: number } {
  const input = cosineTone(freqHz, 8000, (2 * SETTLE_MS + WINDOW_MS) * 8, AMPLITUDE);
  const output = pair.down().process(pair.up().process(input));
  const tone = measureTone(output, freqHz, 8000, 2 * SETTLE_MS * 8, WINDOW_MS * 8);
  return { gainDb: db(tone.amplitude / AMPLITUDE), phase: tone.phase };
}

export type Direction = 'up' | 'down' | 'round trip';

function phaseAt(direction: Direction, freqHz: number, pair: ResamplerPair): number {
  switch (direction) {
    case 'up':
      return upsampleTone(freqHz, pair).phase;
    case 'down':
      return downsampleTone(freqHz, pair).phase;
    case 'round trip':
      return roundTripTone(freqHz, pair).phase;
  }
}

/**
 * Group delay at `freqHz` in ms, measured from the output: −dφ/dω estimated
 * from the phases of steady-state tones at f ± 10 Hz.
 */
export function groupDelayMs(direction: Direction, freqHz: number, pair: ResamplerPair = PAIR_24K): number {
  const lo = phaseAt(direction, freqHz - DELAY_PROBE_HZ, pair);
  const hi = phaseAt(direction, freqHz + DELAY_PROBE_HZ, pair);
  return (-phaseDifference(hi, lo) / (2 * Math.PI * 2 * DELAY_PROBE_HZ)) * 1000;
}
