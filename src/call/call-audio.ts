import { modelAudioCodec, type ModelAudioCodec, type ModelAudioFormat } from '../audio/model-audio-codec.js';
import type { CallerAudioFormat } from './caller-stream.js';

/**
 * The one place call/ picks the conversions between the caller's audio and the model's. The
 * session and the caller playback use only `CallAudioCodec`; re-point this file when the codec
 * layer chooses transcoders from both sides' declared formats.
 */
export type CallAudioCodec = ModelAudioCodec;

export function callAudioCodec(caller: CallerAudioFormat, model: ModelAudioFormat): CallAudioCodec {
  // Caller playback frames and marks μ-law 8 kHz audio; that is all the codec layer offers today.
  if (caller.encoding !== 'mulaw' || caller.sampleRateHz !== 8_000 || caller.frameMs !== 20)
    throw new Error(`no conversion for caller audio ${caller.encoding} ${caller.sampleRateHz} Hz in ${caller.frameMs} ms frames`);
  return modelAudioCodec(model);
}
