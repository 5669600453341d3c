import { sql } from 'kysely';
import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { receptionistTools } from '../../src/tools/receptionist-tools.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';
import { until } from '../support/until.js';

const tools = receptionistTools();
const NOW = new Date('2026-11-30T14:00:00Z'); // Monday 9 AM in Washington

async function startWorkers(t: Parameters<typeof startBookingHarness>[0], h: BookingHarness, rest: FakeTwilioRest, now = NOW, count = 1) {
  for (let i = 0; i < count; i += 1) {
    const app = await buildApp({
      config: { ...h.config, twilio: { ...h.config.twilio, apiBaseUrl: rest.baseUrl } },
      database: h.database,
      logger: pino({ level: 'silent' }),
      jobs: true,
      now: () => now,
    });
    t.teardown(() => app.close());
  }
}

async function book(h: BookingHarness, start = '2026-12-03T11:00:00-05:00') {
  const outcome = await tools.execute(
    'book_appointment',
    JSON.stringify({ service: 'HydraFacial', start, customerName: 'Jamie Rivera' }),
    await h.context({ now: NOW }),
  );
  if (!outcome.ok) throw new Error(outcome.error.message);
  return (outcome.result as { appointmentId: string }).appointmentId;
}

t.test('a booking is confirmed by text, once, into the patient’s text thread', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  await book(h);
  await startWorkers(t, h, rest, NOW, 2); // two machines running the queue
  await until('the confirmation text', () => rest.messages().length > 0);
  // A negative check: a second worker sending the same text would do so within this time.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const messages = rest.messages();
  t.equal(messages.length, 1, 'exactly one text with two workers');
  t.match(messages[0]?.params, {
    To: '+12025550123',
    From: '+12025550100',
    Body: /^Willow & Oak Medical Spa: you're booked for HydraFacial with Sofia Ramirez on Thursday, December 3 at 11 AM, 1847 Wisconsin Avenue NW, Suite 200\./,
    StatusCallback: 'https://receptionist.test/twilio/sms/status',
  });
  const thread = await h.database.db
    .selectFrom('messages')
    .innerJoin('sms_details', 'sms_details.message_id', 'messages.id')
    .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .select(['messages.role', 'sms_details.direction', 'sms_details.message_sid', 'conversations.channel'])
    .execute();
  t.match(thread, [{ role: 'assistant', direction: 'outbound', channel: 'sms', message_sid: /^SM/ }]);
});

t.test('Twilio errors are retried with backoff; refusals are not', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  rest.failNext(/Messages\.json$/, 500, 20500, 1);
  await book(h);
  await startWorkers(t, h, rest);
  await until('the text to be sent', async () => (await h.database.db.selectFrom('sms_sends').select('status').executeTakeFirst())?.status === 'sent', 15_000);
  t.equal(rest.messages().length, 2, 'one refused attempt, one delivered');
  const sends = await h.database.db.selectFrom('sms_sends').selectAll().execute();
  t.match(sends, [{ status: 'sent', purpose: 'confirmation', detail: null }]);
});

t.test('an opted-out patient gets no text', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  await book(h);
  await h.database.db.updateTable('customers').set({ sms_opted_out_at: new Date() }).execute();
  await startWorkers(t, h, rest);
  await until('one send', async () => (await h.database.db.selectFrom('sms_sends').select('status').execute()).length === 1);
  t.equal(rest.messages().length, 0);
  t.match(await h.database.db.selectFrom('sms_sends').selectAll().execute(), [{ status: 'skipped', detail: 'opted out' }]);
});

t.test('the reminder follows the appointment: scheduled, moved, removed', async (t) => {
  const h = await startBookingHarness(t);
  const id = await book(h, '2026-12-03T11:00:00-05:00');
  const reminder = async () => (await pendingJobs(h.database.db, () => NOW)).find((j) => j.key === `appointment:${id}:reminder`);
  t.equal((await reminder())?.runAt.toISOString(), '2026-12-02T16:00:00.000Z', '24 hours before');
  const moved = await tools.execute('reschedule_appointment', JSON.stringify({ newStart: '2026-12-04T14:00:00-05:00' }), await h.context({ now: NOW }));
  t.ok(moved.ok);
  t.equal((await reminder())?.runAt.toISOString(), '2026-12-03T19:00:00.000Z', 'moved with the appointment');
  const cancelled = await tools.execute('cancel_appointment', JSON.stringify({}), await h.context({ now: NOW }));
  t.ok(cancelled.ok);
  t.equal(await reminder(), undefined, 'gone with the appointment');
});

t.test('a reminder due at night waits for the morning', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const id = await book(h, '2026-12-03T11:00:00-05:00');
  await h.database.db.deleteFrom('sms_sends').execute();
  // The reminder falls due while the workers' clock says 11 PM in Washington.
  await sql`update graphile_worker._private_jobs set run_at = now() where key = ${`appointment:${id}:reminder`}`.execute(h.database.db);
  const workersNow = new Date('2026-12-02T04:00:00Z');
  await startWorkers(t, h, rest, workersNow);
  const reminder = async () => (await pendingJobs(h.database.db, () => workersNow)).find((j) => j.key === `appointment:${id}:reminder`);
  await until('the reminder to move', async () => (await reminder())?.runAt.toISOString() === '2026-12-02T13:00:00.000Z', 15_000);
  t.pass('re-queued for 8 AM');
  t.equal(rest.messages().filter((m) => /Reminder/.test(m.params.Body ?? '')).length, 0, 'nothing sent at night');
});

async function reminderDueNow(h: BookingHarness, id: string) {
  await sql`update graphile_worker._private_jobs set run_at = now() where key = ${`appointment:${id}:reminder`}`.execute(h.database.db);
}

t.test('two workers send a due reminder once', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const id = await book(h);
  await reminderDueNow(h, id);
  await startWorkers(t, h, rest, NOW, 2);
  await until('the reminder', () => rest.messages().filter((m) => /^Reminder from/.test(m.params.Body ?? '')).length > 0);
  // A negative check: a second worker sending the same reminder would do so within this time.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.equal(rest.messages().filter((m) => /^Reminder from/.test(m.params.Body ?? '')).length, 1);
});

t.test('an opted-out patient gets no reminder either', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const id = await book(h);
  await h.database.db.updateTable('customers').set({ sms_opted_out_at: new Date() }).execute();
  await reminderDueNow(h, id);
  await startWorkers(t, h, rest);
  await until('one reminder send', async () => (await h.database.db.selectFrom('sms_sends').select('purpose').where('purpose', '=', 'reminder').execute()).length === 1);
  t.equal(rest.messages().length, 0);
});
