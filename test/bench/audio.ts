/**
 * Audio pipeline benchmark: filter quality and per-frame cost.
 *
 *   node --import tsx test/bench/audio.ts [--strict-timing]
 *
 * Prints every figure with its target and PASS/FAIL. Exits 1 if a quality
 * target fails; timing is machine-dependent, so it only affects the exit code
 * with --strict-timing.
 */
import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw.js';
import { Downsampler16kTo8k, Downsampler24kTo8k, Upsampler8kTo16k, Upsampler8kTo24k } from '../../src/audio/resampler.js';
import { POLE_SECTIONS, TAPS } from '../../src/audio/resampler-coefficients.js';
import { CallerAudioTranscoder, ModelAudioTranscoder } from '../../src/audio/telephony-transcoder.js';
import { MULAW_8K } from '../../src/audio/audio-format.js';
import { modelAudioCodec } from '../../src/audio/model-audio-codec.js';
import { GEMINI_AUDIO_FORMATS } from '../../src/realtime/gemini-client-messages.js';
import {
  aliasRejectionDb,
  downsampleReferenceDb,
  downsampleTone,
  frequencies,
  groupDelayMs,
  PAIR_16K,
  roundTripTone,
  upsampleTone,
} from '../audio/resampler-measurements.js';
import { chunkSizes, concatInt16, mixedSignal, randomChunkSizes } from '../audio/signals.js';
import { WireResampler } from '../../src/console/test-call/audio/wire-resampler.js';
import {
  captureAliasRejectionDb,
  captureGainDb,
  playbackTone,
  tones as wireTones,
  WIRE_PASSBAND,
  WIRE_STOPBAND_FROM_HZ,
} from '../console/wire-resampler-measurements.js';

const strictTiming = process.argv.includes('--strict-timing');

interface Row {
  section: string;
  metric: string;
  value: string;
  target: string;
  pass: boolean | null; // null = informational
  quality: boolean;
}
const rows: Row[] = [];
function row(section: string, metric: string, value: string, target: string, pass: boolean | null, quality = true): void {
  rows.push({ section, metric, value, target, pass, quality });
}

// ---------------------------------------------------------------------------
// Quality, measured on the actual int16 code path with steady-state tones.
// ---------------------------------------------------------------------------
const PASSBAND = frequencies(300, 3400, 10);

const up = PASSBAND.map((f) => ({ f, ...upsampleTone(f) }));
const worstImage = up.reduce((a, b) => (b.worstImageDb > a.worstImageDb ? b : a));
row('up', 'image rejection, worst over 300–3400 Hz tones (10 Hz steps)',
  `${(-worstImage.worstImageDb).toFixed(1)} dB (tone ${worstImage.f} Hz)`, '≥ 60 dB', -worstImage.worstImageDb >= 60);

const reference = downsampleReferenceDb();
const alias = frequencies(4000, 12000, 10).map((f) => ({ f, rejection: aliasRejectionDb(f, reference) }));
const worstAlias = alias.reduce((a, b) => (b.rejection < a.rejection ? b : a));
row('down', 'alias rejection, worst over 4–12 kHz tones (10 Hz steps), re 1 kHz tone',
  `${worstAlias.rejection.toFixed(1)} dB (tone ${worstAlias.f} Hz)`, '≥ 60 dB', worstAlias.rejection >= 60);
const fiveK = alias.find((a) => a.f === 5000)!;
row('down', '5 kHz tone (aliases to 3 kHz)', `${fiveK.rejection.toFixed(1)} dB`, '≥ 60 dB', fiveK.rejection >= 60);

