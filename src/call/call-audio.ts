import type { ModelAudioFormats } from '../audio/audio-format.js';
import { modelAudioCodec, type ModelAudioCodec } from '../audio/model-audio-codec.js';
import type { CallerAudioFormat } from './caller-stream.js';

/**
 * The one place call/ picks the conversions between the caller's audio and the model's: the codec
 * layer chooses the transcoders from the formats both sides declare. The session and the caller
 * playback use only `CallAudioCodec`.
 */
export type CallAudioCodec = ModelAudioCodec;

export function callAudioCodec(caller: CallerAudioFormat, model: ModelAudioFormats): CallAudioCodec {
  // Caller playback cuts and marks 20 ms frames of μ-law 8 kHz: the one caller format it plays today.
  if (caller.encoding !== 'pcmu' || caller.sampleRateHz !== 8_000 || caller.frameMs !== 20)
    throw new Error(`no playback for caller audio ${caller.encoding} ${caller.sampleRateHz} Hz in ${caller.frameMs} ms frames`);
  return modelAudioCodec(caller, model);
}
