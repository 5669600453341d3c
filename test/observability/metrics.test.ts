import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { z } from 'zod';
import { listenForScrapes } from '../../src/observability/metrics.js';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { defineTool } from '../../src/tools/tool.js';
import { FakeOpenAIResponses } from '../doubles/fake-openai-responses.js';
import { FAILURES } from '../doubles/fake-realtime-server.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { conversationOf, startCallHarness } from '../support/call-harness.js';
import { hangUpAndWait, interruptGreeting, mulawTone } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample line, e.g. `receptionist_live_calls 1`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('the metrics port serves Prometheus text: live calls, requests by route, the write queue, pending jobs, the process', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  await call.heardAll(100);
  const during = await scrape(scrapes.port);
  t.equal(sample(during, 'receptionist_live_calls'), 1, 'the call is live');
  t.equal(
    sample(during, 'receptionist_http_request_duration_seconds_count{method="POST",route="/twilio/voice",status_code="200"}'),
    1,
    'the voice webhook, counted by its route',
  );
  t.ok(sample(during, 'receptionist_write_queue_depth') !== undefined, 'the write queue depth');
  t.equal(sample(during, 'receptionist_write_queue_oldest_seconds') !== undefined, true);
  t.match(during, /^receptionist_nodejs_eventloop_lag_p99_seconds /m, 'event-loop lag');
  t.match(during, /^receptionist_nodejs_heap_size_used_bytes /m, 'heap');
  // Garbage collections are counted as they happen: make a full one happen and see it counted.
  v8.setFlagsFromString('--expose-gc');
  const collectGarbage = vm.runInNewContext('gc') as () => void;
  // Counted whatever its kind: on a loaded machine V8 may already be marking incrementally when the
  // forced collection comes, and then reports it as finishing that work rather than as a major one.
  const collections = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('receptionist_nodejs_gc_duration_seconds_count{'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const before = collections(await scrape(scrapes.port));
  collectGarbage();
  await until('the collection to be observed', async () => collections(await scrape(scrapes.port)) > before, 20_000);
  t.pass('a full garbage collection is counted (receptionist_nodejs_gc_duration_seconds_count)');

  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  await until('the analysis to be queued', async () => (await pendingJobs(h.database.db)).some((j) => j.task === 'analyse_conversation'));
  const after = await scrape(scrapes.port);
  t.equal(sample(after, 'receptionist_live_calls'), 0, 'the call is over');
  t.ok((sample(after, 'receptionist_jobs_pending{task="analyse_conversation"}') ?? 0) >= 1, 'its analysis waits in the queue');
  t.notMatch(after, /\+1202555|CA[0-9a-f]{32}/, 'no numbers or call ids in labels');

  const publicPort = await fetch(`${h.baseUrl}/metrics`);
  t.equal(publicPort.status, 404, 'never on the public port');
});

t.test('after a call, /metrics counts it with its outcome, its greeting and turn latency, its tool calls and the bridge time', async (t) => {
  const tools = new ToolRegistry([
    defineTool({
      name: 'lookup_opening_time',
      description: 'When the spa opens on a day',
      schema: z.object({ day: z.string() }),
      readOnly: true,
      async execute() {
        return { opens: '9:00 AM' };
      },
    }),
  ]);
  const h = await startCallHarness(t, { tools });
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  h.realtime.configure = (c) => {
    // Half a second of greeting in 10 ms chunks: 50, so one is sampled for the downlink's bridge time.
    c.deltaMs = 10;
    c.replies.push(
      { text: 'Hello.', audioMs: 500 },
      { toolCall: { name: 'lookup_opening_time', arguments: { day: 'saturday' } } },
      { toolCall: { name: 'made_up_tool', arguments: {} } },
      { text: 'We open at nine on Saturday.', audioMs: 100 },
    );
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  await call.heardAll(500);
  // A second of caller audio: 50 frames, so one is sampled for the bridge's own time.
  await call.say(mulawTone(300, 1_000));
  await until('the caller audio to reach the model', () => model.received.filter((e) => e.type === 'input_audio_buffer.append').length >= 50);
  await model.callerTurn({ transcript: 'When do you open Saturday?' });
  await model.waitFor('conversation.item.create');
  await until('the unknown tool to be answered', () => model.received.filter((e) => e.type === 'conversation.item.create').length >= 2);
  await call.heardAll(600);
  await hangUpAndWait(h, call);

  const text = await scrape(scrapes.port);
  t.equal(sample(text, 'receptionist_calls_total{outcome="completed",ended_by="caller"}'), 1, 'the call, by outcome and who ended it');
  t.equal(sample(text, 'receptionist_greeting_latency_seconds_count'), 1, 'its greeting latency');
  t.ok((sample(text, 'receptionist_turn_latency_seconds_count') ?? 0) >= 1, 'a turn latency observation');
  t.equal(sample(text, 'receptionist_tool_calls_total{tool="lookup_opening_time",status="ok"}'), 1, 'the tool call, by tool and status');
  t.equal(sample(text, 'receptionist_tool_duration_seconds_count{tool="lookup_opening_time"}'), 1, 'its duration');
  t.equal(sample(text, 'receptionist_tool_calls_total{tool="unknown",status="UNKNOWN_TOOL"}'), 1, 'a tool the model made up is counted as unknown');
  t.notMatch(text, /made_up_tool/, 'its made-up name is not a label');
  t.ok((sample(text, 'receptionist_bridge_frame_delay_seconds_count{direction="uplink"}') ?? 0) >= 1, 'a sampled uplink frame');
  t.ok((sample(text, 'receptionist_bridge_frame_delay_seconds_count{direction="downlink"}') ?? 0) >= 1, 'a sampled downlink chunk');
});

t.test('failed model responses are counted by the provider code, a code we do not know as other', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  const failures = [FAILURES.serverError, { type: 'server_error', code: 'brand_new_code_7f3a', message: 'Something new went wrong.' }];
  h.realtime.configure = (c) => {
    c.failResponses = { count: 1, error: failures.shift() ?? FAILURES.serverError };
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  };
  for (let i = 0; i < 2; i += 1) {
    const call = h.call();
    await call.dial();
    await h.realtime.connection(i);
    await call.heardAll(100);
    await hangUpAndWait(h, call);
  }
  const text = await scrape(scrapes.port);
  t.equal(sample(text, 'receptionist_model_response_failures_total{code="server_error"}'), 1, "the provider's code");
  t.equal(sample(text, 'receptionist_model_response_failures_total{code="other"}'), 1, 'an unknown code, bounded');
  t.notMatch(text, /brand_new_code/, 'never as a label of its own');
});

