/**
 * The browser resampler measured like the phone path's (test/audio/resampler-measurements.ts):
 * steady cosines through a fresh resampler, SETTLE_MS of start-up skipped, a bin-centred
 * WINDOW_MS window analysed. Shared by the test and `npm run bench:audio`.
 */
import { WireResampler } from '../../src/console/test-call/audio/wire-resampler.js';
import { db, foldFrequency, measureTone } from '../audio/tone-analysis.js';

export const WIRE_RATE_HZ = 24_000;
const SETTLE_MS = 60;
const WINDOW_MS = 100;
const AMPLITUDE = 0.5;

/** The band speech needs, and what the filter keeps flat at 24 kHz (5/6 of 12 kHz). */
export const WIRE_PASSBAND = { fromHz: 100, toHz: 10_000 };
/** Tones this far up or more must not fold back into the band (7/6 of 12 kHz). */
export const WIRE_STOPBAND_FROM_HZ = 14_000;

function cosine(freqHz: number, rateHz: number, ms: number): Float32Array {
  const out = new Float32Array(Math.round((rateHz * ms) / 1000));
  const w = (2 * Math.PI * freqHz) / rateHz;
  for (let n = 0; n < out.length; n += 1) out[n] = AMPLITUDE * Math.cos(w * n);
  return out;
}

function resample(input: Float32Array, from: number, to: number): Float32Array {
  const resampler = new WireResampler(from, to);
  const out = new Float32Array(resampler.maxOutputLength(input.length));
  return out.subarray(0, resampler.process(input, out));
}

function level(samples: Float32Array, freqHz: number, rateHz: number): number {
  return measureTone(samples, freqHz, rateHz, (SETTLE_MS * rateHz) / 1000, (WINDOW_MS * rateHz) / 1000).amplitude;
}

/** Gain (dB) of a tone through device rate → 24 kHz. */
export function captureGainDb(freqHz: number, deviceRateHz: number): number {
  const out = resample(cosine(freqHz, deviceRateHz, SETTLE_MS + WINDOW_MS + 5), deviceRateHz, WIRE_RATE_HZ);
  return db(level(out, freqHz, WIRE_RATE_HZ) / AMPLITUDE);
}

/** How far (dB) a device-rate tone above the band ends up below a same-level 1 kHz tone, once folded to 24 kHz. */
export function captureAliasRejectionDb(freqHz: number, deviceRateHz: number): number {
  const out = resample(cosine(freqHz, deviceRateHz, SETTLE_MS + WINDOW_MS + 5), deviceRateHz, WIRE_RATE_HZ);
  return captureGainDb(1000, deviceRateHz) - db(level(out, foldFrequency(freqHz, WIRE_RATE_HZ), WIRE_RATE_HZ) / AMPLITUDE);
}

/** Gain (dB) of a 24 kHz tone played out at the device rate, and its strongest image below it (dB, negative). */
export function playbackTone(freqHz: number, deviceRateHz: number): { gainDb: number; worstImageDb: number } {
  const out = resample(cosine(freqHz, WIRE_RATE_HZ, SETTLE_MS + WINDOW_MS + 5), WIRE_RATE_HZ, deviceRateHz);
  const tone = level(out, freqHz, deviceRateHz);
  let worstImageDb = -Infinity;
  for (const image of [WIRE_RATE_HZ - freqHz, WIRE_RATE_HZ + freqHz, 2 * WIRE_RATE_HZ - freqHz]) {
    const folded = foldFrequency(image, deviceRateHz);
    if (Math.abs(folded - freqHz) < 1) continue;
    worstImageDb = Math.max(worstImageDb, db(level(out, folded, deviceRateHz) / tone));
  }
  return { gainDb: db(tone / AMPLITUDE), worstImageDb };
}

/** from, from+step, …, to. */
export function tones(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let f = from; f <= to; f += step) out.push(f);
  return out;
}
