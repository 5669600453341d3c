import t from 'tap';
import { eventIdFor } from '../../src/calendar/calendar.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { receptionistTools } from '../../src/tools/receptionist-tools.js';
import type { ToolOutcome } from '../../src/tools/tool-registry.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';

const tools = receptionistTools();
// Monday 30 November 2026, 9 AM in Washington; the spa opens at 10.
const NOW = new Date('2026-11-30T14:00:00Z');
const TUESDAY = '2026-12-01';
const at = (localTime: string) => new Date(`${TUESDAY}T${localTime}:00-05:00`);

async function run(h: BookingHarness, name: string, args: unknown, options: Parameters<BookingHarness['context']>[0] = {}) {
  return tools.execute(name, JSON.stringify(args), await h.context({ now: NOW, ...options }));
}

function ok(t: { fail(message: string): void }, outcome: ToolOutcome): Record<string, unknown> {
  if (!outcome.ok) t.fail(`tool failed: ${outcome.error.code} ${outcome.error.message}`);
  return (outcome.ok ? outcome.result : {}) as Record<string, unknown>;
}

type Slot = { start: string; spoken: string; provider: string; providerId: string };

t.test('availability steers around busy time in the calendar, with the buffer', async (t) => {
  const h = await startBookingHarness(t);
  h.google.block(h.providerCalendar('sofia-ramirez'), at('10:00'), at('12:00'));
  const result = ok(t, await run(h, 'check_availability', { service: 'HydraFacial', date: TUESDAY }));
  const slots = result.slots as Slot[];
  t.equal(slots[0]?.spoken, 'Tuesday, December 1 at 12:15 PM', '12:00 + 10 min buffer, on the quarter hour');
  t.equal(slots[0]?.start, '2026-12-01T12:15:00-05:00');
  t.equal(slots[0]?.provider, 'Sofia Ramirez');
  t.ok(slots.length >= 3 && slots.length <= 5, 'a handful of slots');
});

t.test('a taken time is reported with the nearest alternatives', async (t) => {
  const h = await startBookingHarness(t);
  h.google.block(h.providerCalendar('sofia-ramirez'), at('14:00'), at('15:00'));
  const result = ok(t, await run(h, 'check_availability', { service: 'hydrafacial', date: TUESDAY, preferredTime: '14:00' }));
  t.equal(result.requestedTimeAvailable, false);
  t.equal(result.requestedTime, 'Tuesday, December 1 at 2 PM');
  const spoken = (result.slots as Slot[]).map((s) => s.spoken);
  t.ok(spoken.includes('Tuesday, December 1 at 12:45 PM') || spoken.includes('Tuesday, December 1 at 3:15 PM'), spoken.join('; '));
});

t.test('a closed day offers the next openings instead of a dead end', async (t) => {
  const h = await startBookingHarness(t);
  const result = ok(t, await run(h, 'check_availability', { service: 'HydraFacial', date: '2026-12-06' }));
  t.match(result.note, /next openings/);
  t.match((result.slots as Slot[])[0]?.spoken, /^Monday, December 7/);
});

t.test('a calendar Google cannot see is an error, never free time', async (t) => {
  const h = await startBookingHarness(t);
  h.google.calendars.delete(h.providerCalendar('sofia-ramirez'));
  const outcome = await run(h, 'check_availability', { service: 'HydraFacial', date: TUESDAY });
  t.match(outcome, { ok: false, error: { code: 'CALENDAR_NOT_FOUND' } });
});

t.test('a rate-limited free/busy query is retried and succeeds', async (t) => {
  const h = await startBookingHarness(t);
  h.google.failNext('POST', /freeBusy/, 429, 'rateLimitExceeded');
  h.google.failNext('POST', /freeBusy/, 403, 'userRateLimitExceeded');
  const result = ok(t, await run(h, 'check_availability', { service: 'HydraFacial', date: TUESDAY }));
  t.ok((result.slots as Slot[]).length > 0);
  t.equal(h.google.requests.filter((r) => r.path.endsWith('freeBusy')).length, 3);
});

