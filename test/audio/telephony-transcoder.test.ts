import t from 'tap';

import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw.js';
import { Downsampler24kTo8k, Upsampler8kTo24k } from '../../src/audio/resampler.js';
import { CallerAudioTranscoder, ModelAudioTranscoder } from '../../src/audio/telephony-transcoder.js';
import { chunkSizes, concatBytes, mixedSignal, randomChunkSizes } from './signals.js';

/** 2 s of caller audio as Twilio would send it. */
const CALLER_MULAW = encodeMulaw(mixedSignal(16000, 8000, 11));
function toLittleEndianBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16LE(s, 2 * i));
  return out;
}

/** 1 s of model audio, and the same as PCM16 LE bytes as the Realtime API sends it. */
const MODEL_SAMPLES = mixedSignal(24000, 24000, 12);
const MODEL_PCM = toLittleEndianBytes(MODEL_SAMPLES);

function feed(convert: (chunk: Uint8Array) => Uint8Array, bytes: Uint8Array, sizes: number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(convert(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  return concatBytes(parts);
}

t.test('toModel turns a 160-byte μ-law frame into 960 bytes of 24 kHz PCM16', async (t) => {
  const out = new CallerAudioTranscoder().toModel(CALLER_MULAW.subarray(0, 160));
  t.ok(Buffer.isBuffer(out));
  t.equal(out.length, 960);
});

t.test('toModel output is the decoded, upsampled audio written little-endian', async (t) => {
  const expected = toLittleEndianBytes(new Upsampler8kTo24k().process(decodeMulaw(CALLER_MULAW)));
  t.ok(new CallerAudioTranscoder().toModel(CALLER_MULAW).equals(expected));
});

t.test('toModel in 20 ms frames and odd-sized chunks equals one call with the whole stream', async (t) => {
  const whole = new CallerAudioTranscoder().toModel(CALLER_MULAW);
  for (const sizes of [chunkSizes(CALLER_MULAW.length, [160]), chunkSizes(CALLER_MULAW.length, [7, 1, 333]), randomChunkSizes(CALLER_MULAW.length, 900, 5)]) {
    const caller = new CallerAudioTranscoder();
    t.ok(Buffer.from(feed((c) => caller.toModel(c), CALLER_MULAW, sizes)).equals(whole), `chunks ${sizes.slice(0, 4).join(', ')}…`);
  }
});

t.test('toModel returns a buffer that later calls do not overwrite', async (t) => {
  const caller = new CallerAudioTranscoder();
  const first = caller.toModel(CALLER_MULAW.subarray(0, 160));
  const copy = Buffer.from(first);
  caller.toModel(CALLER_MULAW.subarray(160, 320));
  t.ok(first.equals(copy));
});

t.test('toCaller output is the downsampled audio μ-law encoded', async (t) => {
  const expected = encodeMulaw(new Downsampler24kTo8k().process(MODEL_SAMPLES));
  const out = new ModelAudioTranscoder().toCaller(MODEL_PCM);
  t.equal(out.length, 8000);
  t.ok(Buffer.from(out).equals(Buffer.from(expected)));
});

t.test('toCaller reads little-endian samples from a buffer at an odd byte offset', async (t) => {
  // base64-decoded Buffers can start anywhere in a shared pool.
  const backing = Buffer.alloc(MODEL_PCM.length + 1);
  MODEL_PCM.copy(backing, 1);
  const unaligned = backing.subarray(1);
  t.equal(unaligned.byteOffset % 2, 1);
  const expected = new ModelAudioTranscoder().toCaller(MODEL_PCM);
  t.ok(new ModelAudioTranscoder().toCaller(unaligned).equals(expected));
});

t.test('toCaller carries an odd trailing byte over to the next call', async (t) => {
  const model = new ModelAudioTranscoder();
  const whole = new ModelAudioTranscoder().toCaller(MODEL_PCM.subarray(0, 962));
  // 481 bytes = 240 samples + the low byte of sample 240; its high byte starts the next chunk.
  const first = model.toCaller(MODEL_PCM.subarray(0, 481));
  const second = model.toCaller(MODEL_PCM.subarray(481, 962));
  t.equal(first.length, 80, 'the split sample is not emitted early');
  t.ok(Buffer.concat([first, second]).equals(whole), 'the split sample is joined, not dropped');
});

t.test('toCaller in arbitrary byte chunks equals one call with the whole stream', async (t) => {
  const whole = new ModelAudioTranscoder().toCaller(MODEL_PCM);
  const cases: Array<[string, number[]]> = [
    ['1 byte', chunkSizes(MODEL_PCM.length, [1])],
    ['7 bytes', chunkSizes(MODEL_PCM.length, [7])],
    ['960-byte frames', chunkSizes(MODEL_PCM.length, [960])],
    ['sizes 3, 961, 2, 4801', chunkSizes(MODEL_PCM.length, [3, 961, 2, 4801])],
    ['random sizes up to 10000', randomChunkSizes(MODEL_PCM.length, 10000, 9)],
  ];
  for (const [name, sizes] of cases) {
    const model = new ModelAudioTranscoder();
    t.ok(Buffer.from(feed((c) => model.toCaller(c), MODEL_PCM, sizes)).equals(whole), name);
  }
});

t.test('toCaller accepts an empty chunk and a lone byte without producing output', async (t) => {
  const model = new ModelAudioTranscoder();
  t.equal(model.toCaller(new Uint8Array(0)).length, 0);
  t.equal(model.toCaller(MODEL_PCM.subarray(0, 1)).length, 0);
  t.equal(model.toCaller(new Uint8Array(0)).length, 0, 'the carried byte survives an empty chunk');
  const rest = model.toCaller(MODEL_PCM.subarray(1, 960));
  t.ok(rest.equals(new ModelAudioTranscoder().toCaller(MODEL_PCM.subarray(0, 960))));
});

t.test('reset drops filter history, decimation phase and a carried byte', async (t) => {
  const model = new ModelAudioTranscoder();
  model.toCaller(MODEL_PCM.subarray(0, 1001)); // 500 samples (phase mid-way) + an odd byte
  model.reset();
  const next = MODEL_PCM.subarray(4000, 8000);
  t.ok(model.toCaller(next).equals(new ModelAudioTranscoder().toCaller(next)));
});

t.test('CallerAudioTranscoder reset drops filter history', async (t) => {
  const caller = new CallerAudioTranscoder();
  caller.toModel(CALLER_MULAW.subarray(0, 500));
  caller.reset();
  const next = CALLER_MULAW.subarray(1000, 1160);
  t.ok(caller.toModel(next).equals(new CallerAudioTranscoder().toModel(next)));
});
