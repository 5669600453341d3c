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
