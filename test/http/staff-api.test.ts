import { sql } from 'kysely';
import t from 'tap';
import { createApiKey, revokeApiKey } from '../../src/storage/api-key-repository.js';
import { insertEvents, insertMessages } from '../../src/storage/conversation-timeline.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { loadSpaProfile } from '../../src/storage/spa-repository.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { SpaCalendars } from '../../src/calendar/spa-calendars.js';
import { bookAppointment } from '../../src/tools/booking.js';
import { buildTestApp, type TestApp } from '../support/app.js';

const ADMIN_API_KEY = 'admin-key-for-tests-0123456789';

async function setup(t: Parameters<typeof buildTestApp>[0], options: { now?: () => Date } = {}) {
  const test = await buildTestApp(t, { ADMIN_API_KEY }, options);
  const db = test.database.db;
  const owner = await createApiKey(db, test.demoSpaId, 'owner', 'owner');
  const staff = await createApiKey(db, test.demoSpaId, 'staff', 'front desk');
  const catalog = await loadDemoSpaCatalog();
  const other = await seedSpa(db, { ...catalog, slug: 'other-spa', name: 'Other Spa', phoneNumbers: ['+13105550100'] });
  const otherKey = await createApiKey(db, other.spaId, 'owner', 'other owner');
  const get = (url: string, key = staff.key) => test.app.fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  return { ...test, db, owner, staff, other, otherKey, get };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function conversation(
  s: Pick<Setup, 'db'> & Pick<TestApp, 'demoSpaId'>,
  options: {
    spaId?: string;
    channel?: 'voice' | 'sms';
    status?: 'active' | 'completed' | 'transferred' | 'failed' | 'abandoned';
    outcome?: string;
    startedAt: string;
    phone?: string;
    texts?: string[];
  },
) {
  const spaId = options.spaId ?? s.demoSpaId;
  const customer = options.phone
    ? await s.db
        .insertInto('customers')
        .values({ spa_id: spaId, phone: options.phone, name: 'Pat Example' })
        .onConflict((oc) => oc.columns(['spa_id', 'phone']).doUpdateSet({ name: 'Pat Example' }))
        .returning('id')
        .executeTakeFirstOrThrow()
    : undefined;
  const row = await s.db
    .insertInto('conversations')
    .values({
      spa_id: spaId,
      customer_id: customer?.id ?? null,
      channel: options.channel ?? 'voice',
      status: options.status ?? 'completed',
      outcome: options.outcome ?? null,
      started_at: options.startedAt,
      last_activity_at: options.startedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertMessages(
    s.db,
    (options.texts ?? []).map((text, i) => ({
      conversationId: row.id,
      seq: i + 1,
      role: i % 2 === 0 ? ('assistant' as const) : ('customer' as const),
      text,
      interrupted: false,
      spokenAt: new Date(options.startedAt),
    })),
  );
  return { id: row.id, customerId: customer?.id };
}

t.test('who may see what: no key, revoked key, wrong role, another spa', async (t) => {
  const s = await setup(t);
  const mine = await conversation(s, { startedAt: '2026-11-20T15:00:00Z', texts: ['Hello'] });
  const theirs = await conversation(s, { spaId: s.other.spaId, startedAt: '2026-11-20T15:00:00Z', texts: ['Hi'] });

  const none = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/conversations' });
  t.equal(none.statusCode, 401);
  t.same(Object.keys(none.json()), ['error']);
  t.equal((await s.get('/api/v1/conversations', 'rk_nonsense')).statusCode, 401);

  const revoked = await createApiKey(s.db, s.demoSpaId, 'staff', 'old');
  await revokeApiKey(s.db, s.demoSpaId, revoked.id);
  t.equal((await s.get('/api/v1/conversations', revoked.key)).statusCode, 401, 'revoked keys stop working');

  const patch = await s.app.fastify.inject({
    method: 'PATCH',
    url: '/api/v1/settings',
    headers: { authorization: `Bearer ${s.staff.key}` },
    payload: { name: 'Hacked' },
  });
  t.equal(patch.statusCode, 403, 'staff cannot change settings');

  t.equal((await s.get(`/api/v1/conversations/${theirs.id}`)).statusCode, 404, "another spa's conversation does not exist for us");
  const list = (await s.get('/api/v1/conversations')).json();
  t.same(list.data.map((c: { id: string }) => c.id), [mine.id]);
  const theirList = (await s.get('/api/v1/conversations', s.otherKey.key)).json();
  t.same(theirList.data.map((c: { id: string }) => c.id), [theirs.id]);
});

t.test('every conversation filter narrows the list', async (t) => {
  const s = await setup(t);
  const call = await conversation(s, { startedAt: '2026-11-20T15:00:00Z', outcome: 'booked', phone: '+12025550101', texts: ['Hello', 'I want a hydrafacial'] });
  const text = await conversation(s, { channel: 'sms', startedAt: '2026-11-21T15:00:00Z', texts: ['Do you do lip filler?'] });
  const missed = await conversation(s, { status: 'abandoned', startedAt: '2026-11-22T04:30:00Z' }); // 11:30 PM on the 21st in Washington
  const ids = async (query: string) => ((await s.get(`/api/v1/conversations?${query}`)).json().data as { id: string }[]).map((c) => c.id);
  t.same(await ids('channel=sms'), [text.id]);
  t.same(await ids('status=abandoned'), [missed.id]);
  t.same(await ids('outcome=booked'), [call.id]);
  t.same(await ids(`customerId=${call.customerId}`), [call.id]);
  t.same(await ids('from=2026-11-21&to=2026-11-21'), [missed.id, text.id], "dates are the spa's days");
  t.same(await ids('q=hydrafacials'), [call.id], 'full-text search matches word forms');
  t.same(await ids('q=lip%20filler'), [text.id]);
  t.same(await ids('q=botox'), []);
});

t.test('pages stay stable while new conversations arrive', async (t) => {
  const s = await setup(t);
  const made = [];
  for (let i = 0; i < 5; i += 1) made.push(await conversation(s, { startedAt: `2026-11-1${i}T15:00:00Z` }));
  const first = (await s.get('/api/v1/conversations?limit=2')).json();
  t.same(first.data.map((c: { id: string }) => c.id), [made[4]!.id, made[3]!.id]);
  await conversation(s, { startedAt: '2026-11-20T15:00:00Z' });
  const second = (await s.get(`/api/v1/conversations?limit=2&cursor=${first.nextCursor}`)).json();
  t.same(second.data.map((c: { id: string }) => c.id), [made[2]!.id, made[1]!.id], 'no repeats, no gaps');
  const third = (await s.get(`/api/v1/conversations?limit=2&cursor=${second.nextCursor}`)).json();
  t.same(third.data.map((c: { id: string }) => c.id), [made[0]!.id]);
  t.equal(third.nextCursor, null);
});

t.test('bad parameters get clear 400s', async (t) => {
  const s = await setup(t);
  const cursor = await s.get('/api/v1/conversations?cursor=not-a-cursor');
  t.equal(cursor.statusCode, 400);
  t.equal(cursor.json().error.code, 'INVALID_CURSOR');
  const limit = await s.get('/api/v1/conversations?limit=5000');
  t.equal(limit.statusCode, 400);
  t.equal(limit.json().error.code, 'VALIDATION_FAILED');
  t.match(limit.json().error.message, /limit/);
  t.equal((await s.get('/api/v1/conversations?from=yesterday')).statusCode, 400);
  t.equal((await s.get('/api/v1/conversations/not-a-uuid')).statusCode, 400);
  t.equal((await s.get('/api/v1/analytics/daily?from=2026-11-10&to=2026-11-01')).statusCode, 400);
});

t.test('a day that does not exist is a 400, not a database error', async (t) => {
  const s = await setup(t);
  for (const url of [
    '/api/v1/conversations?from=2026-02-30',
    '/api/v1/conversations?to=2026-13-01',
    '/api/v1/appointments?from=2026-04-31&to=2026-05-01',
    '/api/v1/analytics/daily?from=2026-01-01&to=0000-00-00',
  ]) {
    const res = await s.get(url);
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { error: { code: 'VALIDATION_FAILED', message: /not a day of the calendar/ } }, url);
  }
  t.equal((await s.get('/api/v1/conversations?from=2028-02-29')).statusCode, 200, 'a leap day is a day');
});

t.test('a NUL character anywhere in a request is a 400 and changes nothing', async (t) => {
  const s = await setup(t);
  const customer = await s.db
    .insertInto('customers')
    .values({ spa_id: s.demoSpaId, phone: '+12025550177', name: 'Pat Example' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const search = await s.get(`/api/v1/conversations?q=${encodeURIComponent('lip\u0000filler')}`);
  t.equal(search.statusCode, 400);
  t.same(search.json(), { error: { code: 'VALIDATION_FAILED', message: 'Text may not contain NUL characters (U+0000).' } });
  const patch = await s.app.fastify.inject({
    method: 'PATCH',
    url: `/api/v1/customers/${customer.id}`,
    headers: { authorization: `Bearer ${s.staff.key}` },
    payload: { name: 'Pat\u0000Example' },
  });
  t.equal(patch.statusCode, 400);
  const settings = await s.app.fastify.inject({
    method: 'PATCH',
    url: '/api/v1/settings',
    headers: { authorization: `Bearer ${s.owner.key}` },
    payload: { persona: { policies: ['ok', 'not\u0000ok'] } },
  });
  t.equal(settings.statusCode, 400);
  const row = await s.db.selectFrom('customers').select('name').where('id', '=', customer.id).executeTakeFirstOrThrow();
  t.equal(row.name, 'Pat Example');
});

t.test('search text that looks like SQL is just text', async (t) => {
  const s = await setup(t);
  await conversation(s, { startedAt: '2026-11-20T15:00:00Z', texts: ['hello'] });
  for (const q of ["'; drop table messages; --", '" or 1=1 --', '!!! & | :* <->', '\\x00']) {
    const res = await s.get(`/api/v1/conversations?q=${encodeURIComponent(q)}`);
    t.equal(res.statusCode, 200, q);
  }
  t.equal((await s.db.selectFrom('messages').select('id').execute()).length, 1, 'messages intact');
});

t.test('a conversation shows its messages, events, call details and appointments', async (t) => {
  const s = await setup(t);
  const c = await conversation(s, { startedAt: '2026-11-20T15:00:00Z', phone: '+12025550101', texts: ['Hello, this is Ava.', 'Book me in'] });
  await insertEvents(s.db, [
    { conversationId: c.id, seq: 3, type: 'tool_call', name: 'check_availability', data: { arguments: { service: 'HydraFacial' } }, at: new Date() },
  ]);
  await s.db
    .insertInto('voice_call_details')
    .values({ conversation_id: c.id, call_sid: 'CA1', to_number: '+12025550100', twilio_status: 'completed', duration_seconds: 95, reply_latency_p50_ms: 640, cost_usd: '0.042' })
    .execute();
  const detail = (await s.get(`/api/v1/conversations/${c.id}`)).json();
  t.same(detail.messages.map((m: { role: string; text: string }) => [m.role, m.text]), [
    ['assistant', 'Hello, this is Ava.'],
    ['customer', 'Book me in'],
  ]);
  t.match(detail.events, [{ type: 'tool_call', name: 'check_availability', data: { arguments: { service: 'HydraFacial' } } }]);
  t.match(detail.voice, { callSid: 'CA1', durationSeconds: 95, replyLatencyP50Ms: 640, costUsd: '0.042000' });
  t.same(detail.appointments, []);
});

t.test('customers: search, timeline, and corrections', async (t) => {
  const s = await setup(t);
  const c = await conversation(s, { startedAt: '2026-11-20T15:00:00Z', phone: '+12025550101' });
  const list = (await s.get('/api/v1/customers?q=pat')).json();
  t.equal(list.data.length, 1);
  const timeline = (await s.get(`/api/v1/customers/${c.customerId}`)).json();
  t.equal(timeline.conversations[0].id, c.id);
  const patched = await s.app.fastify.inject({
    method: 'PATCH',
    url: `/api/v1/customers/${c.customerId}`,
    headers: { authorization: `Bearer ${s.staff.key}` },
    payload: { name: 'Patricia Example', notes: 'Prefers mornings' },
  });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { name: 'Patricia Example', notes: 'Prefers mornings' });
  const bad = await s.app.fastify.inject({
    method: 'PATCH',
    url: `/api/v1/customers/${c.customerId}`,
    headers: { authorization: `Bearer ${s.staff.key}` },
    payload: { phone: '+1999' },
  });
  t.equal(bad.statusCode, 400, 'unknown fields are refused');
});

t.test('appointments by date range and provider', async (t) => {
  const s = await setup(t);
  const c = await conversation(s, { startedAt: '2026-11-20T15:00:00Z', phone: '+12025550101' });
  const sofia = await s.db.selectFrom('providers').select('id').where('slug', '=', 'sofia-ramirez').where('spa_id', '=', s.demoSpaId).executeTakeFirstOrThrow();
  const facial = await s.db.selectFrom('services').select('id').where('slug', '=', 'hydrafacial').where('spa_id', '=', s.demoSpaId).executeTakeFirstOrThrow();
  await s.db
    .insertInto('appointments')
    .values({ spa_id: s.demoSpaId, customer_id: c.customerId!, provider_id: sofia.id, service_id: facial.id, starts_at: '2026-12-01T16:00:00Z', ends_at: '2026-12-01T17:00:00Z' })
    .execute();
  const found = (await s.get(`/api/v1/appointments?from=2026-12-01&to=2026-12-01&providerId=${sofia.id}`)).json();
  t.match(found.data, [{ service: 'HydraFacial', provider: 'Sofia Ramirez', customerName: 'Pat Example', status: 'confirmed' }]);
  t.same((await s.get('/api/v1/appointments?from=2026-12-02&to=2026-12-31')).json().data, []);
});

t.test('staff cancel an appointment: calendar event, reminder and the patient\'s text handled as the receptionist does', async (t) => {
  let now = new Date('2026-12-01T12:00:00Z');
  const s = await setup(t, { now: () => now });
  const calendars = new SpaCalendars(s.db, s.config);
  const spa = (await loadSpaProfile(s.db, s.demoSpaId))!;
  const spaCalendar = await calendars.forSpa(spa);
  const provider = spa.providers[0]!;
  const service = spa.services.find((x) => provider.serviceIds.includes(x.id))!;
  const book = async (phone: string, start: string) =>
    (
      await bookAppointment(s.db, spaCalendar, {
        spa, service, provider, start: new Date(start), customerPhone: phone, customerName: 'Robin Example',
        email: undefined, notes: undefined, conversationId: null, now: new Date('2026-12-01T12:00:00Z'),
      })
    ).appointmentId;
  const first = await book('+12025550161', '2026-12-10T15:00:00Z');
  const second = await book('+12025550162', '2026-12-11T15:00:00Z');
  const eventOf = (id: string) => s.db.selectFrom('local_calendar_events').select('status').where('appointment_id', '=', id).executeTakeFirstOrThrow();
  const jobsFor = async (id: string) => (await pendingJobs(s.db)).filter((j) => j.key?.startsWith(`appointment:${id}:`)).map((j) => j.key);
  t.match(await eventOf(first), { status: 'confirmed' }, 'booked into the calendar');
  t.ok((await jobsFor(first)).includes(`appointment:${first}:reminder`), 'with its reminder');
  const cancel = (id: string, body?: object, key = s.staff.key) =>
    s.app.fastify.inject({ method: 'POST', url: `/api/v1/appointments/${id}/cancel`, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });

  const list = async () =>
    Object.fromEntries(
      (
        (
          await s.app.fastify.inject({ url: '/api/v1/appointments?from=2026-12-01&to=2026-12-31', headers: { authorization: `Bearer ${s.staff.key}` } })
        ).json() as { data: { id: string; cancellable: boolean }[] }
      ).data.map((a) => [a.id, a.cancellable]),
    );
  t.same(await list(), { [first]: true, [second]: true }, 'the list says both can still be cancelled');

  const done = await cancel(first);
  t.equal(done.statusCode, 200, done.body);
  t.match(done.json(), { id: first, status: 'cancelled', cancellable: false, customerName: 'Robin Example', service: service.name, provider: provider.name }, 'answers the appointment as the list shows it');
  t.not((await eventOf(first)).status, 'confirmed', 'the calendar event is cancelled');
  t.same(await jobsFor(first), [`appointment:${first}:notice`], 'the reminder is gone and the patient gets the cancellation text');

  t.equal((await cancel(second, { textPatient: false })).statusCode, 200);
  t.same(await jobsFor(second), [], 'no text when staff told the patient themselves');

  const again = await cancel(first);
  t.equal(again.statusCode, 409);
  t.match(again.json(), { error: { code: 'NOT_CANCELLABLE', message: /cancelled/ } }, 'an appointment cannot be cancelled twice');
  t.equal((await cancel('00000000-0000-4000-8000-000000000000')).statusCode, 404);
  t.equal((await cancel(second, undefined, s.otherKey.key)).statusCode, 404, "another spa's appointment is not found");
  t.equal((await cancel(second, { textPatient: 'yes' })).statusCode, 400);
  const third = await book('+12025550164', '2026-12-12T15:00:00Z');
  t.equal((await list())[third], true, 'one booked for later can be cancelled');
  now = new Date('2026-12-12T16:30:00Z');
  t.equal((await list())[third], false, 'once it is over by the server’s clock the list no longer offers its cancel');
  const over = await cancel(third);
  t.equal(over.statusCode, 409);
  t.match(over.json(), { error: { code: 'NOT_CANCELLABLE', message: 'This appointment is over; it can no longer be cancelled.' } }, 'one that is over stays as it was');
  const audited = await s.db.selectFrom('audit_events').select(['record_id', 'detail']).where('action', '=', 'appointment.cancelled').orderBy('id').execute();
  t.match(audited, [{ record_id: first, detail: { textPatient: true } }, { record_id: second, detail: { textPatient: false } }], 'both on the audit log');
});

t.test('a cancellation the calendar cannot take changes nothing and says so', async (t) => {
  const s = await setup(t, { now: () => new Date('2026-12-01T12:00:00Z') });
  const calendars = new SpaCalendars(s.db, s.config);
  const spa = (await loadSpaProfile(s.db, s.demoSpaId))!;
  const provider = spa.providers[0]!;
  const service = spa.services.find((x) => provider.serviceIds.includes(x.id))!;
  const { appointmentId } = await bookAppointment(s.db, await calendars.forSpa(spa), {
    spa, service, provider, start: new Date('2026-12-10T15:00:00Z'), customerPhone: '+12025550163', customerName: 'Sam Example',
    email: undefined, notes: undefined, conversationId: null, now: new Date('2026-12-01T12:00:00Z'),
  });
  // The spa moves to Google Calendar but has no working credentials: its calendar cannot be reached.
  await s.db.updateTable('spas').set({ calendar: JSON.stringify({ type: 'google', calendarId: 'primary', auth: 'oauth' }) }).where('id', '=', s.demoSpaId).execute();
  const refused = await s.app.fastify.inject({ method: 'POST', url: `/api/v1/appointments/${appointmentId}/cancel`, headers: { authorization: `Bearer ${s.staff.key}` } });
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { error: { code: 'CALENDAR_UNAVAILABLE', message: /nothing was changed/ } });
  const row = await s.db.selectFrom('appointments').select('status').where('id', '=', appointmentId).executeTakeFirstOrThrow();
  t.equal(row.status, 'confirmed', 'the appointment stands');
});

t.test('staff move an appointment: checked, moved in the database and the calendar, reminder re-planned, the patient texted unless not', async (t) => {
  let now = new Date('2026-12-01T12:00:00Z');
  const s = await setup(t, { now: () => now });
  const calendars = new SpaCalendars(s.db, s.config);
  const spa = (await loadSpaProfile(s.db, s.demoSpaId))!;
  const spaCalendar = await calendars.forSpa(spa);
  // Jordan Ellis keeps the spa's hours (Thursday 10:00–19:00 in New York, -05:00 in December).
  const provider = spa.providers.find((p) => p.name === 'Jordan Ellis')!;
  const service = spa.services.find((x) => provider.serviceIds.includes(x.id) && x.durationMinutes <= 60)!;
  const book = async (phone: string, start: string, textPatient = true) =>
    (
      await bookAppointment(s.db, spaCalendar, {
        spa, service, provider, start: new Date(start), customerPhone: phone, customerName: 'Robin Example',
        email: undefined, notes: undefined, conversationId: null, now, textPatient,
      })
    ).appointmentId;
  const first = await book('+12025550171', '2026-12-10T15:00:00Z');
  const second = await book('+12025550172', '2026-12-10T17:00:00Z', false);
  const move = (id: string, body: object, key = s.staff.key) =>
    s.app.fastify.inject({ method: 'POST', url: `/api/v1/appointments/${id}/reschedule`, headers: { authorization: `Bearer ${key}` }, payload: body });
  const rowOf = (id: string) => s.db.selectFrom('appointments').select(['starts_at', 'ends_at', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  const eventOf = (id: string) => s.db.selectFrom('local_calendar_events').select(['starts_at', 'status']).where('appointment_id', '=', id).executeTakeFirstOrThrow();
  const jobsFor = async (id: string) =>
    Object.fromEntries(
      (await pendingJobs(s.db, () => now)).filter((j) => j.key?.startsWith(`appointment:${id}:`)).map((j) => [j.key!.split(':')[2], { payload: j.payload, runAt: j.runAt.toISOString() }]),
    );

  // Without an offset: the spa's local time, 14:30 in New York.
  const moved = await move(first, { startsAt: '2026-12-10T14:30' });
  t.equal(moved.statusCode, 200, moved.body);
  t.match(moved.json(), { id: first, status: 'confirmed', cancellable: true, customerName: 'Robin Example', service: service.name, provider: provider.name }, 'answers the appointment as the list shows it');
  t.equal(new Date(moved.json().startsAt).toISOString(), '2026-12-10T19:30:00.000Z', 'at the new time');
  t.equal((await rowOf(first)).starts_at.toISOString(), '2026-12-10T19:30:00.000Z', 'moved in the database');
  t.equal((await rowOf(first)).ends_at.getTime() - (await rowOf(first)).starts_at.getTime(), service.durationMinutes * 60_000, 'keeping its length');
  t.match(await eventOf(first), { status: 'confirmed' }, 'the calendar event stays');
  t.equal((await eventOf(first)).starts_at.toISOString(), '2026-12-10T19:30:00.000Z', 'and moves with it');
  t.match(
    await jobsFor(first),
    { notice: { payload: { appointmentId: first, purpose: 'reschedule' } }, reminder: { runAt: '2026-12-09T19:30:00.000Z' } },
    'the patient is texted the new time and the reminder is re-keyed to a day before it',
  );

  const quiet = await move(second, { startsAt: '2026-12-11T11:00:00-05:00', textPatient: false });
  t.equal(quiet.statusCode, 200, quiet.body);
  t.same(Object.keys(await jobsFor(second)), ['reminder'], 'no text when staff told the patient themselves, but the reminder is planned for the new time');
  t.equal((await jobsFor(second)).reminder?.runAt, '2026-12-10T16:00:00.000Z');

  // Into the other one's time: taken, with the nearest free starts to offer instead.
  const taken = await move(first, { startsAt: '2026-12-11T11:00' });
  t.equal(taken.statusCode, 409);
  const alternatives = (taken.json() as { error: { code: string; alternatives: string[] } }).error.alternatives;
  t.match(taken.json(), { error: { code: 'SLOT_TAKEN', message: /not free/ } }, 'a taken time is refused');
  t.ok(alternatives.length > 0 && alternatives.every((a) => /^2026-12-\d\dT\d\d:\d\d:00-05:00$/.test(a)), `the nearest free starts, in the spa's time: ${alternatives.join(', ')}`);
  t.notOk(alternatives.includes('2026-12-11T11:00:00-05:00'), 'not the taken one');
  t.equal((await rowOf(first)).starts_at.toISOString(), '2026-12-10T19:30:00.000Z', 'and the appointment stays where it was');
  const picked = await move(first, { startsAt: alternatives[0] });
  t.equal(picked.statusCode, 200, 'an alternative can be taken as offered');

  const refused = async (id: string, startsAt: string) => {
    const answer = await move(id, { startsAt });
    t.equal(answer.statusCode, 409, answer.body);
    return (answer.json() as { error: { code: string; message: string } }).error;
  };
  t.match(await refused(second, '2026-11-30T11:00'), { code: 'NOT_RESCHEDULABLE', message: /has already passed/ }, 'not to a time already gone');
  t.match(await refused(second, '2026-12-13T11:00'), { code: 'NOT_RESCHEDULABLE', message: /outside the opening hours/ }, 'not to a Sunday, when the spa is closed');
  t.match(await refused(second, '2026-12-10T21:00'), { code: 'NOT_RESCHEDULABLE', message: /outside the opening hours/ }, 'not after closing');
  t.match(await refused(second, '2026-12-01T08:30'), { code: 'NOT_RESCHEDULABLE', message: /too soon/ }, 'not sooner than the spa’s notice');

  t.equal((await move('00000000-0000-4000-8000-000000000000', { startsAt: '2026-12-10T14:30' })).statusCode, 404);
  t.equal((await move(second, { startsAt: '2026-12-10T14:30' }, s.otherKey.key)).statusCode, 404, "another spa's appointment is not found");
  t.equal((await move(second, {})).statusCode, 400, 'a start is required');
  t.equal((await move(second, { startsAt: 'next tuesday' })).statusCode, 400, 'an ISO date-time');
  t.equal((await move(second, { startsAt: '2026-12-10T14:30', textPatient: 'yes' })).statusCode, 400);

  now = new Date('2026-12-11T17:00:00Z');
  t.match(await refused(second, '2026-12-12T11:00'), { code: 'NOT_RESCHEDULABLE', message: 'This appointment is over; it can no longer be moved.' }, 'one that is over stays as it was');
  await s.app.fastify.inject({ method: 'POST', url: `/api/v1/appointments/${first}/cancel`, headers: { authorization: `Bearer ${s.staff.key}` } });
  t.match(await refused(first, '2026-12-12T11:00'), { code: 'NOT_RESCHEDULABLE', message: /cancelled/ }, 'a cancelled one cannot be moved');

  const audited = await s.db.selectFrom('audit_events').select(['record_id', 'detail']).where('action', '=', 'appointment.rescheduled').orderBy('id').execute();
  t.match(
    audited,
    [
      { record_id: first, detail: { from: '2026-12-10T15:00:00.000Z', to: '2026-12-10T19:30:00.000Z', textPatient: true } },
      { record_id: second, detail: { from: '2026-12-10T17:00:00.000Z', to: '2026-12-11T16:00:00.000Z', textPatient: false } },
      { record_id: first, detail: { from: '2026-12-10T19:30:00.000Z', textPatient: true } },
    ],
    'each move on the audit log, from and to',
  );
  t.equal(audited.length, 3, 'refusals change nothing and are not logged as moves');
});

t.test('a move the calendar cannot take changes nothing and says so', async (t) => {
  const s = await setup(t, { now: () => new Date('2026-12-01T12:00:00Z') });
  const calendars = new SpaCalendars(s.db, s.config);
  const spa = (await loadSpaProfile(s.db, s.demoSpaId))!;
  const provider = spa.providers.find((p) => p.name === 'Jordan Ellis')!;
  const service = spa.services.find((x) => provider.serviceIds.includes(x.id))!;
  const { appointmentId } = await bookAppointment(s.db, await calendars.forSpa(spa), {
    spa, service, provider, start: new Date('2026-12-10T15:00:00Z'), customerPhone: '+12025550173', customerName: 'Sam Example',
    email: undefined, notes: undefined, conversationId: null, now: new Date('2026-12-01T12:00:00Z'),
  });
  await s.db.updateTable('spas').set({ calendar: JSON.stringify({ type: 'google', calendarId: 'primary', auth: 'oauth' }) }).where('id', '=', s.demoSpaId).execute();
  const refused = await s.app.fastify.inject({
    method: 'POST',
    url: `/api/v1/appointments/${appointmentId}/reschedule`,
    headers: { authorization: `Bearer ${s.staff.key}` },
    payload: { startsAt: '2026-12-10T14:30' },
  });
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { error: { code: 'CALENDAR_UNAVAILABLE', message: /nothing was changed/ } });
  const row = await s.db.selectFrom('appointments').select('starts_at').where('id', '=', appointmentId).executeTakeFirstOrThrow();
  t.equal(row.starts_at.toISOString(), '2026-12-10T15:00:00.000Z', 'the appointment stays where it was');
});

t.test('messages for staff can be listed and marked handled', async (t) => {
  const s = await setup(t);
  const message = await s.db
    .insertInto('staff_messages')
    .values({ spa_id: s.demoSpaId, caller_name: 'Jamie', callback_number: '+12025550177', reason: 'Aftercare question' })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.equal((await s.get('/api/v1/messages-for-staff?handled=false')).json().data.length, 1);
  const handled = await s.app.fastify.inject({
    method: 'POST',
    url: `/api/v1/messages-for-staff/${message.id}/handled`,
    headers: { authorization: `Bearer ${s.staff.key}` },
  });
  t.equal(handled.statusCode, 200);
  t.equal((await s.get('/api/v1/messages-for-staff?handled=false')).json().data.length, 0);
  t.match((await s.get('/api/v1/messages-for-staff?handled=true')).json().data, [{ callerName: 'Jamie' }]);
  const foreign = await s.app.fastify.inject({
    method: 'POST',
    url: `/api/v1/messages-for-staff/${message.id}/handled`,
    headers: { authorization: `Bearer ${s.otherKey.key}` },
  });
  t.equal(foreign.statusCode, 404);
});

t.test('live calls come from heartbeats in Postgres, not process memory', async (t) => {
  const s = await setup(t);
  const fresh = await conversation(s, { status: 'active', startedAt: new Date().toISOString() });
  const stale = await conversation(s, { status: 'active', startedAt: new Date().toISOString() });
  await s.db
    .insertInto('live_calls')
    .values([
      { call_sid: 'CAfresh', conversation_id: fresh.id, spa_id: s.demoSpaId, machine_id: 'machine-b' },
      { call_sid: 'CAstale', conversation_id: stale.id, spa_id: s.demoSpaId, machine_id: 'machine-c', heartbeat_at: sql`now() - interval '5 minutes'` },
    ])
    .execute();
  const live = (await s.get('/api/v1/calls/live')).json();
  t.same(live.data.map((c: { callSid: string }) => c.callSid), ['CAfresh'], 'a machine that stopped beating is ignored');
});

t.test('settings: read, validated changes by the owner, applied to the next call', async (t) => {
  const s = await setup(t);
  const before = (await s.get('/api/v1/settings')).json();
  t.equal(before.persona.name, 'Ava');
  const patch = (payload: unknown) =>
    s.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { authorization: `Bearer ${s.owner.key}` }, payload: payload as object });
  t.equal((await patch({ timezone: 'Mars/Olympus' })).statusCode, 400);
  t.equal((await patch({ transferNumber: '555-0111' })).statusCode, 400);
  t.equal((await patch({ settings: { voice: 'robot' } })).statusCode, 400);
  t.equal((await patch({ favouriteColour: 'teal' })).statusCode, 400);
  t.equal((await patch({ providers: [{ slug: 'new', name: 'New', title: 'RN', hours: null, services: ['nope'] }] })).statusCode, 400);
  const ok = await patch({
    persona: { greeting: 'Hi, Willow and Oak, Ava speaking!' },
    settings: { bufferMinutes: 15, turnDetection: { type: 'semantic_vad', eagerness: 'low' } },
    services: [{ slug: 'dermaplaning', name: 'Dermaplaning', description: 'Gentle exfoliation.', durationMinutes: 30, priceCents: 9500, priceNote: null }],
  });
  t.equal(ok.statusCode, 200, ok.body);
  const after = ok.json();
  t.equal(after.persona.greeting, 'Hi, Willow and Oak, Ava speaking!');
  t.equal(after.persona.name, 'Ava', 'untouched fields stay');
  t.equal(after.settings.bufferMinutes, 15);
  t.equal(after.settings.voice, 'marin');
  t.ok(after.services.some((svc: { slug: string }) => svc.slug === 'dermaplaning'));
  t.equal((await patch({ settings: { followUpAbandonedCalls: true, monthlyBudgetUsd: 250 } })).statusCode, 200);
  const later = (await patch({ settings: { bufferMinutes: 20 } })).json();
  t.match(later.settings, { bufferMinutes: 20, followUpAbandonedCalls: true, monthlyBudgetUsd: 250 }, 'settings left out of a change stay as they were');
  t.match(later.settings.turnDetection, { type: 'semantic_vad', eagerness: 'low' });
  t.equal((await patch({ settings: { monthlyBudgetUsd: -5 } })).statusCode, 400);
});

t.test('a service no longer offered and a provider who left stay in the settings, switched off, out of the receptionist\'s reach', async (t) => {
  const s = await setup(t);
  const patch = async (payload: unknown) => {
    const answer = await s.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { authorization: `Bearer ${s.owner.key}` }, payload: payload as object });
    t.equal(answer.statusCode, 200, answer.body);
    return answer.json() as { services: { slug: string; active: boolean }[]; providers: { slug: string; active: boolean; services: string[] }[] };
  };
  const lipFiller = { slug: 'lip-filler-deluxe', name: 'Lip filler deluxe', description: 'Fuller lips.', durationMinutes: 45, priceCents: 55_000, priceNote: null };
  const dana = { slug: 'dana-reyes', name: 'Dana Reyes', title: 'Nurse injector', hours: null, services: ['lip-filler-deluxe'] };
  let settings = await patch({ services: [lipFiller], providers: [dana] });
  t.match(settings.services.find((x) => x.slug === lipFiller.slug), { active: true }, 'a new service is offered');
  t.match(settings.providers.find((x) => x.slug === dana.slug), { active: true, services: ['lip-filler-deluxe'] }, 'a new provider is bookable');
  t.ok(settings.services.every((x) => typeof x.active === 'boolean') && settings.providers.every((x) => typeof x.active === 'boolean'), 'every one says whether it is on');

  settings = await patch({ services: [{ ...lipFiller, active: false }], providers: [{ ...dana, active: false }] });
  t.match(settings.services.find((x) => x.slug === lipFiller.slug), { active: false }, 'switched off, the service is still listed');
  t.match(settings.providers.find((x) => x.slug === dana.slug), { active: false, services: ['lip-filler-deluxe'] }, 'and so is the provider, with what they perform');
  t.match((await s.get('/api/v1/settings')).json().services.find((x: { slug: string }) => x.slug === lipFiller.slug), { active: false }, 'on a fresh read too');
  const profile = await loadSpaProfile(s.db, s.demoSpaId);
  t.notOk(profile?.services.some((x) => x.slug === lipFiller.slug), 'the receptionist no longer offers the service');
  t.notOk(profile?.providers.some((x) => x.slug === dana.slug), 'nor books the provider');

  settings = await patch({ services: [lipFiller], providers: [{ ...dana, active: true }] });
  t.match(settings.services.find((x) => x.slug === lipFiller.slug), { active: true }, 'switched back on');
  const again = await loadSpaProfile(s.db, s.demoSpaId);
  t.ok(again?.services.some((x) => x.slug === lipFiller.slug) && again.providers.some((x) => x.slug === dana.slug), 'and offered again');
});

