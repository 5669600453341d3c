import t from 'tap';
import { CalendarError } from '../../src/calendar/calendar.js';
import { startBookingHarness } from '../support/booking-harness.js';

const event = (id: string) => ({
  id,
  summary: 'HydraFacial: Jamie',
  description: 'test',
  start: new Date('2026-12-01T16:00:00Z'),
  end: new Date('2026-12-01T17:00:00Z'),
  timeZone: 'America/New_York',
  appointmentId: '00000000-0000-4000-8000-000000000001',
});

t.test('the real client authenticates with the stored refresh token', async (t) => {
  const h = await startBookingHarness(t);
  const { calendar } = await h.calendars.forSpa(await h.spa());
  await calendar.busy([h.providerCalendar('sofia-ramirez')], new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
  const token = h.google.requests.find((r) => r.path === '/token');
  t.match(token?.body, { grant_type: 'refresh_token', refresh_token: 'refresh-token-1' });
  const query = h.google.requests.find((r) => r.path === '/calendar/v3/freeBusy');
  t.match(query?.authorization, /^Bearer access-/);
});

t.test('an event id that was deleted is brought back by patching, not re-inserted', async (t) => {
  const h = await startBookingHarness(t);
  const { calendar } = await h.calendars.forSpa(await h.spa());
  const cal = h.providerCalendar('sofia-ramirez');
  await calendar.createEvent(cal, event('apptabc123'));
  await calendar.cancelEvent(cal, 'apptabc123');
  t.equal(h.google.events(cal)[0]?.status, 'cancelled');
  await calendar.createEvent(cal, event('apptabc123'));
  t.equal(h.google.events(cal)[0]?.status, 'confirmed');
  t.equal(h.google.events(cal).length, 1);
});

t.test('cancelling an event twice is fine', async (t) => {
  const h = await startBookingHarness(t);
  const { calendar } = await h.calendars.forSpa(await h.spa());
  const cal = h.providerCalendar('sofia-ramirez');
  await calendar.createEvent(cal, event('apptdef456'));
  await calendar.cancelEvent(cal, 'apptdef456');
  await t.resolves(calendar.cancelEvent(cal, 'apptdef456'), '410 Gone is success');
});

t.test('errors that retrying cannot fix are not retried', async (t) => {
  const h = await startBookingHarness(t);
  const { calendar } = await h.calendars.forSpa(await h.spa());
  h.google.failNext('POST', /\/events$/, 403, 'forbiddenForServiceAccounts', 5);
  await t.rejects(calendar.createEvent(h.providerCalendar('sofia-ramirez'), event('apptghi789')), CalendarError);
  t.equal(h.google.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events')).length, 1);
});
