/**
 * The conversion one call needs between the caller's audio and the realtime model's, picked from
 * the formats the two sides declare. Today: Twilio's μ-law 8 kHz ⇄ OpenAI's PCM16 24 kHz (decode +
 * resample both ways; the design default, so every step after this one sees plain PCM), or μ-law
 * 8 kHz passed through untouched (MODEL_AUDIO_FORMAT=pcmu, which saves the transcoding cost; see
 * the load benchmark). A model that takes or gives PCM16 16 kHz is served too, each direction on
 * its own (e.g. 16 kHz in, 24 kHz out). The console's test line is a PCM16 24 kHz caller: passed
 * straight through to a PCM16 24 kHz model, or run through the same transcoders to a μ-law one.
 */
import {
  bytesPerMs,
  describeAudioFormat,
  sameAudioFormat,
  sameModelAudioFormats,
  type AudioEncoding,
  type AudioFormat,
  type ModelAudioFormats,
} from './audio-format.js';
import { Downsampler16kTo8k, Downsampler24kTo8k, Upsampler8kTo16k, Upsampler8kTo24k } from './resampler.js';
import { CallerAudioTranscoder, ModelAudioTranscoder } from './telephony-transcoder.js';

/** The model encoding a deployment prefers (MODEL_AUDIO_FORMAT); what a model uses is its `audioFormats`. */
export type ModelAudioFormat = AudioEncoding;

/** Caller → model, one call's worth of state. The result is the caller's to keep. */
export interface Uplink {
  toModel(callerAudio: Buffer): Buffer;
}

/** Model → caller, one call's worth of state. The result is the caller's to keep. */
export interface Downlink {
  toCaller(modelAudio: Buffer): Buffer;
  /** Forgets filter history (barge-in: the next reply starts clean). */
  reset(): void;
}

export interface AudioTranscoders {
  uplink: Uplink;
  downlink: Downlink;
}

/** Two declared formats we have no conversion between: a configuration error, not a call error. */
export class UnsupportedAudioFormatError extends Error {
  readonly code = 'unsupported_audio_format';
  readonly recoverable = false;

  constructor(direction: 'uplink' | 'downlink', from: AudioFormat, to: AudioFormat) {
    super(
      `no ${direction} audio conversion from ${describeAudioFormat(from)} to ${describeAudioFormat(to)} ` +
        '(supported: the same format both sides, or pcmu 8000 Hz to and from pcm16 16000 or 24000 Hz)',
    );
    this.name = 'UnsupportedAudioFormatError';
  }
}

/** Same bytes on both sides: nothing to convert, nothing to remember. */
class Passthrough implements Uplink, Downlink {
  toModel(callerAudio: Buffer): Buffer {
    return callerAudio;
  }

  toCaller(modelAudio: Buffer): Buffer {
    return modelAudio;
  }

  reset(): void {}
}

function isMulaw8k(format: AudioFormat): boolean {
  return format.encoding === 'pcmu' && format.sampleRateHz === 8000;
}

function isPcm24k(format: AudioFormat): boolean {
  return format.encoding === 'pcm16' && format.sampleRateHz === 24000;
}

/**
 * A PCM16 24 kHz caller (the console's test line) with a μ-law 8 kHz model: the phone path's
 * transcoders, run the other way round (the caller's audio is what the phone path sends Twilio).
 */
class Pcm24kCallerToMulawModel implements Uplink {
  private readonly transcoder = new ModelAudioTranscoder(new Downsampler24kTo8k());

  toModel(callerAudio: Buffer): Buffer {
    return this.transcoder.toCaller(callerAudio);
  }
}

class MulawModelToPcm24kCaller implements Downlink {
  private readonly transcoder = new CallerAudioTranscoder(new Upsampler8kTo24k());

  toCaller(modelAudio: Buffer): Buffer {
    return this.transcoder.toModel(modelAudio);
  }

  reset(): void {
    this.transcoder.reset();
  }
}

function uplinkFor(caller: AudioFormat, model: AudioFormat): Uplink {
  if (sameAudioFormat(caller, model)) return new Passthrough();
  if (isMulaw8k(caller) && model.encoding === 'pcm16') {
    if (model.sampleRateHz === 24000) return new CallerAudioTranscoder(new Upsampler8kTo24k());
    if (model.sampleRateHz === 16000) return new CallerAudioTranscoder(new Upsampler8kTo16k());
  }
  if (isPcm24k(caller) && isMulaw8k(model)) return new Pcm24kCallerToMulawModel();
  throw new UnsupportedAudioFormatError('uplink', caller, model);
}

function downlinkFor(model: AudioFormat, caller: AudioFormat): Downlink {
  if (sameAudioFormat(model, caller)) return new Passthrough();
  if (isMulaw8k(caller) && model.encoding === 'pcm16') {
    if (model.sampleRateHz === 24000) return new ModelAudioTranscoder(new Downsampler24kTo8k());
    if (model.sampleRateHz === 16000) return new ModelAudioTranscoder(new Downsampler16kTo8k());
  }
  if (isPcm24k(caller) && isMulaw8k(model)) return new MulawModelToPcm24kCaller();
  throw new UnsupportedAudioFormatError('downlink', model, caller);
}

/**
 * The transcoders between a caller stream's format and a model's declared input and output
 * formats, chosen per direction. Throws UnsupportedAudioFormatError for a pair we cannot convert.
 */
export function selectTranscoders(caller: AudioFormat, model: ModelAudioFormats): AudioTranscoders {
  return { uplink: uplinkFor(caller, model.input), downlink: downlinkFor(model.output, caller) };
}

/** What a call uses: both directions, and the duration of the model's audio. */
export interface ModelAudioCodec {
  /** The model formats this codec converts for. */
  readonly formats: ModelAudioFormats;
  /** Caller audio → the model's input format; the result is the caller's to keep. */
  toModel(callerAudio: Buffer): Buffer;
  /** The model's output → the caller's format; the result is the caller's to keep. */
  toCaller(modelAudio: Buffer): Buffer;
  /** Duration of `bytes` of the model's output audio, in ms. */
  modelBytesToMs(bytes: number): number;
  /** Forgets the model → caller filter history (barge-in: the next reply starts clean). */
  reset(): void;
  /** True if this codec already converts for `formats` (so a new model session can keep it, history and all). */
  serves(formats: ModelAudioFormats): boolean;
}

class SelectedCodec implements ModelAudioCodec {
  private readonly uplink: Uplink;
  private readonly downlink: Downlink;
  private readonly modelBytesPerMs: number;

  constructor(
    caller: AudioFormat,
    readonly formats: ModelAudioFormats,
  ) {
    ({ uplink: this.uplink, downlink: this.downlink } = selectTranscoders(caller, formats));
    this.modelBytesPerMs = bytesPerMs(formats.output);
  }

  toModel(callerAudio: Buffer): Buffer {
    return this.uplink.toModel(callerAudio);
  }

  toCaller(modelAudio: Buffer): Buffer {
    return this.downlink.toCaller(modelAudio);
  }

  modelBytesToMs(bytes: number): number {
    return bytes / this.modelBytesPerMs;
  }

  reset(): void {
    this.downlink.reset();
  }

  serves(formats: ModelAudioFormats): boolean {
    return sameModelAudioFormats(this.formats, formats);
  }
}

/**
 * The codec for one call between the caller stream's format (Twilio: μ-law 8 kHz) and the model's
 * declared formats. Throws UnsupportedAudioFormatError for a pair we cannot convert.
 */
export function modelAudioCodec(caller: AudioFormat, model: ModelAudioFormats): ModelAudioCodec {
  return new SelectedCodec(caller, model);
}
