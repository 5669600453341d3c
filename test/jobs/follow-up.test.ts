import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { addJob, CALL_FOLLOW_UP_TASK, pendingJobs } from '../../src/storage/job-queue.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness } from '../support/booking-harness.js';
import { startCallHarness } from '../support/call-harness.js';
import { until } from '../support/until.js';

const NOW = new Date('2026-11-30T16:00:00Z'); // Monday 11 AM in Washington

t.test('a call that ends with nothing settled queues a follow-up when the spa wants one', async (t) => {
  const h = await startCallHarness(t, { now: () => NOW });
  await h.database.db
    .updateTable('spas')
    .set({ settings: JSON.stringify({ voice: 'marin', followUpAbandonedCalls: true }) })
    .execute();
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  await call.heardAll(100);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  await until('the follow-up job', async () => (await pendingJobs(h.database.db)).length > 0);
  const jobs = await pendingJobs(h.database.db);
  t.match(jobs, [{ task: CALL_FOLLOW_UP_TASK, key: /^follow-up:/ }]);
});

async function abandonedCall(h: Awaited<ReturnType<typeof startBookingHarness>>, outcome: string | null) {
  const customer = await h.database.db
    .insertInto('customers')
    .values({ spa_id: h.spaId, phone: '+12025550166', name: 'Riley Kim' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const conversation = await h.database.db
    .insertInto('conversations')
    .values({ spa_id: h.spaId, customer_id: customer.id, channel: 'voice', status: 'completed', outcome, started_at: new Date(NOW.getTime() - 600_000), last_activity_at: NOW, ended_at: new Date(NOW.getTime() - 300_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await h.database.db
    .insertInto('messages')
    .values({ conversation_id: conversation.id, seq: 1, role: 'customer', text: 'I wanted to book a peel but', spoken_at: NOW })
    .execute();
  await addJob(h.database.db, CALL_FOLLOW_UP_TASK, { conversationId: conversation.id }, { jobKey: `follow-up:${conversation.id}` });
  return conversation.id;
}

async function withWorker(t: Parameters<typeof startBookingHarness>[0], h: Awaited<ReturnType<typeof startBookingHarness>>) {
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const app = await buildApp({
    config: { ...h.config, twilio: { ...h.config.twilio, apiBaseUrl: rest.baseUrl } },
    database: h.database,
    logger: pino({ level: 'silent' }),
    jobs: true,
    now: () => NOW,
  });
  t.teardown(() => app.close());
  return rest;
}

t.test('the follow-up text offers to finish by message', async (t) => {
  const h = await startBookingHarness(t);
  await abandonedCall(h, null);
  const rest = await withWorker(t, h);
  await until('the follow-up text', () => rest.messages().length > 0).catch(() => {});
  t.match(rest.messages()[0]?.params, { To: '+12025550166', Body: /^Hi, it's Ava from Willow & Oak Medical Spa\. Sorry we got cut off!/ });
});

t.test('no follow-up when the call did settle something', async (t) => {
  const h = await startBookingHarness(t);
  await abandonedCall(h, 'booked');
  const rest = await withWorker(t, h);
  await until('the job to leave the queue', async () => (await pendingJobs(h.database.db)).length === 0).catch(() => {});
  t.equal((await pendingJobs(h.database.db)).length, 0, 'the job ran');
  t.equal(rest.messages().length, 0);
});