t.test('the spa\'s language is an ISO 639-1 code', async (t) => {
  const s = await setup(t);
  const patch = (language: string) =>
    s.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { authorization: `Bearer ${s.owner.key}` }, payload: { settings: { language } } });
  for (const bad of ['english', 'EN', 'en-US', 'e', 'zz1']) {
    const refused = await patch(bad);
    t.equal(refused.statusCode, 400, bad);
    t.match(refused.json(), { error: { code: 'VALIDATION_FAILED', message: /ISO 639-1/ } }, bad);
  }
  const accepted = await patch('es');
  t.equal(accepted.statusCode, 200);
  t.equal(accepted.json().settings.language, 'es');
});

t.test("the spa's realtime provider and its fallback are settings", async (t) => {
  const s = await setup(t);
  const patch = (settings: Record<string, unknown>) =>
    s.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { authorization: `Bearer ${s.owner.key}` }, payload: { settings } });
  t.match((await s.get('/api/v1/settings')).json().settings, { provider: 'openai', fallbackProvider: null }, 'OpenAI, and the other provider as fallback, by default');
  t.equal((await patch({ provider: 'anthropic' })).statusCode, 400);
  t.equal((await patch({ fallbackProvider: 'azure' })).statusCode, 400);
  const changed = await patch({ provider: 'gemini', fallbackProvider: 'openai' });
  t.equal(changed.statusCode, 200);
  t.match(changed.json().settings, { provider: 'gemini', fallbackProvider: 'openai' });
  t.match((await patch({ fallbackProvider: 'none' })).json().settings, { provider: 'gemini', fallbackProvider: 'none' });
});