t.test('booking creates the appointment and its tagged calendar event, and queues the confirmation text', async (t) => {
  const h = await startBookingHarness(t);
  const result = ok(
    t,
    await run(h, 'book_appointment', {
      service: 'HydraFacial',
      start: '2026-12-01T11:00:00-05:00',
      customerName: 'Jamie Rivera',
      email: 'jamie@example.com',
    }),
  );
  t.match(result, { booked: true, provider: 'Sofia Ramirez', start: 'Tuesday, December 1 at 11 AM' });
  const appointmentId = String(result.appointmentId);
  const row = await h.database.db.selectFrom('appointments').selectAll().where('id', '=', appointmentId).executeTakeFirstOrThrow();
  t.equal(row.status, 'confirmed');
  t.equal(row.starts_at.toISOString(), '2026-12-01T16:00:00.000Z');
  t.equal(row.ends_at.toISOString(), '2026-12-01T17:00:00.000Z');
  const [event] = h.google.events(h.providerCalendar('sofia-ramirez'));
  t.equal(event?.id, eventIdFor(appointmentId));
  t.same(event?.extendedProperties, { private: { appointmentId } });
  t.equal(event?.start.timeZone, 'America/New_York');
  const customer = await h.database.db.selectFrom('customers').selectAll().where('id', '=', row.customer_id).executeTakeFirstOrThrow();
  t.match(customer, { name: 'Jamie Rivera', email: 'jamie@example.com', phone: '+12025550123' });
  t.match(await pendingJobs(h.database.db), [
    { task: 'send_appointment_text', key: `appointment:${appointmentId}:notice`, payload: { appointmentId, purpose: 'confirmation' } },
  ]);
});

t.test('when the calendar insert fails, no appointment is left behind', async (t) => {
  const h = await startBookingHarness(t);
  h.google.failNext('POST', /\/events$/, 500, 'backendError', 10);
  const outcome = await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' });
  t.match(outcome, { ok: false, error: { code: 'CALENDAR_UNAVAILABLE' } });
  t.equal((await h.database.db.selectFrom('appointments').select('id').execute()).length, 0);
  t.same(await pendingJobs(h.database.db), [], 'no confirmation text for a booking that did not happen');
  t.equal(h.google.events(h.providerCalendar('sofia-ramirez')).filter((e) => e.status === 'confirmed').length, 0);
});

t.test('an insert that timed out after Google stored it is retried without a second event', async (t) => {
  const h = await startBookingHarness(t);
  h.google.failNext('POST', /\/events$/, 503, 'backendError', 1, { afterWrite: true });
  const result = ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  t.equal(result.booked, true);
  const inserts = h.google.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events'));
  t.equal(inserts.length, 2, 'the retry hit 409 duplicate');
  t.equal(h.google.events(h.providerCalendar('sofia-ramirez')).length, 1, 'one event');
});

t.test('twenty callers booking the same slot at once: exactly one gets it, the others get alternatives', async (t) => {
  const h = await startBookingHarness(t);
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      run(
        h,
        'book_appointment',
        { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', provider: 'Sofia', customerName: `Caller ${i}` },
        { customerPhone: `+1202555${String(1000 + i)}` },
      ),
    ),
  );
  const results = outcomes.map((o) => ok(t, o));
  t.equal(results.filter((r) => r.booked === true).length, 1, 'one booking');
  const refused = results.filter((r) => r.booked === false);
  t.equal(refused.length, 19);
  t.ok(refused.every((r) => Array.isArray(r.alternatives) && (r.alternatives as Slot[]).length > 0), 'each is offered alternatives');
  t.equal((await h.database.db.selectFrom('appointments').select('id').where('status', '=', 'confirmed').execute()).length, 1);
  t.equal(h.google.events(h.providerCalendar('sofia-ramirez')).filter((e) => e.status === 'confirmed').length, 1);
});

t.test('rescheduling moves the appointment in both stores', async (t) => {
  const h = await startBookingHarness(t);
  const booked = ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  const moved = ok(t, await run(h, 'reschedule_appointment', { newStart: '2026-12-01T15:00:00-05:00' }));
  t.match(moved, { moved: true, from: 'Tuesday, December 1 at 11 AM', to: 'Tuesday, December 1 at 3 PM', lateChange: false });
  const row = await h.database.db.selectFrom('appointments').selectAll().where('id', '=', String(booked.appointmentId)).executeTakeFirstOrThrow();
  t.equal(row.starts_at.toISOString(), '2026-12-01T20:00:00.000Z');
  const [event] = h.google.events(h.providerCalendar('sofia-ramirez'));
  t.equal(new Date(event!.start.dateTime).toISOString(), '2026-12-01T20:00:00.000Z');
});

