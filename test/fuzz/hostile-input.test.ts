import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { TERMINAL_TWILIO_STATUSES } from '../../src/storage/twilio-call-status.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { DEMO_SPA_NUMBER } from '../support/app.js';
import { FuzzRunner, type FuzzStats } from './fuzz-runner.js';
import type { HttpFuzzContext } from './http-cases.js';
import { freshSeed } from './seeded-random.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * Hostile input against every webhook, the staff API and the media WebSocket, over real sockets.
 * The run is reproducible: FUZZ_SEED=<printed seed> replays it (FUZZ_CASES changes its size), and
 * a failure names its case seed, from which `httpCase(new SeededRandom(seed), …)` (or the
 * stream runner) rebuilds that one case.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : freshSeed();
if (!Number.isInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED}`);
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const WARM_UP_CASES = 1_000;
const ADMIN_API_KEY = 'fuzz-admin-key-0123456789abcdef';
/** The heap's data after the run, collected, may exceed the warmed-up baseline by this much. */
const HEAP_MARGIN_BYTES = 3 * 1024 * 1024;
const RUN = { streamShare: 0.5, httpConcurrency: 16, streamConcurrency: 4 };

/**
 * The heap after full collections, less compiled code and bytecode: the JIT keeps adding those
 * as it meets code paths the warm-up did not take (megabytes, and not a leak).
 */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    collectGarbage();
    await tick();
  }
  const code = v8.getHeapCodeStatistics();
  return process.memoryUsage().heapUsed - code.code_and_metadata_size - code.bytecode_and_metadata_size;
}

/** After the run, no metric label has more values than this (routes are the largest set). */
const LABEL_VALUES_MAX = 80;

/** The values each label of each metric took, from the Prometheus text (`name{a="x",b="y"} 1`). */
function labelValues(text: string): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const match = /^(receptionist_[a-z_]+)\{(.*)\} /.exec(line);
    if (!match) continue;
    for (const [, label, value] of match[2]!.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
      if (label === 'le' || label === 'quantile') continue;
      const key = `${match[1]}.${label}`;
      if (!values.has(key)) values.set(key, new Set());
      values.get(key)!.add(value!);
    }
  }
  return values;
}

/** Ends what the run left behind as Twilio would: a final status for every call, then waits for records. */
async function settle(h: CallHarness): Promise<void> {
  const open = await h.database.db
    .selectFrom('voice_call_details')
    .select('call_sid')
    .where('twilio_status', 'not in', TERMINAL_TWILIO_STATUSES)
    .execute();
  for (const { call_sid } of open)
    await h.post('/twilio/voice/status', { CallSid: call_sid, AccountSid: `AC${'0'.repeat(32)}`, CallStatus: 'completed' });
  const deadline = Date.now() + 15_000;
  while (h.app.liveCalls.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await h.app.liveCalls.recordsWritten();
  // The fake model keeps every event it was sent; that is the double's memory, not the service's.
  h.realtime.connections.splice(0);
}

function describe(stats: FuzzStats): string {
  const histogram = (map: Map<number, number>) => [...map].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(' ');
  return `HTTP ${stats.httpCases} in ${stats.httpSeconds.toFixed(1)} s (${histogram(stats.statuses)}); ${stats.streamSeconds.toFixed(1)} s for streams ${stats.streams}, messages ${stats.streamMessages} (closes/upgrades ${histogram(stats.closeCodes)})`;
}

async function fuzzContext(h: CallHarness): Promise<HttpFuzzContext> {
  const db = h.database.db;
  const staffKeys: string[] = [];
  const ownerKeys: string[] = [];
  // The API allows 300 requests a minute per key; enough keys that parsing, not the limit, is fuzzed.
  for (let i = 0; i < 10; i += 1) {
    staffKeys.push((await createApiKey(db, h.demoSpaId, 'staff', `fuzz staff ${i}`)).key);
    ownerKeys.push((await createApiKey(db, h.demoSpaId, 'owner', `fuzz owner ${i}`)).key);
  }
  // A real call first, so some ids the fuzz uses exist.
  const call = h.call();
  await call.dial();
  await call.waitFor(() => call.heardMs() > 100, 5_000, 'the greeting');
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const conversations = await db.selectFrom('conversations').select(['id', 'customer_id']).execute();
  return {
    publicBaseUrl: h.config.publicBaseUrl,
    authToken: h.config.twilio.authToken,
    demoNumber: DEMO_SPA_NUMBER,
    staffKeys,
    ownerKeys,
    adminKey: ADMIN_API_KEY,
    spaId: h.demoSpaId,
    conversationIds: conversations.map((c) => c.id),
    customerIds: conversations.flatMap((c) => (c.customer_id ? [c.customer_id] : [])),
  };
}

t.test(`${CASES} hostile requests and stream messages: no 5xx, no hang, no crash, memory back to baseline`, async (t) => {
  t.comment(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const faults: unknown[] = [];
  const onFault = (error: unknown) => faults.push(error);
  process.on('unhandledRejection', onFault);
  process.on('uncaughtException', onFault);
  t.teardown(() => {
    process.off('unhandledRejection', onFault);
    process.off('uncaughtException', onFault);
  });

  const h = await startCallHarness(t, {
    google: true,
    env: {
      ADMIN_API_KEY,
      GOOGLE_CLIENT_ID: 'fuzz-client.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'fuzz-secret',
      TRUSTED_PROXY_HOPS: '1',
      // Thousands of signed voice webhooks each open a call; the machine's call limit (a correct
      // 503 "full" on /readyz once 50 wait for their streams) is not what this test is about.
      MAX_LIVE_CALLS: '100000',
    },
  });
  const context = await fuzzContext(h);

  // Warm up (JIT, pools, caches, the rate limiter's store) on other cases, then take the baseline.
  const warmUp = new FuzzRunner(h, context);
  await warmUp.run(SEED ^ 0x5bd1e995, WARM_UP_CASES, RUN);
  warmUp.close();
  await settle(h);
  const baseline = await heapAfterGc();

  const runner = new FuzzRunner(h, context);
  const started = performance.now();
  await runner.run(SEED, CASES, RUN);
  const seconds = (performance.now() - started) / 1000;
  runner.close();
  await settle(h);
  const after = await heapAfterGc();

  const { stats } = runner;
  t.comment(describe(stats));
  t.comment(`${stats.httpCases + stats.streamMessages} cases in ${seconds.toFixed(1)} s; heap ${(baseline / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB`);
  // One example of each kind of failure, with the case seed to replay it.
  const kinds = new Map<string, (typeof stats.failures)[number]>();
  for (const failure of stats.failures) kinds.set(`${failure.label.split(' ').slice(0, 2).join(' ')} ${failure.problem.slice(0, 40)}`, failure);
  for (const [kind, failure] of kinds) t.comment(`${kind}… e.g. case ${failure.caseSeed} ${failure.label}: ${failure.problem}`);
  t.equal(stats.failures.length, 0, `every answer is 2xx-4xx in our shape and every stream closes cleanly (seed ${SEED})`);
  t.same(faults.map(String), [], 'no unhandled rejection or uncaught exception');
  t.ok(stats.httpCases + stats.streamMessages >= CASES, 'the whole budget ran');
  t.ok(after - baseline < HEAP_MARGIN_BYTES, `heap after GC within ${HEAP_MARGIN_BYTES / 2 ** 20} MiB of the baseline (${((after - baseline) / 2 ** 20).toFixed(2)} MiB)`);
  t.equal(h.app.liveCalls.size, 0, 'no call left live');

  // Metric labels are bounded: thousands of hostile calls, paths and texts make no new series.
  const series = labelValues((await h.app.metrics.text()).body);
  for (const [label, values] of series) t.ok(values.size <= LABEL_VALUES_MAX, `metric label ${label} has ${values.size} values (${[...values].slice(0, 12).join(', ')})`);
  t.ok((series.get('receptionist_http_request_duration_seconds_count.route')?.size ?? 0) > 0, 'the label sets were read');

  // And the service still takes a call as if nothing had happened.
  const call = h.call();
  await call.dial();
  await call.waitFor(() => call.heardMs() > 100, 5_000, 'the greeting');
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const row = await h.database.db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .select(['conversations.status', 'conversations.ended_at'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  t.equal(row.status, 'completed');
  t.ok(row.ended_at, 'and its record is finished');
});