t.test('owners manage keys; the admin key bootstraps the first owner', async (t) => {
  const s = await setup(t);
  const created = await s.app.fastify.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { authorization: `Bearer ${s.owner.key}` },
    payload: { name: 'Reception iPad', role: 'staff' },
  });
  t.equal(created.statusCode, 201);
  const key = created.json().key as string;
  t.equal((await s.get('/api/v1/conversations', key)).statusCode, 200);
  const listed = (await s.get('/api/v1/api-keys', s.owner.key)).json().data;
  t.notMatch(JSON.stringify(listed), key, 'keys are never shown again');
  const revoke = await s.app.fastify.inject({
    method: 'DELETE',
    url: `/api/v1/api-keys/${created.json().id}`,
    headers: { authorization: `Bearer ${s.owner.key}` },
  });
  t.equal(revoke.statusCode, 200);
  t.equal((await s.get('/api/v1/conversations', key)).statusCode, 401);

  const boot = (auth: string) =>
    s.app.fastify.inject({
      method: 'POST',
      url: `/api/v1/admin/spas/${s.demoSpaId}/api-keys`,
      headers: { authorization: `Bearer ${auth}` },
      payload: { name: 'First owner', role: 'owner' },
    });
  t.equal((await boot('wrong-admin-key')).statusCode, 401);
  const first = await boot(ADMIN_API_KEY);
  t.equal(first.statusCode, 201);
  t.equal((await s.get('/api/v1/api-keys', first.json().key)).statusCode, 200);
});

