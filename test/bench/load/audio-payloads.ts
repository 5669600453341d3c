/**
 * Audio the simulated callers and model send, made once and kept as base64 strings so the load
 * generator spends no time on audio per frame. A voiced, speech-like signal (a 130 Hz harmonic
 * series under a syllable-rate envelope, plus a little noise), so the service's filters work on
 * realistic, varying samples rather than silence.
 */
import { encodeMulaw } from '../../../src/audio/mulaw.js';

export type ModelAudioFormat = 'pcm16' | 'pcmu';

/** Twilio's frame: 20 ms of μ-law 8 kHz. */
export const CALLER_FRAME_MS = 20;
export const MULAW_BYTES_PER_MS = 8;

function speechLike(sampleRate: number, ms: number, seed: number): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * ms) / 1000));
  let noise = seed;
  for (let i = 0; i < samples.length; i += 1) {
    const t = i / sampleRate;
    const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t + seed);
    let voiced = 0;
    for (let h = 1; h <= 20 && 130 * h < sampleRate / 2 - 300; h += 1) voiced += Math.sin(2 * Math.PI * 130 * h * t + h * seed) / h;
    noise = (noise * 1_103_515_245 + 12_345) & 0x7fffffff;
    samples[i] = Math.round(envelope * (3_000 * voiced + 400 * (noise / 0x7fffffff - 0.5)));
  }
  return samples;
}

function pcm16Bytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** One second of caller audio as 50 base64 payloads of 160 μ-law bytes each. */
export function callerFramePayloads(): string[] {
  const mulaw = encodeMulaw(speechLike(8_000, 1_000, 1));
  const frames: string[] = [];
  for (let offset = 0; offset < mulaw.length; offset += 160) frames.push(Buffer.from(mulaw.subarray(offset, offset + 160)).toString('base64'));
  return frames;
}

export interface ModelAudioChunks {
  format: ModelAudioFormat;
  /** Audio per delta in ms. */
  deltaMs: number;
  /** Base64 deltas covering two seconds, used round-robin. */
  payloads: string[];
  /** Bytes of model audio in one delta (PCM16 24 kHz or μ-law 8 kHz). */
  bytesPerDelta: number;
}

/** Reply audio cut into deltas of `deltaMs`, in the session's output format. */
export function modelAudioChunks(format: ModelAudioFormat, deltaMs: number): ModelAudioChunks {
  const payloads: string[] = [];
  let bytesPerDelta: number;
  if (format === 'pcmu') {
    const mulaw = Buffer.from(encodeMulaw(speechLike(8_000, 2_000, 2)));
    bytesPerDelta = deltaMs * MULAW_BYTES_PER_MS;
    for (let offset = 0; offset + bytesPerDelta <= mulaw.length; offset += bytesPerDelta)
      payloads.push(mulaw.subarray(offset, offset + bytesPerDelta).toString('base64'));
  } else {
    const pcm = pcm16Bytes(speechLike(24_000, 2_000, 2));
    bytesPerDelta = deltaMs * 48;
    for (let offset = 0; offset + bytesPerDelta <= pcm.length; offset += bytesPerDelta)
      payloads.push(pcm.subarray(offset, offset + bytesPerDelta).toString('base64'));
  }
  return { format, deltaMs, payloads, bytesPerDelta };
}