t.test('a start the spa\'s clock has passed is refused, for a booking and for a move', async (t) => {
  const h = await startBookingHarness(t);
  // Monday 9 AM at the spa: earlier that morning, and last week, are both in the past.
  for (const start of ['2026-11-30T08:30:00-05:00', '2026-11-23T11:00:00-05:00', '2026-11-30T14:00:00Z']) {
    const outcome = await run(h, 'book_appointment', { service: 'HydraFacial', start, customerName: 'Jamie Rivera' });
    t.match(outcome, { ok: false, error: { code: 'START_IN_PAST', message: /has already passed \(it is now Monday, November 30 at 9 AM at the spa\)/ } }, start);
  }
  t.equal((await h.database.db.selectFrom('appointments').select('id').execute()).length, 0, 'nothing booked');
  t.equal(h.google.events(h.providerCalendar('sofia-ramirez')).length, 0, 'nothing in the calendar');
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  const moved = await run(h, 'reschedule_appointment', { newStart: '2026-11-30T08:00:00-05:00' });
  t.match(moved, { ok: false, error: { code: 'START_IN_PAST' } });
  const row = await h.database.db.selectFrom('appointments').select('starts_at').executeTakeFirstOrThrow();
  t.equal(row.starts_at.toISOString(), '2026-12-01T16:00:00.000Z', 'the appointment stays where it was');
});

t.test('moving onto a taken time keeps the old time and offers alternatives', async (t) => {
  const h = await startBookingHarness(t);
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  h.google.block(h.providerCalendar('sofia-ramirez'), at('15:00'), at('16:00'));
  const result = ok(t, await run(h, 'reschedule_appointment', { newStart: '2026-12-01T15:00:00-05:00' }));
  t.equal(result.moved, false);
  t.ok((result.alternatives as Slot[]).length > 0);
  const row = await h.database.db.selectFrom('appointments').select('starts_at').executeTakeFirstOrThrow();
  t.equal(row.starts_at.toISOString(), '2026-12-01T16:00:00.000Z');
});

t.test('cancelling frees the slot in both stores and explains a late cancellation', async (t) => {
  const h = await startBookingHarness(t);
  const booked = ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  const result = ok(t, await run(h, 'cancel_appointment', {}, { now: new Date('2026-12-01T12:00:00Z') }));
  t.match(result, { cancelled: true, lateChange: true, requiredNoticeHours: 24 });
  t.match(result.policy, /\$50 fee/);
  const row = await h.database.db.selectFrom('appointments').selectAll().where('id', '=', String(booked.appointmentId)).executeTakeFirstOrThrow();
  t.equal(row.status, 'cancelled');
  t.equal(h.google.events(h.providerCalendar('sofia-ramirez'))[0]?.status, 'cancelled');
  const again = ok(t, await run(h, 'check_availability', { service: 'HydraFacial', date: TUESDAY, preferredTime: '11:00' }, { now: NOW }));
  t.equal(again.requestedTimeAvailable, true, 'the slot is free again');
});

t.test('find_customer knows the caller by number and lists upcoming appointments', async (t) => {
  const h = await startBookingHarness(t);
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  const found = ok(t, await run(h, 'find_customer', {}));
  t.match(found, { found: true, customer: { name: 'Jamie Rivera', phoneEndsWith: '0123', upcomingAppointments: [{ service: 'HydraFacial', provider: 'Sofia Ramirez' }] } });
  const byName = ok(t, await run(h, 'find_customer', { name: 'rivera' }, { customerPhone: null }));
  t.equal(byName.found, false, "a name alone never reads out a patient's details");
  t.match(byName.note, /phone number on the booking/);
  const unverified = await run(h, 'find_customer', { phone: '202-555-0123', name: 'Jamie Rivera' }, { customerPhone: null });
  t.match(unverified, { ok: false, error: { code: 'VERIFICATION_REQUIRED' } }, 'number and name on file: a texted code comes first (caller-verification.test.ts)');
  const wrongName = ok(t, await run(h, 'find_customer', { phone: '202-555-0123', name: 'Alex Rivera' }, { customerPhone: '+12025550999' }));
  t.equal(wrongName.found, false);
  const nobody = ok(t, await run(h, 'find_customer', { name: "'; drop table customers; --" }, { customerPhone: null }));
  t.equal(nobody.found, false);
});