t.test('each key is rate limited', async (t) => {
  const s = await setup(t);
  let limited;
  for (let i = 0; i < 310; i += 1) {
    const res = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/calls/live', headers: { authorization: `Bearer ${s.staff.key}` } });
    if (res.statusCode === 429) {
      limited = res;
      break;
    }
  }
  t.ok(limited, 'the 301st request in a minute is refused');
  t.equal(limited?.json().error.code, 'RATE_LIMITED');
  t.match(limited?.json().error.message, /try again in \d+ s/);
  t.equal((await s.get('/api/v1/calls/live', s.owner.key)).statusCode, 200, 'another key is unaffected');
});

t.test('the API is documented with OpenAPI at /docs', async (t) => {
  const s = await setup(t);
  const spec = (await s.app.fastify.inject({ method: 'GET', url: '/docs/json' })).json();
  for (const path of ['/api/v1/conversations', '/api/v1/conversations/{id}', '/api/v1/customers', '/api/v1/appointments', '/api/v1/analytics/daily', '/api/v1/analytics/usage', '/api/v1/analytics/weekly-digest', '/api/v1/settings', '/api/v1/calls/live'])
    t.ok(spec.paths[path], path);
  t.ok(spec.paths['/api/v1/conversations'].get.parameters.some((p: { name: string }) => p.name === 'q'));
  t.equal((await s.app.fastify.inject({ method: 'GET', url: '/docs/' })).statusCode, 200);
});