function passbandRow(section: string, gains: number[], limitDb: number, target: string): void {
  const lo = Math.min(...gains);
  const hi = Math.max(...gains);
  const worstDev = Math.max(Math.abs(lo), Math.abs(hi));
  row(section, 'passband 300–3400 Hz gain (min .. max), ripple p-p',
    `${lo.toFixed(3)} .. ${hi.toFixed(3)} dB, ${(hi - lo).toFixed(3)} dB p-p`, target, hi - lo <= limitDb && worstDev <= limitDb);
}
passbandRow('up', up.map((u) => u.gainDb), 0.5, 'within ±0.5 dB');
passbandRow('down', PASSBAND.map((f) => downsampleTone(f).levelDb), 0.5, 'within ±0.5 dB');
passbandRow('round trip', PASSBAND.map((f) => roundTripTone(f).gainDb), 1, 'within ±1 dB (ideal 0.5)');

const DELAY_FREQS = frequencies(300, 3400, 50);
for (const direction of ['up', 'down'] as const) {
  const delays = DELAY_FREQS.map((f) => groupDelayMs(direction, f));
  const max = Math.max(...delays);
  row(direction, 'group delay over 300–3400 Hz, measured (min .. max)',
    `${Math.min(...delays).toFixed(3)} .. ${max.toFixed(3)} ms`, '≤ 2 ms', max <= 2);
}

// The 8 kHz <-> 16 kHz pair (COEFFS_16K in resampler.ts), against the same bars.
const up16 = PASSBAND.map((f) => ({ f, ...upsampleTone(f, PAIR_16K) }));
const worstImage16 = up16.reduce((a, b) => (b.worstImageDb > a.worstImageDb ? b : a));
row('up 16k', 'image rejection, worst over 300–3400 Hz tones (10 Hz steps)',
  `${(-worstImage16.worstImageDb).toFixed(1)} dB (tone ${worstImage16.f} Hz)`, '≥ 60 dB', -worstImage16.worstImageDb >= 60);
const reference16 = downsampleReferenceDb(PAIR_16K);
const alias16 = frequencies(4000, 8000, 10).map((f) => ({ f, rejection: aliasRejectionDb(f, reference16, PAIR_16K) }));
const worstAlias16 = alias16.reduce((a, b) => (b.rejection < a.rejection ? b : a));
row('down 16k', 'alias rejection, worst over 4–8 kHz tones (10 Hz steps), re 1 kHz tone',
  `${worstAlias16.rejection.toFixed(1)} dB (tone ${worstAlias16.f} Hz)`, '≥ 60 dB', worstAlias16.rejection >= 60);
passbandRow('up 16k', up16.map((u) => u.gainDb), 0.5, 'within ±0.5 dB');
passbandRow('down 16k', PASSBAND.map((f) => downsampleTone(f, PAIR_16K).levelDb), 0.5, 'within ±0.5 dB');
for (const direction of ['up', 'down'] as const) {
  const delays = DELAY_FREQS.map((f) => groupDelayMs(direction, f, PAIR_16K));
  const max = Math.max(...delays);
  row(`${direction} 16k`, 'group delay over 300–3400 Hz, measured (min .. max)',
    `${Math.min(...delays).toFixed(3)} .. ${max.toFixed(3)} ms`, '≤ 2 ms', max <= 2);
}