t.test('the per-call latency summary in the staff API: greeting latency, p50 and p95 of the turn latency, barge-ins', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { text: 'We open at nine.', audioMs: 100 }, { text: 'Yes, Saturdays too.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  for (const transcript of ['When do you open?', 'Saturdays too?']) {
    const heard = call.heardMs();
    await model.callerTurn({ transcript });
    await call.waitFor(() => call.heardMs() > heard && call.idle, 10_000, 'the reply');
  }
  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  const record = await h.database.db
    .selectFrom('voice_call_details')
    .select(['reply_latencies_ms', 'reply_latency_p50_ms', 'reply_latency_p95_ms', 'greeting_latency_ms', 'barge_ins'])
    .where('conversation_id', '=', row.conversation_id)
    .executeTakeFirstOrThrow();
  const sorted = [...record.reply_latencies_ms].sort((a, b) => a - b);
  t.equal(sorted.length, 2, 'two turns measured');
  t.equal(record.reply_latency_p50_ms, sorted[0], 'p50 by nearest rank: the first of two');
  t.equal(record.reply_latency_p95_ms, sorted[1], 'p95: the second of two');
  const { key } = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'latency reader');
  const response = await fetch(`${h.baseUrl}/api/v1/conversations/${row.conversation_id}`, { headers: { authorization: `Bearer ${key}` } });
  const detail = (await response.json()) as { voice: Record<string, unknown> };
  t.match(detail.voice, { greetingLatencyMs: record.greeting_latency_ms, replyLatencyP50Ms: sorted[0], replyLatencyP95Ms: sorted[1], bargeIns: 0 });
  t.ok(typeof record.greeting_latency_ms === 'number', 'the greeting was timed');
});

t.test('calls turned away because the machine is full, then because it is draining, are counted as overload and draining', async (t) => {
  const h = await startCallHarness(t, { env: { MAX_LIVE_CALLS: '1' } });
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  await call.heardAll(100);
  await h.call().ring();
  const rejected = async (reason: string) => sample((await h.app.metrics.text()).body, `receptionist_calls_rejected_total{reason="${reason}"}`);
  t.equal(await rejected('overload'), 1, 'a full machine');
  const closing = h.app.close({ drainMs: 1_000, wrapUpMs: 500 });
  await h.call().ring();
  t.equal(await rejected('draining'), 1, 'a machine shutting down');
  t.equal(await rejected('overload'), 1, 'and not also as overload');
  await closing;
});