t.test('take_message stores a callback request for staff', async (t) => {
  const h = await startBookingHarness(t);
  ok(t, await run(h, 'take_message', { name: 'Jamie Rivera', reason: 'Question about filler aftercare', callbackNumber: '(202) 555-0177' }));
  const [message] = await h.database.db.selectFrom('staff_messages').selectAll().execute();
  t.match(message, { caller_name: 'Jamie Rivera', callback_number: '+12025550177', reason: 'Question about filler aftercare', handled_at: null });
});

t.test('transfer outside opening hours offers to take a message instead', async (t) => {
  const h = await startBookingHarness(t);
  const result = ok(t, await run(h, 'transfer_to_staff', { reason: 'wants a person' }, { now: new Date('2026-12-01T03:00:00Z') }));
  t.match(result, { transferred: false, nextOpening: 'Tuesday, December 1 at 10 AM' });
});

t.test('a spa set up for Google with no credentials fails loudly instead of using the local calendar', async (t) => {
  const h = await startBookingHarness(t);
  await h.database.db.deleteFrom('google_credentials').execute();
  h.calendars.forget(h.spaId);
  const outcome = await run(h, 'check_availability', { service: 'HydraFacial', date: TUESDAY });
  t.match(outcome, { ok: false, error: { code: 'CALENDAR_NOT_CONNECTED' } });
});

t.test('the local calendar books just the same for spas without Google', async (t) => {
  const h = await startBookingHarness(t, { calendar: 'local' });
  const result = ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  t.equal(result.booked, true);
  const events = await h.database.db.selectFrom('local_calendar_events').selectAll().execute();
  t.equal(events.length, 1);
  t.equal(events[0]?.appointment_id, result.appointmentId);
});

t.test("an unknown caller cannot cancel someone else's appointment", async (t) => {
  const h = await startBookingHarness(t);
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }));
  const anonymous = await run(h, 'cancel_appointment', {}, { customerPhone: null });
  t.match(anonymous, { ok: false, error: { code: 'CUSTOMER_NOT_VERIFIED' } });
  const stranger = await run(h, 'cancel_appointment', { phone: '+12025550123', name: 'Someone Else' }, { customerPhone: '+12025550999' });
  t.match(stranger, { ok: false, error: { code: 'CUSTOMER_NOT_VERIFIED' } });
  const unverified = await run(h, 'cancel_appointment', { phone: '+12025550123', name: 'jamie rivera' }, { customerPhone: '+12025550999' });
  t.match(unverified, { ok: false, error: { code: 'VERIFICATION_REQUIRED' } }, 'number and name on file from another phone: a texted code comes first');
});

t.test('a start time without an offset is the spa’s local time', async (t) => {
  const h = await startBookingHarness(t);
  const result = ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00', customerName: 'Jamie Rivera' }));
  t.equal(result.start, 'Tuesday, December 1 at 11 AM');
  const row = await h.database.db.selectFrom('appointments').select('starts_at').executeTakeFirstOrThrow();
  t.equal(row.starts_at.toISOString(), '2026-12-01T16:00:00.000Z');
});

t.test('booking for someone else from a known phone keeps the record and notes who comes', async (t) => {
  const h = await startBookingHarness(t);
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Maria Rivera' }));
  ok(t, await run(h, 'book_appointment', { service: 'HydraFacial', start: '2026-12-01T14:00:00-05:00', customerName: 'Sofia Rivera Jr' }));
  const customers = await h.database.db.selectFrom('customers').select('name').execute();
  t.same(customers.map((c) => c.name), ['Maria Rivera'], 'the name on file is not overwritten');
  const notes = await h.database.db.selectFrom('appointments').select('notes').orderBy('starts_at').execute();
  t.same(notes.map((n) => n.notes), [null, 'Patient: Sofia Rivera Jr']);
});