// ---------------------------------------------------------------------------
// The same figures evaluated analytically from the committed coefficients
// (dense 1 Hz grid), as a cross-check of the tone measurements.
// ---------------------------------------------------------------------------
interface Response { gainDb: number; delayMs: number }
/** H(e^jω) = B(e^jω) / Π(1 + a1·e^−j3ω + a2·e^−j6ω); group delay = Re(Σ n·c_n e^−jωn / Σ c_n e^−jωn) per factor. */
function analytic(freqHz: number): Response {
  const w = (2 * Math.PI * freqHz) / 24000;
  let bRe = 0, bIm = 0, nbRe = 0, nbIm = 0;
  TAPS.forEach((b, n) => {
    bRe += b * Math.cos(w * n); bIm -= b * Math.sin(w * n);
    nbRe += n * b * Math.cos(w * n); nbIm -= n * b * Math.sin(w * n);
  });
  let mag = Math.hypot(bRe, bIm);
  let delay = (nbRe * bRe + nbIm * bIm) / (bRe * bRe + bIm * bIm);
  for (const [a1, a2] of POLE_SECTIONS) {
    const re = 1 + a1 * Math.cos(3 * w) + a2 * Math.cos(6 * w);
    const im = -a1 * Math.sin(3 * w) - a2 * Math.sin(6 * w);
    const nRe = 3 * a1 * Math.cos(3 * w) + 6 * a2 * Math.cos(6 * w);
    const nIm = -3 * a1 * Math.sin(3 * w) - 6 * a2 * Math.sin(6 * w);
    mag /= Math.hypot(re, im);
    delay -= (nRe * re + nIm * im) / (re * re + im * im);
  }
  return { gainDb: 20 * Math.log10(mag), delayMs: (delay / 24000) * 1000 };
}
const aPass = frequencies(300, 3400, 1).map(analytic);
const aStop = frequencies(4000, 12000, 1).map(analytic);
const aStopWorst = -Math.max(...aStop.map((r) => r.gainDb));
row('filter', 'analytic stopband attenuation 4–12 kHz (1 Hz grid)', `${aStopWorst.toFixed(2)} dB`, '≥ 60 dB', aStopWorst >= 60);
const aLo = Math.min(...aPass.map((r) => r.gainDb));
const aHi = Math.max(...aPass.map((r) => r.gainDb));
row('filter', 'analytic passband 300–3400 Hz (min .. max)', `${aLo.toFixed(3)} .. ${aHi.toFixed(3)} dB`, 'within ±0.5 dB', aHi - aLo <= 0.5 && Math.max(-aLo, aHi) <= 0.5);
const aDelay = aPass.map((r) => r.delayMs);
row('filter', 'analytic group delay 300–3400 Hz (min .. max), each direction',
  `${Math.min(...aDelay).toFixed(3)} .. ${Math.max(...aDelay).toFixed(3)} ms`, '≤ 2 ms', Math.max(...aDelay) <= 2);

// ---------------------------------------------------------------------------
// Chunked == whole (bit-exact).
// ---------------------------------------------------------------------------
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
function chunkedInt16(process: (c: Int16Array) => Int16Array, signal: Int16Array, sizes: number[]): Int16Array {
  const parts: Int16Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(process(signal.subarray(offset, offset + size)).slice());
    offset += size;
  }
  return concatInt16(parts);
}
function chunkings(length: number, frame: number): number[][] {
  return [chunkSizes(length, [frame]), chunkSizes(length, [7]), chunkSizes(length, [1]),
    chunkSizes(length, [1, 2, 3, 5, 1000]), randomChunkSizes(length, 5000, 3)];
}
/** Adds a row: does feeding `signal` to fresh resamplers in each chunking give the bytes of one call? */
function chunkedRow(section: string, make: () => { process(c: Int16Array): Int16Array }, signal: Int16Array, frame: number): void {
  const whole = make().process(signal);
  const exact = chunkings(signal.length, frame).every((sizes) => {
    const r = make();
    return sameBytes(chunkedInt16((c) => r.process(c), signal, sizes), whole);
  });
  row(section, `chunked == whole (frames of ${frame}, 7, 1, mixed, random)`, exact ? 'yes' : 'NO', 'bit-exact', exact);
}
const sig8 = mixedSignal(8000 * 3, 8000, 21);
const sig24 = mixedSignal(24000 * 3, 24000, 22);
chunkedRow('up', () => new Upsampler8kTo24k(), sig8, 160);
chunkedRow('down', () => new Downsampler24kTo8k(), sig24, 480);
const pcmBytes = Buffer.alloc(sig24.length * 2);
sig24.forEach((s, i) => pcmBytes.writeInt16LE(s, 2 * i));
const modelWhole = new ModelAudioTranscoder().toCaller(pcmBytes);
const modelExact = [chunkSizes(pcmBytes.length, [1]), chunkSizes(pcmBytes.length, [7]), chunkSizes(pcmBytes.length, [3, 961, 2, 4801]),
  randomChunkSizes(pcmBytes.length, 10000, 4)].every((sizes) => {
  const m = new ModelAudioTranscoder();
  const parts: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(m.toCaller(pcmBytes.subarray(offset, offset + size)));
    offset += size;
  }
  return Buffer.concat(parts).equals(modelWhole);
});
row('down', 'ModelAudioTranscoder, odd byte chunks (1, 7, mixed, random) == whole', modelExact ? 'yes' : 'NO', 'bit-exact', modelExact);
const sig16 = mixedSignal(16000 * 3, 16000, 23);
chunkedRow('up 16k', () => new Upsampler8kTo16k(), sig8, 160);
chunkedRow('down 16k', () => new Downsampler16kTo8k(), sig16, 320);

