import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { CONVERSATION_ANALYSIS_TASK, pendingJobs } from '../../src/storage/job-queue.js';
import { liveTestCallCount } from '../../src/storage/live-call-repository.js';
import {
  conversationsWithoutUsage,
  replaceConversationUsage,
  USAGE_COSTS,
  USAGE_COUNTERS,
  type ConversationFigures,
} from '../../src/storage/usage-repository.js';
import { inTransaction } from '../../src/storage/database.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { eventsOf } from '../support/call-scenarios.js';
import { TestLineClient } from '../support/test-line-client.js';
import { addPerson, signIn } from '../support/staff-people.js';
import { until } from '../support/until.js';

// Monday 30 November 2026, 9:30 AM in Washington (open from 10; Sofia works Tuesdays).
const NOW = new Date('2026-11-30T14:30:00Z');
const now = () => NOW;

async function staffKey(h: CallHarness): Promise<string> {
  return (await createApiKey(h.database.db, h.demoSpaId, 'staff', 'front desk')).key;
}

function streamUrl(h: CallHarness): string {
  return `${h.baseUrl.replace('http', 'ws')}/console/test-call/stream`;
}

async function placeTestCall(h: CallHarness, key: string, caller?: { kind: 'new' } | { kind: 'number'; number: string }): Promise<TestLineClient> {
  const client = await TestLineClient.connect(streamUrl(h), { authorization: `Bearer ${key}` });
  t.teardown(() => client.close());
  client.start(caller);
  return client;
}

t.test('the test line refuses a socket without a credential, with a wrong one, and from a foreign page', async (t) => {
  const h = await startCallHarness(t, { now });
  const key = await staffKey(h);
  await t.rejects(TestLineClient.connect(streamUrl(h), {}), /upgrade refused: 401/);
  await t.rejects(TestLineClient.connect(streamUrl(h), { authorization: 'Bearer not-a-key' }), /upgrade refused: 401/);
  await t.rejects(
    TestLineClient.connect(streamUrl(h), { authorization: `Bearer ${key}`, origin: 'https://evil.example' }),
    /upgrade refused: 403/,
  );
  const plain = await fetch(`${h.baseUrl}/console/test-call/stream`);
  t.equal(plain.status, 426, 'a plain GET is told to upgrade');
});

t.test('a person signed in to the console opens the test line with the session cookie, from the console page', async (t) => {
  const h = await startCallHarness(t, { now });
  await addPerson(h.database.db, h.demoSpaId, 'front.desk@example.com', 'staff');
  const { cookie } = await signIn(h.app.fastify, 'front.desk@example.com');
  const page = await TestLineClient.connect(streamUrl(h), { cookie, origin: h.baseUrl });
  t.teardown(() => page.close());
  page.start();
  t.match(await page.message('started'), { sampleRateHz: 24_000 });
  await t.rejects(TestLineClient.connect(streamUrl(h), { cookie: 'receptionist_session=' + 'x'.repeat(40), origin: h.baseUrl }), /upgrade refused: 401/);
  page.hangUp();
});

