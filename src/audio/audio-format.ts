/**
 * How one side of a call encodes its audio: what a caller stream and a realtime model each
 * declare, so the codec layer (model-audio-codec.ts) can pick the conversion between them.
 * Always mono; PCM16 is little-endian.
 */

/** PCM16 (2 bytes per sample) or G.711 μ-law (1 byte per sample). */
export type AudioEncoding = 'pcm16' | 'pcmu';

export interface AudioFormat {
  readonly encoding: AudioEncoding;
  readonly sampleRateHz: number;
}

/** What a realtime model takes in and gives out; the two may differ (e.g. 16 kHz in, 24 kHz out). */
export interface ModelAudioFormats {
  readonly input: AudioFormat;
  readonly output: AudioFormat;
}

/** Telephony: Twilio media streams, and OpenAI's `audio/pcmu`. */
export const MULAW_8K: AudioFormat = Object.freeze({ encoding: 'pcmu', sampleRateHz: 8000 });
export const PCM16_16K: AudioFormat = Object.freeze({ encoding: 'pcm16', sampleRateHz: 16000 });
/** OpenAI Realtime's `audio/pcm`. */
export const PCM16_24K: AudioFormat = Object.freeze({ encoding: 'pcm16', sampleRateHz: 24000 });

/** Bytes per millisecond of audio in `format`. */
export function bytesPerMs(format: AudioFormat): number {
  return ((format.encoding === 'pcm16' ? 2 : 1) * format.sampleRateHz) / 1000;
}

export function sameAudioFormat(a: AudioFormat, b: AudioFormat): boolean {
  return a.encoding === b.encoding && a.sampleRateHz === b.sampleRateHz;
}

export function sameModelAudioFormats(a: ModelAudioFormats, b: ModelAudioFormats): boolean {
  return sameAudioFormat(a.input, b.input) && sameAudioFormat(a.output, b.output);
}

/** e.g. "pcm16 24000 Hz", for error messages and logs. */
export function describeAudioFormat(format: AudioFormat): string {
  return `${format.encoding} ${format.sampleRateHz} Hz`;
}