// ---------------------------------------------------------------------------
// Gemini Live: 16 kHz in, 24 kHz out. The codec the call picks for its declared formats is the
// 8 -> 16 kHz upsampler one way and the 24 -> 8 kHz downsampler the other (checked byte for byte
// here), so its bars are those pairs' figures above, restated per direction.
// ---------------------------------------------------------------------------
const geminiCodec = modelAudioCodec(MULAW_8K, GEMINI_AUDIO_FORMATS);
const sig8Mulaw = Buffer.from(encodeMulaw(sig8));
const geminiUp = geminiCodec.toModel(sig8Mulaw);
const geminiDown = geminiCodec.toCaller(pcmBytes);
const sameCodec = geminiUp.equals(new CallerAudioTranscoder(new Upsampler8kTo16k()).toModel(sig8Mulaw)) && geminiDown.equals(modelWhole);
row('gemini', 'codec for pcm16 16 kHz in / 24 kHz out == up 16k and down (24k) transcoders', sameCodec ? 'yes' : 'NO', 'bit-exact', sameCodec);
row('gemini', 'uplink image rejection (8 -> 16 kHz)', `${(-worstImage16.worstImageDb).toFixed(1)} dB`, '≥ 60 dB', -worstImage16.worstImageDb >= 60);
row('gemini', 'downlink alias rejection (24 -> 8 kHz)', `${worstAlias.rejection.toFixed(1)} dB`, '≥ 60 dB', worstAlias.rejection >= 60);
passbandRow('gemini up', up16.map((u) => u.gainDb), 0.5, 'within ±0.5 dB');
passbandRow('gemini down', PASSBAND.map((f) => downsampleTone(f).levelDb), 0.5, 'within ±0.5 dB');
const geminiDelay = Math.max(...DELAY_FREQS.map((f) => groupDelayMs('up', f, PAIR_16K)), ...DELAY_FREQS.map((f) => groupDelayMs('down', f)));
row('gemini', 'group delay, worst of either direction over 300–3400 Hz', `${geminiDelay.toFixed(3)} ms`, '≤ 2 ms', geminiDelay <= 2);

// ---------------------------------------------------------------------------
// Cost per 20 ms frame.
// ---------------------------------------------------------------------------
const FRAMES = 500; // 10 s of distinct frames, cycled
const callerMulaw = encodeMulaw(mixedSignal(160 * FRAMES, 8000, 31));
const modelPcm = mixedSignal(480 * FRAMES, 24000, 32);
const modelPcmBytes = Buffer.from(modelPcm.buffer);
const WARMUP = 30_000;
const BATCH = 100_000;
const SAMPLED = 100_000;

/** Mean from one long batch (no timer in the loop); p99 from individually timed frames. */
function timeFrames(step: (frame: number) => void): { mean: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) step(i % FRAMES);
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) step(i % FRAMES);
  const mean = ((performance.now() - t0) * 1000) / BATCH;
  const samples = new Float64Array(SAMPLED);
  for (let i = 0; i < SAMPLED; i++) {
    const s = performance.now();
    step(i % FRAMES);
    samples[i] = (performance.now() - s) * 1000;
  }
  samples.sort();
  return { mean, p99: samples[Math.floor(SAMPLED * 0.99)]! };
}
const timerOverhead = timeFrames(() => undefined);

