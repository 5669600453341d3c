import t from 'tap';

import {
  MULAW_BYTES_PER_MS,
  MULAW_FRAME_BYTES,
  PCM24K_BYTES_PER_MS,
  msToMulawBytes,
  mulawBytesToMs,
  pcm24kBytesToMs,
} from '../../src/audio/audio-units.js';

t.test('a 20 ms Twilio frame is 160 μ-law bytes', async (t) => {
  t.equal(MULAW_FRAME_BYTES, 160);
  t.equal(mulawBytesToMs(MULAW_FRAME_BYTES), 20);
  t.equal(msToMulawBytes(20), 160);
});

t.test('byte rates are 8 bytes/ms for μ-law 8 kHz and 48 bytes/ms for PCM16 24 kHz', async (t) => {
  t.equal(MULAW_BYTES_PER_MS, 8);
  t.equal(PCM24K_BYTES_PER_MS, 48);
  t.equal(pcm24kBytesToMs(960), 20);
  t.equal(pcm24kBytesToMs(48_000), 1000);
});

t.test('durations are fractional and ms are rounded to whole μ-law samples', async (t) => {
  t.equal(mulawBytesToMs(1), 0.125);
  t.equal(pcm24kBytesToMs(24), 0.5);
  t.equal(msToMulawBytes(0.1), 1);
  t.equal(msToMulawBytes(1234.5), 9876);
});
