import t from 'tap';

import { MULAW_8K, PCM16_16K, PCM16_24K, type AudioFormat } from '../../src/audio/audio-format.js';
import { modelAudioCodec, selectTranscoders, UnsupportedAudioFormatError } from '../../src/audio/model-audio-codec.js';
import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw.js';
import { Downsampler16kTo8k, Downsampler24kTo8k, Upsampler8kTo16k } from '../../src/audio/resampler.js';
import { CallerAudioTranscoder, ModelAudioTranscoder } from '../../src/audio/telephony-transcoder.js';
import { chunkSizes, concatBytes, mixedSignal, randomChunkSizes } from './signals.js';

const CALLER_MULAW = Buffer.from(encodeMulaw(mixedSignal(8000, 8000, 13)));
const MODEL_24K = littleEndian(mixedSignal(24000, 24000, 14));
const MODEL_16K = littleEndian(mixedSignal(16000, 16000, 15));

function littleEndian(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16LE(s, 2 * i));
  return out;
}

function samplesOf(bytes: Buffer): Int16Array {
  return Int16Array.from({ length: bytes.length >> 1 }, (_, i) => bytes.readInt16LE(2 * i));
}

t.test('Twilio μ-law and OpenAI PCM16 24 kHz: decode and upsample up, downsample and encode down', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: PCM16_24K, output: PCM16_24K });
  t.ok(codec.toModel(CALLER_MULAW).equals(new CallerAudioTranscoder().toModel(CALLER_MULAW)));
  t.ok(codec.toCaller(MODEL_24K).equals(new ModelAudioTranscoder().toCaller(MODEL_24K)));
  t.equal(codec.modelBytesToMs(960), 20, '960 bytes of 24 kHz PCM16 are 20 ms');
});

t.test('μ-law both sides passes the very bytes through', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: MULAW_8K, output: MULAW_8K });
  t.equal(codec.toModel(CALLER_MULAW), CALLER_MULAW);
  t.equal(codec.toCaller(CALLER_MULAW), CALLER_MULAW);
  t.equal(codec.modelBytesToMs(160), 20, '160 bytes of μ-law are 20 ms');
});

t.test('a model that takes 16 kHz and gives 24 kHz gets 8 → 16 kHz up and 24 → 8 kHz down', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: PCM16_16K, output: PCM16_24K });
  const up = codec.toModel(CALLER_MULAW.subarray(0, 160));
  t.equal(up.length, 640, 'a 20 ms frame becomes 320 samples');
  t.same(samplesOf(up), new Upsampler8kTo16k().process(decodeMulaw(CALLER_MULAW.subarray(0, 160))));
  const down = codec.toCaller(MODEL_24K.subarray(0, 960));
  t.equal(down.length, 160);
  t.ok(down.equals(Buffer.from(encodeMulaw(new Downsampler24kTo8k().process(samplesOf(MODEL_24K.subarray(0, 960)))))));
  t.equal(codec.modelBytesToMs(960), 20, 'durations follow the output format');
});

t.test('a model that gives 16 kHz is downsampled 16 → 8 kHz, in any chunking', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: PCM16_24K, output: PCM16_16K });
  t.equal(codec.modelBytesToMs(640), 20, '640 bytes of 16 kHz PCM16 are 20 ms');
  const whole = Buffer.from(encodeMulaw(new Downsampler16kTo8k().process(samplesOf(MODEL_16K))));
  for (const sizes of [chunkSizes(MODEL_16K.length, [640]), chunkSizes(MODEL_16K.length, [1, 7, 333]), randomChunkSizes(MODEL_16K.length, 5000, 6)]) {
    const down = modelAudioCodec(MULAW_8K, { input: PCM16_24K, output: PCM16_16K });
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const size of sizes) {
      parts.push(down.toCaller(MODEL_16K.subarray(offset, offset + size)));
      offset += size;
    }
    t.ok(Buffer.from(concatBytes(parts)).equals(whole), `chunks ${sizes.slice(0, 3).join(', ')}…`);
  }
});

t.test('the two directions are chosen apart: μ-law in, PCM16 24 kHz out', async (t) => {
  const { uplink, downlink } = selectTranscoders(MULAW_8K, { input: MULAW_8K, output: PCM16_24K });
  t.equal(uplink.toModel(CALLER_MULAW), CALLER_MULAW);
  t.equal(downlink.toCaller(MODEL_24K.subarray(0, 960)).length, 160);
});

t.test('a pair we cannot convert is refused with a code and the formats named', async (t) => {
  const pcm48: AudioFormat = { encoding: 'pcm16', sampleRateHz: 48000 };
  const refused = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  };
  const up = refused(() => modelAudioCodec(MULAW_8K, { input: pcm48, output: PCM16_24K }));
  t.ok(up instanceof UnsupportedAudioFormatError);
  t.match(up, { code: 'unsupported_audio_format', recoverable: false, message: /uplink .*pcmu 8000 Hz to pcm16 48000 Hz/ });
  const down = refused(() => selectTranscoders(MULAW_8K, { input: PCM16_24K, output: pcm48 }));
  t.match(down, { message: /downlink .*pcm16 48000 Hz to pcmu 8000 Hz/ });
  t.throws(() => selectTranscoders(PCM16_16K, { input: PCM16_24K, output: PCM16_24K }), UnsupportedAudioFormatError, 'no resampling between two PCM rates yet');
});

t.test('a codec serves the formats it was chosen for, and no others', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: PCM16_24K, output: PCM16_24K });
  t.ok(codec.serves({ input: { encoding: 'pcm16', sampleRateHz: 24000 }, output: PCM16_24K }));
  t.notOk(codec.serves({ input: PCM16_16K, output: PCM16_24K }));
  t.notOk(codec.serves({ input: MULAW_8K, output: MULAW_8K }));
});

t.test('reset forgets the model → caller history, so the next reply starts clean', async (t) => {
  const codec = modelAudioCodec(MULAW_8K, { input: PCM16_16K, output: PCM16_16K });
  codec.toCaller(MODEL_16K.subarray(0, 1001));
  codec.reset();
  const fresh = modelAudioCodec(MULAW_8K, { input: PCM16_16K, output: PCM16_16K });
  t.ok(codec.toCaller(MODEL_16K.subarray(2000, 4000)).equals(fresh.toCaller(MODEL_16K.subarray(2000, 4000))));
});

t.test('the 16 kHz caller transcoder equals decoding and upsampling the whole stream, in any chunking', async (t) => {
  const expected = littleEndian(new Upsampler8kTo16k().process(decodeMulaw(CALLER_MULAW)));
  for (const sizes of [chunkSizes(CALLER_MULAW.length, [160]), chunkSizes(CALLER_MULAW.length, [7, 1, 333]), randomChunkSizes(CALLER_MULAW.length, 900, 5)]) {
    const caller = new CallerAudioTranscoder(new Upsampler8kTo16k());
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const size of sizes) {
      parts.push(caller.toModel(CALLER_MULAW.subarray(offset, offset + size)));
      offset += size;
    }
    t.ok(Buffer.from(concatBytes(parts)).equals(expected), `chunks ${sizes.slice(0, 3).join(', ')}…`);
  }
});