const pcm8 = new Int16Array(160);
const pcm24 = new Int16Array(480);
const mulawOut = new Uint8Array(160);
const upsampler = new Upsampler8kTo24k();
const downsampler = new Downsampler24kTo8k();
let sink = 0;

const upCost = timeFrames((f) => {
  upsampler.process(decodeMulaw(callerMulaw.subarray(f * 160, f * 160 + 160), pcm8), pcm24);
  sink += pcm24[7]!;
});
const downCost = timeFrames((f) => {
  encodeMulaw(downsampler.process(modelPcm.subarray(f * 480, f * 480 + 480), pcm8), mulawOut);
  sink += mulawOut[7]!;
});
const callerTranscoder = new CallerAudioTranscoder();
const toModelCost = timeFrames((f) => {
  sink += callerTranscoder.toModel(callerMulaw.subarray(f * 160, f * 160 + 160))[7]!;
});
const modelTranscoder = new ModelAudioTranscoder();
const toCallerCost = timeFrames((f) => {
  sink += modelTranscoder.toCaller(modelPcmBytes.subarray(f * 960, f * 960 + 960))[7]!;
});
const modelPcm16 = mixedSignal(320 * FRAMES, 16000, 33);
const pcm16 = new Int16Array(320);
const upsampler16 = new Upsampler8kTo16k();
const downsampler16 = new Downsampler16kTo8k();
const up16Cost = timeFrames((f) => {
  upsampler16.process(decodeMulaw(callerMulaw.subarray(f * 160, f * 160 + 160), pcm8), pcm16);
  sink += pcm16[7]!;
});
const down16Cost = timeFrames((f) => {
  encodeMulaw(downsampler16.process(modelPcm16.subarray(f * 320, f * 320 + 320), pcm8), mulawOut);
  sink += mulawOut[7]!;
});
const callerTranscoder16 = new CallerAudioTranscoder(new Upsampler8kTo16k());
const toModel16Cost = timeFrames((f) => {
  sink += callerTranscoder16.toModel(callerMulaw.subarray(f * 160, f * 160 + 160))[7]!;
});
const geminiCallCodec = modelAudioCodec(MULAW_8K, GEMINI_AUDIO_FORMATS);
const callerMulawBytes = Buffer.from(callerMulaw.buffer, callerMulaw.byteOffset, callerMulaw.length);
const geminiUpCost = timeFrames((f) => {
  sink += geminiCallCodec.toModel(callerMulawBytes.subarray(f * 160, f * 160 + 160))[7]!;
});
const geminiDownCost = timeFrames((f) => {
  sink += geminiCallCodec.toCaller(modelPcmBytes.subarray(f * 960, f * 960 + 960))[7]!;
});
const scratch = Buffer.alloc(960);
const freshBufferCost = timeFrames(() => {
  const b = Buffer.allocUnsafe(960);
  scratch.copy(b);
  sink += b[7]!;
});

// Digital silence for 10 s first: without the denormal guard the IIR state would now be subnormal.
const silentMulaw = new Uint8Array(160).fill(0xff);
const silentPcm = new Int16Array(480);
const quietUp = new Upsampler8kTo24k();
const quietDown = new Downsampler24kTo8k();
quietUp.process(decodeMulaw(callerMulaw.subarray(0, 160), pcm8), pcm24);
quietDown.process(modelPcm.subarray(0, 480), pcm8);
for (let i = 0; i < 500; i++) {
  quietUp.process(decodeMulaw(silentMulaw, pcm8), pcm24);
  quietDown.process(silentPcm, pcm8);
}
const silenceCost = timeFrames(() => {
  quietUp.process(decodeMulaw(silentMulaw, pcm8), pcm24);
  encodeMulaw(quietDown.process(silentPcm, pcm8), mulawOut);
});