t.test('texts are counted by direction and status: received, our sends, and Twilio delivery statuses (others as other)', async (t) => {
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => openai.close());
  const h = await startCallHarness(t, { jobs: true, env: { OPENAI_BASE_URL: openai.baseUrl } });
  const texts = async (status: string) => sample((await h.app.metrics.text()).body, `receptionist_sms_total{direction="${status === 'received' ? 'inbound' : 'outbound'}",status="${status}"}`);
  const inbound = await h.post('/twilio/sms', {
    MessageSid: `SM${'1'.repeat(32)}`, AccountSid: `AC${'1'.repeat(32)}`, From: '+12025550188', To: '+12025550100', Body: 'Are you open Saturday?', NumMedia: '0', NumSegments: '1',
  });
  t.ok(inbound.status < 300, `the text is taken (${inbound.status})`);
  t.equal(await texts('received'), 1, 'the inbound text');
  await until('the reply to be sent', async () => (await texts('submitted')) === 1);
  const outbound = () => h.database.db.selectFrom('sms_details').select('message_sid').where('direction', '=', 'outbound').executeTakeFirst();
  await until('the reply to be recorded', async () => (await outbound()) !== undefined);
  const sent = (await outbound())!;
  for (const status of ['delivered', 'not_a_twilio_status'])
    await h.post('/twilio/sms/status', { MessageSid: sent.message_sid, AccountSid: `AC${'1'.repeat(32)}`, MessageStatus: status });
  t.equal(await texts('delivered'), 1, "Twilio's delivery status");
  t.equal(await texts('other'), 1, 'a status Twilio does not document, bounded');
});

t.test('a barge-in is counted, and kept in the call record shown to staff', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  const { call } = await interruptGreeting(h);
  await hangUpAndWait(h, call);
  t.equal(sample(await scrape(scrapes.port), 'receptionist_barge_ins_total'), 1, 'the metric');
  const row = await conversationOf(h, call);
  const details = await h.database.db
    .selectFrom('voice_call_details')
    .select(['barge_ins', 'reply_latency_p50_ms', 'greeting_latency_ms'])
    .where('conversation_id', '=', row.conversation_id)
    .executeTakeFirstOrThrow();
  t.equal(details.barge_ins, 1, 'the call record');
  t.ok(details.greeting_latency_ms !== null, 'beside the greeting latency');
  const { key } = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'latency reader');
  const response = await fetch(`${h.baseUrl}/api/v1/conversations/${row.conversation_id}`, { headers: { authorization: `Bearer ${key}` } });
  const detail = (await response.json()) as { voice: Record<string, unknown> };
  t.match(detail.voice, { bargeIns: 1, greetingLatencyMs: Number }, 'shown to staff in the conversation detail');
});

t.test('calls turned away are counted by reason: a forged webhook, a number no spa answers on', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  const forged = await h.post('/twilio/voice', { CallSid: `CA${'f'.repeat(32)}`, AccountSid: 'ACx', From: '+12025550123', To: '+12025550100' }, { signature: 'forged' });
  t.equal(forged.status, 403);
  const unknown = h.call({ to: '+12025550999' });
  await unknown.ring();
  const text = await scrape(scrapes.port);
  t.equal(sample(text, 'receptionist_calls_rejected_total{reason="forged"}'), 1);
  t.equal(sample(text, 'receptionist_calls_rejected_total{reason="unknown_number"}'), 1);
});

t.test('a dropped model connection that comes back is counted as a restored reconnect', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(100);
  first.drop();
  const second = await h.realtime.connection(1, 8_000);
  await second.waitFor('session.update');
  await until('the reconnect to be counted', async () => sample(await scrape(scrapes.port), 'receptionist_model_reconnects_total{result="restored"}') === 1);
  await hangUpAndWait(h, call);
  t.equal(sample(await scrape(scrapes.port), 'receptionist_calls_total{outcome="completed",ended_by="caller"}'), 1);
});

t.test('a lost model connection that cannot be restored counts as failed, and one the caller hangs up on as abandoned', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const reconnects = async (result: string) => sample(await scrape(scrapes.port), `receptionist_model_reconnects_total{result="${result}"}`);

  const given = h.call();
  await given.dial();
  await greeted(h, given, 0);
  h.realtime.refuseConnections = 1_000;
  h.realtime.connections[0]?.drop();
  await given.closed(15_000);
  await until('the failed reconnect to be counted', async () => (await reconnects('failed')) === 1, 10_000);

  h.realtime.refuseConnections = 0;
  const impatient = h.call();
  await impatient.dial();
  await greeted(h, impatient, 1);
  h.realtime.refuseConnections = 1_000;
  const refusedBefore = h.realtime.refused;
  h.realtime.connections[1]?.drop();
  await until('the reconnect attempts to start', () => h.realtime.refused > refusedBefore, 10_000);
  await hangUpAndWait(h, impatient);
  await until('the abandoned reconnect to be counted', async () => (await reconnects('abandoned')) === 1, 10_000);
  t.equal(await reconnects('restored'), undefined, 'nothing was restored');
});

/** The call's model connection `index` is open and the caller heard the greeting. */
async function greeted(h: Awaited<ReturnType<typeof startCallHarness>>, call: ReturnType<Awaited<ReturnType<typeof startCallHarness>>['call']>, index: number) {
  await h.realtime.connection(index);
  await call.heardAll(100);
}
