import { randomBytes } from 'node:crypto';
import t from 'tap';
import { BLOCK_SAMPLES, MULAW_SILENCE, RecordingCapture } from '../../src/call/recording-capture.js';

/** Runs a capture on a hand-moved clock and collects the blocks it hands over, as one interleaved buffer. */
function setUp() {
  let clock = 0;
  const capture = new RecordingCapture(() => clock, 0);
  const blocks: Buffer[] = [];
  return {
    capture,
    at(ms: number) {
      clock = ms;
    },
    audio(): Buffer {
      capture.take(Math.ceil(clock * 8 / BLOCK_SAMPLES + 1) * BLOCK_SAMPLES, (block) => blocks.push(Buffer.from(block)));
      return Buffer.concat(blocks);
    },
  };
}

const channel = (audio: Buffer, which: 0 | 1, fromMs: number, toMs: number) => {
  const out: number[] = [];
  for (let s = fromMs * 8; s < toMs * 8; s += 1) out.push(audio[s * 2 + which] as number);
  return out;
};
const frame = (value: number) => Buffer.alloc(160, value);

t.test('reply audio sent ahead plays after what is queued, and a barge-in cuts what was not yet heard', async (t) => {
  const c = setUp();
  c.at(100);
  for (let i = 0; i < 50; i += 1) c.capture.reply(frame(0x10)); // 1 s of reply, sent at once at 100 ms
  c.at(400);
  c.capture.cleared(); // the caller talks over it at 400 ms
  c.at(2_000);
  const audio = c.audio();
  t.ok(channel(audio, 1, 100, 400).every((b) => b === 0x10), 'heard from 100 to 400 ms');
  t.ok(channel(audio, 1, 400, 1_100).every((b) => b === MULAW_SILENCE), 'the rest was never heard');
  t.ok(channel(audio, 0, 0, 2_000).every((b) => b === MULAW_SILENCE), 'nothing on the caller’s side');
});

t.test('caller frames follow one another, and a gap in them stays a gap on the clock', async (t) => {
  const c = setUp();
  c.at(20);
  c.capture.caller(frame(0x20)); // 0–20 ms
  c.at(40);
  c.capture.caller(frame(0x21)); // 20–40 ms
  c.at(1_020);
  c.capture.caller(frame(0x22)); // frames went missing: this one ends at 1020 ms
  c.at(3_000);
  const audio = c.audio();
  t.ok(channel(audio, 0, 0, 20).every((b) => b === 0x20));
  t.ok(channel(audio, 0, 20, 40).every((b) => b === 0x21));
  t.ok(channel(audio, 0, 40, 1_000).every((b) => b === MULAW_SILENCE), 'the gap is silence');
  t.ok(channel(audio, 0, 1_000, 1_020).every((b) => b === 0x22), 'and the late frame lands at its time');
});

t.test('a stop cuts reply audio still queued, and nothing more is taken down', async (t) => {
  const c = setUp();
  for (let i = 0; i < 25; i += 1) c.capture.reply(frame(0x30)); // 500 ms from 0
  c.at(200);
  c.capture.stop();
  c.capture.reply(frame(0x31));
  c.capture.caller(frame(0x32));
  c.at(2_100);
  const audio = c.audio();
  t.ok(channel(audio, 1, 0, 200).every((b) => b === 0x30));
  t.ok(channel(audio, 1, 200, 2_000).every((b) => b === MULAW_SILENCE));
  t.ok(channel(audio, 0, 0, 2_000).every((b) => b === MULAW_SILENCE));
});

t.test('both sides come out sample for sample over whole blocks, each in its own channel', async (t) => {
  const c = setUp();
  const callerAudio = randomBytes(4_000 * 8);
  const replyAudio = randomBytes(4_000 * 8);
  for (let ms = 0; ms < 4_000; ms += 20) {
    c.at(ms);
    c.capture.reply(replyAudio.subarray(ms * 8, ms * 8 + 160)); // plays from now: nothing is queued
    c.at(ms + 20);
    c.capture.caller(callerAudio.subarray(ms * 8, ms * 8 + 160)); // the frame that just ended
  }
  const audio = c.audio();
  t.ok(Buffer.from(channel(audio, 0, 0, 4_000)).equals(callerAudio), 'the caller, left, as received');
  t.ok(Buffer.from(channel(audio, 1, 0, 4_000)).equals(replyAudio), 'the receptionist, right, as sent');
});

t.test('a barge-in across a block boundary cuts only the unheard reply, and the caller stays aligned', async (t) => {
  const c = setUp();
  const pattern = (sample: number) => sample % 251; // never 0xff (silence), different at every sample of a frame
  const callerFrameAt = (fromSample: number) => Buffer.from(Array.from({ length: 160 }, (_, i) => pattern(fromSample + i)));
  const reply = Buffer.from(Array.from({ length: 200 * 8 }, (_, i) => (i * 7 + 3) % 251)); // 200 ms
  c.at(1_900);
  c.capture.caller(callerFrameAt(1_880 * 8)); // 1880–1900 ms
  c.at(1_950);
  for (let f = 0; f < 10; f += 1) c.capture.reply(reply.subarray(f * 160, f * 160 + 160)); // queued: plays 1950–2150 ms
  for (let ms = 1_920; ms <= 2_200; ms += 20) {
    c.at(ms);
    c.capture.caller(callerFrameAt((ms - 20) * 8));
    if (ms === 2_100) c.capture.cleared(); // the caller talks over the reply at 2100 ms, in the second block
  }
  c.at(4_000);
  const audio = c.audio();
  t.same(channel(audio, 0, 1_880, 2_200), Array.from({ length: 320 * 8 }, (_, i) => pattern(1_880 * 8 + i)), 'the caller, sample for sample, across the boundary at 2000 ms');
  t.same(channel(audio, 1, 1_950, 2_100), [...reply.subarray(0, 150 * 8)], 'the reply as heard, from where it started to the barge-in');
  t.ok(channel(audio, 1, 2_100, 2_200).every((b) => b === MULAW_SILENCE), 'what was still queued was never heard');
  t.ok(channel(audio, 1, 0, 1_950).every((b) => b === MULAW_SILENCE), 'nothing before it started');
});