const us = (c: { mean: number; p99: number }): string => `${c.mean.toFixed(2)} / ${c.p99.toFixed(2)} µs`;
const within = (c: { mean: number; p99: number }, limit: number): boolean => c.mean < limit && c.p99 < limit;
row('cost', 'up: μ-law decode 160 B + upsample to 480 (mean / p99)', us(upCost), '< 20 µs', within(upCost, 20), false);
row('cost', 'down: downsample 480 + μ-law encode 160 B (mean / p99)', us(downCost), '< 20 µs', within(downCost, 20), false);
row('cost', 'up 16k: μ-law decode 160 B + upsample to 320 (mean / p99)', us(up16Cost), '< 20 µs', within(up16Cost, 20), false);
row('cost', 'down 16k: downsample 320 + μ-law encode 160 B (mean / p99)', us(down16Cost), '< 20 µs', within(down16Cost, 20), false);
row('cost', 'CallerAudioTranscoder.toModel, 160 B in, fresh Buffer out', us(toModelCost), 'info', null, false);
row('cost', 'CallerAudioTranscoder (16 kHz).toModel, 160 B in, fresh Buffer out', us(toModel16Cost), 'info', null, false);
row('cost', 'ModelAudioTranscoder.toCaller, 960 B in, fresh Buffer out', us(toCallerCost), 'info', null, false);
row('cost', 'Gemini codec toModel: 160 B μ-law in, 640 B PCM16 16 kHz out, fresh Buffer', us(geminiUpCost), 'info', null, false);
row('cost', 'Gemini codec toCaller: 960 B PCM16 24 kHz in, 160 B μ-law out, fresh Buffer', us(geminiDownCost), 'info', null, false);
row('cost', 'of which fresh 960 B Buffer (allocUnsafe + copy)', us(freshBufferCost), 'info', null, false);
row('cost', 'up + down after 10 s of digital silence (denormal guard)', us(silenceCost), '< 40 µs', silenceCost.mean < 40, false);
row('cost', 'timer overhead included in each p99 sample', us(timerOverhead), 'info', null, false);

// ---------------------------------------------------------------------------
// The console's test line: the browser's resampler (src/console/test-call/audio/wire-resampler.ts),
// device rate ⇄ the 24 kHz wire, measured like the phone path's; and the 16 kHz wire it was
// weighed against.
// ---------------------------------------------------------------------------
const WIRE_PASS = wireTones(WIRE_PASSBAND.fromHz, WIRE_PASSBAND.toHz, 50);
for (const deviceRate of [48_000, 44_100]) {
  const kHz = deviceRate / 1000;
  const capture = WIRE_PASS.map((f) => captureGainDb(f, deviceRate));
  const worstCapture = Math.max(...capture.map(Math.abs));
  row('browser', `mic ${kHz} → 24 kHz: gain 100 Hz–10 kHz (50 Hz steps), worst`, `${worstCapture.toFixed(3)} dB`, '≤ ±0.5 dB', worstCapture <= 0.5);
  const aliases = wireTones(WIRE_STOPBAND_FROM_HZ, deviceRate / 2 - 50, 50).map((f) => captureAliasRejectionDb(f, deviceRate));
  const worstAliasWire = Math.min(...aliases);
  row('browser', `mic ${kHz} → 24 kHz: alias rejection 14 kHz–Nyquist, re 1 kHz`, `${worstAliasWire.toFixed(1)} dB`, '≥ 60 dB', worstAliasWire >= 60);
  const playback = WIRE_PASS.map((f) => playbackTone(f, deviceRate));
  const worstPlayGain = Math.max(...playback.map((m) => Math.abs(m.gainDb)));
  const worstPlayImage = Math.max(...playback.map((m) => m.worstImageDb));
  row('browser', `24 → ${kHz} kHz playback: gain 100 Hz–10 kHz, worst`, `${worstPlayGain.toFixed(3)} dB`, '≤ ±0.5 dB', worstPlayGain <= 0.5);
  row('browser', `24 → ${kHz} kHz playback: image rejection, worst`, `${(-worstPlayImage).toFixed(1)} dB`, '≥ 60 dB', -worstPlayImage >= 60);
}

