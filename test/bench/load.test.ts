import t from 'tap';
import { runLoadLevel } from './load/load-level.js';
import type { CallScript } from './load/simulated-call.js';
import { SimulatedRealtimeServer } from './load/simulated-realtime-server.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL, startCallHarness } from '../support/call-harness.js';

/** Short turns and every reply interrupted, so a short window holds greetings, replies, caller turns and barge-ins. */
const BRISK: CallScript = {
  greetingMs: 400,
  replyMs: [400, 600],
  callerTurnMs: [200, 300],
  pauseMs: [300, 400],
  bargeInEvery: 1,
  bargeInAfterMs: [200, 240],
};

for (const format of ['pcm16', 'pcmu'] as const) {
  t.test(`the load generator accounts for every frame both ways, and times delays and barge-ins (${format})`, async (t) => {
    const realtime = await SimulatedRealtimeServer.start();
    t.teardown(() => realtime.close());
    const h = await startCallHarness(t, { env: { OPENAI_REALTIME_URL: realtime.url, MODEL_AUDIO_FORMAT: format } });
    const result = await runLoadLevel({
      target: { baseUrl: h.baseUrl, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, to: '+12025550100' },
      realtime,
      calls: 3,
      format,
      measureMs: 1_500,
      settleMs: 300,
      script: BRISK,
    });
    t.same(result.problems, [], 'no protocol surprises (the session asked for the format under test)');
    t.equal(result.placed, 3);
    t.equal(result.failedCalls, 0);
    t.ok(result.framesSent >= 3 * 50, `caller frames flowed for the whole window (${result.framesSent})`);
    t.equal(result.framesLost, 0, 'no caller frame lost');
    t.equal(result.framesDuplicated, 0, 'no caller frame duplicated');
    t.ok(result.downlinkFramesExpected > 0, 'the model spoke');
    t.equal(result.downlinkFramesLost, 0, 'no reply audio lost');
    t.equal(result.downlinkFramesDuplicated, 0, 'no reply audio duplicated');
    t.ok(result.uplink.count > 0 && result.uplink.p99 >= 0, 'uplink delays measured');
    t.ok(result.downlink.count > 0 && result.downlink.p99 >= 0, 'downlink delays measured');
    t.ok(result.bargeIns > 0, 'the caller barged in');
    t.equal(result.missedClears, 0, 'every barge-in cleared Twilio');
    t.equal(result.truncates - result.unexpectedTruncates, result.bargeIns, 'every barge-in truncated the reply');
    t.ok(result.bargeIn.count > 0 && result.truncateError.count > 0, 'barge-in time and truncate error measured');
    t.equal(h.app.liveCalls.size, 0, 'all calls ended');
  });
}