t.test('a test call books like a phone call, shows it all in the page, and texts no phone', async (t) => {
  const h = await startCallHarness(t, { now });
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 300 },
      { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01', preferredTime: '11:00' } } },
      { text: 'Sofia has Tuesday at eleven. Shall I book it?', audioMs: 200 },
      {
        toolCall: {
          name: 'book_appointment',
          arguments: { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' },
        },
      },
      { text: "You're all set for Tuesday at eleven with Sofia.", audioMs: 200 },
    );
  const page = await placeTestCall(h, await staffKey(h));
  const started = await page.message('started');
  t.match(started, { sampleRateHz: 24_000, frameMs: 20, knownCaller: false, callerNumber: /^\+1\d{3}55501\d\d$/ });
  const model = await h.realtime.connection(0);
  t.equal(model.inputFormat, 'pcm16');

  await page.waitFor('the greeting to play', () => page.receivedAudioMs >= 300 && page.playedMs >= 300);
  t.ok(page.audio.every((frame) => frame.length <= 960 && frame.length % 2 === 0), 'PCM16 24 kHz in frames of at most 20 ms');
  await page.speak(200);
  t.ok(model.callerAudio.length > 0, 'the caller’s audio reaches the model untouched (PCM16 24 kHz both sides)');
  await model.callerTurn({ transcript: 'Do you have a HydraFacial Tuesday at eleven?' });
  await page.message('turn', (m) => m.role === 'customer');
  await page.message('event', (m) => m.kind === 'tool_call' && m.name === 'check_availability');
  await page.message('latency');
  await page.waitFor('the second reply to play', () => page.playedMs >= 500);
  await model.callerTurn({ transcript: 'Yes please, Jamie Rivera.' });
  const text = await page.message('text');
  t.match(text, { purpose: 'confirmation', body: /you're booked for HydraFacial with Sofia/ }, 'the confirmation is shown in the page');
  await page.message('event', (m) => m.kind === 'tool_result' && m.name === 'book_appointment');
  await page.waitFor('the last reply to play', () => page.playedMs >= 700);

  const session = h.app.liveCalls.get(h.app.liveCalls.all()[0]!.callSid);
  page.hangUp();
  await session?.done;
  const ended = await page.message('ended');
  t.equal(ended.reason, 'caller');

  const conversationId = String(started.conversationId);
  const conversation = await h.database.db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
  t.equal(conversation.is_test, true, 'the conversation is marked as a test');
  const events = (await eventsOf(h, conversationId)).map((e) => `${e.type}:${e.name ?? ''}`);
  t.ok(events.includes('tool_call:book_appointment'), 'the record has the tool calls');
  const jobs = (await pendingJobs(h.database.db)).map((j) => j.task).filter((task) => task !== CONVERSATION_ANALYSIS_TASK);
  t.same(jobs, [], 'no confirmation, reminder or follow-up is queued for a phone');
  t.equal(h.twilioRest.messages().length, 0, 'no text went to Twilio');
});

t.test('barge-in on the test line truncates at what the page had played', async (t) => {
  const h = await startCallHarness(t, { now });
  h.realtime.configure = (c) => {
    c.replies.push({ text: 'Welcome to Willow and Oak, we offer facials, peels, lasers and injectables.', audioMs: 3_000 });
    c.deltaIntervalMs = 20;
  };
  const page = await placeTestCall(h, await staffKey(h));
  const model = await h.realtime.connection(0);
  await page.waitFor('700 ms of the greeting to play', () => page.playedMs >= 700);
  model.speechStarted();
  const truncate = await model.waitFor('conversation.item.truncate');
  await page.waitFor('the clear', () => page.clears === 1);
  const heard = Number(truncate.audio_end_ms);
  t.ok(heard >= 700 && heard <= page.playedMs + 40, `truncated at ${heard} ms; the page had played ${Math.round(page.playedMs)} ms`);
  t.ok(heard < 3_000, 'not at what was sent');
  page.hangUp();
});

t.test('a spa holds at most three test calls at once', async (t) => {
  const h = await startCallHarness(t, { now });
  const key = await staffKey(h);
  const pages = [];
  for (let i = 0; i < 3; i += 1) {
    const page = await placeTestCall(h, key);
    await page.message('started');
    pages.push(page);
  }
  t.equal(h.app.liveCalls.size, 3, 'test calls are live calls of this machine');
  const fourth = await placeTestCall(h, key);
  const refused = await fourth.message('refused');
  t.equal(refused.code, 'TOO_MANY_TEST_CALLS');
  await until('the fourth socket to close', () => fourth.closed !== undefined);
  pages[0]!.hangUp();
  await until('a test call to end and leave the list', async () => h.app.liveCalls.size === 2 && (await liveTestCallCount(h.database.db, h.demoSpaId)) === 2);
  const fifth = await placeTestCall(h, key);
  await fifth.message('started');
  for (const page of [...pages, fifth]) page.hangUp();
});

t.test('a returning caller is known by number; the test call stays out of the usage rollups and is listed with its flag', async (t) => {
  const h = await startCallHarness(t, { now });
  const key = await staffKey(h);
  await h.database.db.insertInto('customers').values({ spa_id: h.demoSpaId, phone: '+12025550142', name: 'Jamie Rivera' }).execute();
  const page = await placeTestCall(h, key, { kind: 'number', number: '+12025550142' });
  const started = await page.message('started');
  t.match(started, { knownCaller: true, callerNumber: '+12025550142' });
  await h.realtime.connection(0);
  const session = h.app.liveCalls.all()[0];
  page.hangUp();
  await session?.done;
  const conversationId = String(started.conversationId);

  t.notOk((await conversationsWithoutUsage(h.database.db)).includes(conversationId), 'the analysis backfill leaves it alone');
  const figures = {
    ...Object.fromEntries(USAGE_COUNTERS.map((c) => [c, c === 'calls' ? 1 : 0])),
    ...Object.fromEntries(USAGE_COSTS.map((c) => [c, '0.05'])),
    reply_latencies_ms: [900],
    greeting_latency_ms: 400,
  } as ConversationFigures;
  await inTransaction(h.database.db, (trx) => replaceConversationUsage(trx, conversationId, figures));
  const days = await h.database.db.selectFrom('daily_usage').selectAll().execute();
  t.same(days, [], 'no usage row reaches the daily analytics');

  const list = await fetch(`${h.baseUrl}/api/v1/conversations?test=true`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await list.json()) as { data: { id: string; isTest: boolean }[] };
  t.same(body.data.map((c) => [c.id, c.isTest]), [[conversationId, true]], 'listed for staff with the flag');
  const real = await fetch(`${h.baseUrl}/api/v1/conversations?test=false`, { headers: { authorization: `Bearer ${key}` } });
  t.same(((await real.json()) as { data: unknown[] }).data, [], 'and filtered out of the real calls');
});