/** Cost of one 20 ms block through a wire resampler (fewer frames than above: these are heavier). */
function timeWire(from: number, to: number): { mean: number; p99: number } {
  const resampler = new WireResampler(from, to);
  const frame = from / 50;
  const input = Float32Array.from({ length: frame * 50 }, (_, i) => Math.sin(i * 0.013) * 0.4 + Math.sin(i * 0.31) * 0.1);
  const out = new Float32Array(resampler.maxOutputLength(frame));
  const step = (f: number) => {
    sink += resampler.process(input.subarray((f % 50) * frame, (f % 50) * frame + frame), out);
  };
  for (let i = 0; i < 2_000; i++) step(i);
  const t0 = performance.now();
  for (let i = 0; i < 20_000; i++) step(i);
  const mean = ((performance.now() - t0) * 1000) / 20_000;
  const samples = new Float64Array(20_000);
  for (let i = 0; i < samples.length; i++) {
    const s = performance.now();
    step(i);
    samples[i] = (performance.now() - s) * 1000;
  }
  samples.sort();
  return { mean, p99: samples[Math.floor(samples.length * 0.99)]! };
}
for (const [from, to] of [[48_000, 24_000], [24_000, 48_000], [44_100, 24_000], [24_000, 44_100], [48_000, 16_000]] as const) {
  const design = new WireResampler(from, to).design;
  const cost = timeWire(from, to);
  row('browser', `${from / 1000} → ${to / 1000} kHz, 20 ms block (${design.tapsPerPhase} taps/phase; mean / p99)`, us(cost), 'info', null, false);
}
row('browser', '24 kHz wire on the service: caller ⇄ OpenAI PCM16 24 kHz', 'pass-through (0 µs)', 'info', null, false);

// ---------------------------------------------------------------------------
// Report.
// ---------------------------------------------------------------------------
const headers = ['direction', 'metric', 'measured', 'target', 'result'];
const table = rows.map((r) => [r.section, r.metric, r.value, r.target, r.pass === null ? '—' : r.pass ? 'PASS' : 'FAIL']);
const widths = headers.map((h, i) => Math.max(h.length, ...table.map((cells) => cells[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(headers));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const cells of table) console.log(line(cells));
console.log(`
Method notes:
- Levels: single-bin DFT over a 100 ms window after 60 ms of settling; all tones, images and
  aliases are multiples of 10 Hz, hence bin-centred (no leakage, no window function). Input tones
  are int16 cosines at ${16000} peak (-6 dBFS) fed through fresh resamplers (no μ-law in the path).
- Image rejection: output level at 8000 ± f relative to the output level at f.
- Alias rejection: level at the folded frequency relative to a same-amplitude 1 kHz tone.
- Group delay (measured): -Δphase/Δω of the output tone between f - 10 Hz and f + 10 Hz, phases taken
  against the input time axis (output sample 3n <-> input sample n). Analytic: exact group delay of
  B(z)/A(z^3) from the committed coefficients.
- Cost: mean from ${BATCH} back-to-back frames after ${WARMUP} warm-up frames; p99 from ${SAMPLED}
  individually timed frames (includes the timer overhead shown). Frames cycle through 10 s of signal.
- Node ${process.version}, ${process.arch}. (checksum ${sink % 7})`);

const qualityFailed = rows.some((r) => r.quality && r.pass === false);
const timingFailed = rows.some((r) => !r.quality && r.pass === false);
console.log(`\nquality: ${qualityFailed ? 'FAIL' : 'PASS'}; timing: ${timingFailed ? 'FAIL' : 'PASS'}${strictTiming ? ' (strict)' : ' (informational; --strict-timing to enforce)'}`);
process.exitCode = qualityFailed || (strictTiming && timingFailed) ? 1 : 0;
