import { bytesPerMs, type ModelAudioFormats } from '../audio/audio-format.js';
import { modelAudioCodec, type ModelAudioCodec } from '../audio/model-audio-codec.js';
import type { CallerAudioFormat } from './caller-stream.js';

/**
 * The one place call/ picks the conversions between the caller's audio and the model's: the codec
 * layer chooses the transcoders from the formats both sides declare. The session and the caller
 * playback use only `CallAudioCodec`.
 */
export type CallAudioCodec = ModelAudioCodec;

/** The caller formats playback cuts and marks: Twilio's μ-law 8 kHz, and the test line's PCM16 24 kHz. */
function playable(caller: CallerAudioFormat): boolean {
  const frameBytes = bytesPerMs(caller) * caller.frameMs;
  const knownRate = caller.encoding === 'pcmu' ? caller.sampleRateHz === 8_000 : caller.sampleRateHz === 24_000;
  return knownRate && Number.isInteger(frameBytes) && frameBytes > 0;
}

export function callAudioCodec(caller: CallerAudioFormat, model: ModelAudioFormats): CallAudioCodec {
  if (!playable(caller))
    throw new Error(`no playback for caller audio ${caller.encoding} ${caller.sampleRateHz} Hz in ${caller.frameMs} ms frames`);
  return modelAudioCodec(caller, model);
}
