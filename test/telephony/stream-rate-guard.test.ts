import t from 'tap';
import { StreamRateGuard, type StreamRateLimits } from '../../src/telephony/stream-rate-guard.js';

const LIMITS: StreamRateLimits = { burstMs: 2_000, maxDroppedMs: 5_000, messageBurst: 500, messagesPerSecond: 250 };

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('audio at real time is always accepted, however long the call', async (t) => {
  const c = clock();
  const guard = new StreamRateGuard(LIMITS, c.now);
  let accepted = 0;
  for (let frame = 0; frame < 3 * 60 * 50; frame += 1) {
    if (guard.audio(20) === 'accept') accepted += 1;
    c.advance(20);
  }
  t.equal(accepted, 3 * 60 * 50);
  t.equal(guard.droppedFrames, 0);
});

t.test('a burst after a network stall is accepted up to two seconds ahead', async (t) => {
  const c = clock();
  const guard = new StreamRateGuard(LIMITS, c.now);
  for (let frame = 0; frame < 50; frame += 1) {
    guard.audio(20);
    c.advance(20);
  }
  // 1.5 s of silence on the wire, then Twilio delivers the 1.5 s it held back, plus 0.5 s more, at once.
  c.advance(1_500);
  const verdicts = Array.from({ length: 100 }, () => guard.audio(20));
  t.same(new Set(verdicts), new Set(['accept']), 'two seconds at once are fine');
  t.equal(guard.audio(20), 'drop', 'one frame more is not');
});

t.test('audio far ahead of real time is dropped, then the stream is given up', async (t) => {
  const c = clock();
  const guard = new StreamRateGuard(LIMITS, c.now);
  const verdicts: string[] = [];
  for (let frame = 0; frame < 500; frame += 1) verdicts.push(guard.audio(20));
  t.equal(verdicts.filter((v) => v === 'accept').length, 100, 'the two-second burst');
  t.equal(verdicts.indexOf('close'), 100 + 250, 'closed once five seconds more were refused');
  t.ok(verdicts.slice(100, 350).every((v) => v === 'drop'));
});

t.test('tiny frames cost a whole Twilio frame each', async (t) => {
  const c = clock();
  const guard = new StreamRateGuard(LIMITS, c.now);
  let accepted = 0;
  for (let frame = 0; frame < 1_000; frame += 1) if (guard.audio(0.125) === 'accept') accepted += 1;
  t.equal(accepted, 100, 'no more frames than two seconds of real ones');
});

t.test('messages beyond the burst and the sustained rate are refused', async (t) => {
  const c = clock();
  const guard = new StreamRateGuard(LIMITS, c.now);
  let burst = 0;
  while (guard.message()) burst += 1;
  t.equal(burst, 500, 'a burst of 500, and not the 501st');
  c.advance(100);
  let allowed = 0;
  while (guard.message()) allowed += 1;
  t.equal(allowed, 25, '250 a second refill');
  // Twilio's own pace (50 frames and a few marks a second) never comes near it.
  let refused = 0;
  for (let second = 0; second < 60; second += 1) {
    c.advance(1_000);
    for (let i = 0; i < 60; i += 1) if (!guard.message()) refused += 1;
  }
  t.equal(refused, 0);
});
