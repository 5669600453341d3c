/**
 * The conversion one call needs between Twilio's μ-law 8 kHz and the realtime model's audio
 * format: PCM16 24 kHz (decode + resample both ways; the design default, so every step after
 * this one sees plain PCM), or μ-law 8 kHz passed through untouched (an option, MODEL_AUDIO_FORMAT
 * = pcmu, that saves the transcoding cost; see the load benchmark).
 */
import { mulawBytesToMs, pcm24kBytesToMs } from './audio-units.js';
import { CallerAudioTranscoder, ModelAudioTranscoder } from './telephony-transcoder.js';

export type ModelAudioFormat = 'pcm16' | 'pcmu';

export interface ModelAudioCodec {
  readonly format: ModelAudioFormat;
  /** Caller μ-law 8 kHz → the model's input format; the result is the caller's to keep. */
  toModel(mulaw: Buffer): Buffer;
  /** The model's output → μ-law 8 kHz; the result is the caller's to keep. */
  toCaller(modelAudio: Buffer): Buffer;
  /** Duration of `bytes` of the model's audio, in ms. */
  modelBytesToMs(bytes: number): number;
  /** Forgets the model → caller filter history (barge-in: the next reply starts clean). */
  reset(): void;
}

class Pcm16Codec implements ModelAudioCodec {
  readonly format = 'pcm16';
  private readonly up = new CallerAudioTranscoder();
  private readonly down = new ModelAudioTranscoder();

  toModel(mulaw: Buffer): Buffer {
    return this.up.toModel(mulaw);
  }

  toCaller(modelAudio: Buffer): Buffer {
    return this.down.toCaller(modelAudio);
  }

  modelBytesToMs(bytes: number): number {
    return pcm24kBytesToMs(bytes);
  }

  reset(): void {
    this.down.reset();
  }
}

/** Twilio's and the model's μ-law are the same bytes: nothing to convert, nothing to remember. */
class MulawPassthrough implements ModelAudioCodec {
  readonly format = 'pcmu';

  toModel(mulaw: Buffer): Buffer {
    return mulaw;
  }

  toCaller(modelAudio: Buffer): Buffer {
    return modelAudio;
  }

  modelBytesToMs(bytes: number): number {
    return mulawBytesToMs(bytes);
  }

  reset(): void {}
}

export function modelAudioCodec(format: ModelAudioFormat): ModelAudioCodec {
  return format === 'pcmu' ? new MulawPassthrough() : new Pcm16Codec();
}
