import { sql } from 'kysely';
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { buildTestApp } from '../support/app.js';
import { addPerson, GOOD_PASSWORD, signIn, type SignedIn } from '../support/staff-people.js';

function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

async function setup(t: Parameters<typeof buildTestApp>[0], clock = movableClock('2026-11-20T09:00:00Z')) {
  const s = await buildTestApp(t, {}, { now: clock.now });
  const db = s.database.db;
  const owner = await addPerson(db, s.demoSpaId, 'owner@example.com', 'owner');
  const ownerSession = await signIn(s.app.fastify, 'owner@example.com');
  const as = (session: SignedIn, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    s.app.fastify.inject({ method, url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, ...(payload ? { payload } : {}) });
  return { ...s, db, clock, owner, ownerSession, as };
}

function tokenOf(link: string): string {
  return link.split('#token=')[1] ?? '';
}

t.test('an owner invites a person, who sets a password with the one-time link and is signed in', async (t) => {
  const s = await setup(t);
  const invited = await s.as(s.ownerSession, 'POST', '/api/v1/invites', { email: 'New.Desk@Example.com', role: 'staff', name: 'Sam' });
  t.equal(invited.statusCode, 201);
  const body = invited.json();
  t.equal(body.email, 'new.desk@example.com');
  t.match(body.link, /^https:\/\/receptionist\.test\/console\/invite#token=[A-Za-z0-9_-]{40,}$/);
  t.equal(body.expiresAt, '2026-11-22T09:00:00.000Z', '48 hours');
  t.equal(body.texted, false);

  const weak = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(body.link), password: 'Password2026!' } });
  t.equal(weak.statusCode, 400);
  t.equal(weak.json().error.code, 'PASSWORD_TOO_COMMON');
  const short = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(body.link), password: 'short' } });
  t.equal(short.json().error.code, 'PASSWORD_TOO_SHORT');

  const accepted = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(body.link), password: GOOD_PASSWORD } });
  t.equal(accepted.statusCode, 204, 'a refused password left the invite usable');
  const cookie = String(accepted.headers['set-cookie']).split(';')[0] ?? '';
  const me = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  t.same(me.json().person, { id: me.json().person.id, email: 'new.desk@example.com', name: 'Sam', role: 'staff' });

  const again = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(body.link), password: GOOD_PASSWORD } });
  t.equal(again.statusCode, 410, 'the link works once');
  t.equal(again.json().error.code, 'INVITE_INVALID');
  const listed = await s.as(s.ownerSession, 'GET', '/api/v1/invites');
  t.equal(listed.json().data[0].status, 'used');
  t.notMatch(listed.body, /token/, 'links are never listed');
});

t.test('an invite expires after 48 hours, and a withdrawn one cannot be used', async (t) => {
  const s = await setup(t);
  const late = (await s.as(s.ownerSession, 'POST', '/api/v1/invites', { email: 'late@example.com', role: 'staff' })).json();
  const withdrawn = (await s.as(s.ownerSession, 'POST', '/api/v1/invites', { email: 'gone@example.com', role: 'staff' })).json();
  t.equal((await s.as(s.ownerSession, 'DELETE', `/api/v1/invites/${withdrawn.id}`)).statusCode, 200);
  const refused = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(withdrawn.link), password: GOOD_PASSWORD } });
  t.equal(refused.statusCode, 410, 'withdrawn');
  s.clock.advance(48 * 3_600_000 + 1000);
  const expired = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token: tokenOf(late.link), password: GOOD_PASSWORD } });
  t.equal(expired.statusCode, 410, 'expired');
  t.equal((await s.db.selectFrom('people').select('id').where('email', '=', 'late@example.com').execute()).length, 0, 'nobody was created');
});

t.test('owners manage people: change a role, disable (sessions end at once), list and end sessions; the last owner stays', async (t) => {
  const s = await setup(t);
  const staff = await addPerson(s.db, s.demoSpaId, 'staff@example.com', 'staff');
  const staffSession = await signIn(s.app.fastify, 'staff@example.com');
  t.equal((await s.as(staffSession, 'GET', '/api/v1/people')).statusCode, 403, 'staff do not manage people');

  const sessions = await s.as(s.ownerSession, 'GET', `/api/v1/people/${staff.id}/sessions`);
  t.equal(sessions.json().data.length, 1);
  t.match(sessions.json().data[0], { userAgent: 'lightMyRequest', address: '127.0.0.1' });

  const promoted = await s.as(s.ownerSession, 'PATCH', `/api/v1/people/${staff.id}`, { role: 'owner' });
  t.equal(promoted.json().role, 'owner');
  t.equal((await s.as(staffSession, 'GET', '/api/v1/api-keys')).statusCode, 200, 'the new role applies on the next request');

  const ended = await s.as(s.ownerSession, 'DELETE', `/api/v1/people/${staff.id}/sessions`);
  t.same(ended.json(), { ended: 1 });
  t.equal((await s.as(staffSession, 'GET', '/api/v1/me')).statusCode, 401, 'revoked on the next request');

  const again = await signIn(s.app.fastify, 'staff@example.com');
  const disabled = await s.as(s.ownerSession, 'PATCH', `/api/v1/people/${staff.id}`, { disabled: true });
  t.equal(disabled.json().disabled, true);
  t.equal((await s.as(again, 'GET', '/api/v1/me')).statusCode, 401, 'disabled: out at once');

  const last = await s.as(s.ownerSession, 'PATCH', `/api/v1/people/${s.owner.id}`, { role: 'staff' });
  t.equal(last.statusCode, 409);
  t.equal(last.json().error.code, 'LAST_OWNER');
});

t.test("another spa's person sees 404s for this spa's people, invites and records", async (t) => {
  const s = await setup(t);
  const other = await seedSpa(s.db, { ...(await loadDemoSpaCatalog()), slug: 'other-spa', name: 'Other Spa', phoneNumbers: ['+13105550100'] });
  await addPerson(s.db, other.spaId, 'rival@example.com', 'owner');
  const rival = await signIn(s.app.fastify, 'rival@example.com');
  const invite = (await s.as(s.ownerSession, 'POST', '/api/v1/invites', { email: 'x@example.com', role: 'staff' })).json();
  const customer = await s.db.insertInto('customers').values({ spa_id: s.demoSpaId, phone: '+12025550199', name: 'Pat' }).returning('id').executeTakeFirstOrThrow();
  t.equal((await s.as(rival, 'PATCH', `/api/v1/people/${s.owner.id}`, { disabled: true })).statusCode, 404);
  t.equal((await s.as(rival, 'GET', `/api/v1/people/${s.owner.id}/sessions`)).statusCode, 404);
  t.equal((await s.as(rival, 'DELETE', `/api/v1/people/${s.owner.id}/sessions`)).statusCode, 404);
  t.equal((await s.as(rival, 'DELETE', `/api/v1/invites/${invite.id}`)).statusCode, 404);
  t.equal((await s.as(rival, 'GET', `/api/v1/customers/${customer.id}`)).statusCode, 404);
  t.same((await s.as(rival, 'GET', '/api/v1/people')).json().data.map((p: { email: string }) => p.email), ['rival@example.com']);
  t.same((await s.as(rival, 'GET', '/api/v1/audit-events')).json().data.filter((e: { actor: { id: string } }) => e.actor.id === s.owner.id), []);
});

t.test('the audit log records reads of patient data and changes, with the right actor, and nobody can change it', async (t) => {
  const s = await setup(t);
  const staff = await addPerson(s.db, s.demoSpaId, 'staff@example.com', 'staff');
  const staffSession = await signIn(s.app.fastify, 'staff@example.com');
  const key = await createApiKey(s.db, s.demoSpaId, 'owner', 'integration');
  const customer = await s.db.insertInto('customers').values({ spa_id: s.demoSpaId, phone: '+12025550199', name: 'Pat' }).returning('id').executeTakeFirstOrThrow();
  const conversation = await s.db
    .insertInto('conversations')
    .values({ spa_id: s.demoSpaId, customer_id: customer.id, channel: 'voice', status: 'completed', started_at: '2026-11-19T15:00:00Z', last_activity_at: '2026-11-19T15:00:00Z' })
    .returning('id')
    .executeTakeFirstOrThrow();

  await s.as(staffSession, 'GET', `/api/v1/conversations/${conversation.id}`);
  await s.as(staffSession, 'GET', `/api/v1/customers/${customer.id}`);
  await s.app.fastify.inject({ method: 'GET', url: `/api/v1/customers/${customer.id}`, headers: { authorization: `Bearer ${key.key}` } });
  await s.as(s.ownerSession, 'PATCH', '/api/v1/settings', { name: 'Willow & Oak Medical Spa' });
  await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '198.51.100.7', payload: { email: 'staff@example.com', password: 'not-the-password-9' } });

  const page = await s.as(s.ownerSession, 'GET', '/api/v1/audit-events?limit=100');
  t.equal(page.statusCode, 200);
  const events = page.json().data as { action: string; actor: { type: string; id: string | null }; record: { id: string | null }; address: string }[];
  const find = (action: string, actorId: string | null) => events.find((e) => e.action === action && e.actor.id === actorId);
  t.match(find('conversation.viewed', staff.id), { actor: { type: 'person' }, record: { type: 'conversation', id: conversation.id }, address: '127.0.0.1' });
  t.match(find('customer.viewed', staff.id), { record: { id: customer.id } });
  t.match(find('customer.viewed', key.id), { actor: { type: 'key' }, record: { id: customer.id } });
  t.match(find('settings.changed', s.owner.id), { record: { type: 'spa', id: s.demoSpaId } });
  t.match(find('sign_in.succeeded', staff.id), { actor: { type: 'person' } });
  t.match(find('sign_in.failed', null), { actor: { type: 'anonymous' }, record: { type: 'person', id: staff.id }, address: '198.51.100.7' });

  const filtered = await s.as(s.ownerSession, 'GET', `/api/v1/audit-events?personId=${staff.id}&action=customer.viewed`);
  t.same(filtered.json().data.map((e: { record: { id: string } }) => e.record.id), [customer.id]);
  const byRecord = await s.as(s.ownerSession, 'GET', `/api/v1/audit-events?recordId=${customer.id}`);
  t.equal(byRecord.json().data.length, 2);
  const firstPage = await s.as(s.ownerSession, 'GET', '/api/v1/audit-events?limit=2');
  const secondPage = await s.as(s.ownerSession, 'GET', `/api/v1/audit-events?limit=2&cursor=${firstPage.json().nextCursor}`);
  t.ok(Number(secondPage.json().data[0].id) < Number(firstPage.json().data[1].id), 'cursor pages go back in time without overlap');
  const future = await s.as(s.ownerSession, 'GET', '/api/v1/audit-events?from=2027-01-01T00:00:00Z');
  t.same(future.json().data, [], 'date range');
  t.equal((await s.as(staffSession, 'GET', '/api/v1/audit-events')).statusCode, 403, 'staff cannot read it');

  await t.rejects(sql`update audit_events set action = 'nothing'`.execute(s.db), /append-only/, 'no update');
  await t.rejects(sql`delete from audit_events`.execute(s.db), /append-only/, 'no delete');
  await t.rejects(sql`truncate audit_events`.execute(s.db), /append-only/, 'no truncate');
});

t.test('the audit log also records who read appointments, messages for staff and live calls, handled a message, or paused the receptionist', async (t) => {
  const s = await setup(t);
  const staff = await addPerson(s.db, s.demoSpaId, 'staff@example.com', 'staff');
  const staffSession = await signIn(s.app.fastify, 'staff@example.com');
  const customer = await s.db.insertInto('customers').values({ spa_id: s.demoSpaId, phone: '+12025550199', name: 'Pat' }).returning('id').executeTakeFirstOrThrow();
  const thread = await s.db
    .insertInto('conversations')
    .values({ spa_id: s.demoSpaId, customer_id: customer.id, channel: 'sms', status: 'active', started_at: '2026-11-19T15:00:00Z', last_activity_at: '2026-11-19T15:00:00Z' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const message = await s.db
    .insertInto('staff_messages')
    .values({ spa_id: s.demoSpaId, caller_name: 'Pat', callback_number: '+12025550199', reason: 'A refund' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const as = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    s.app.fastify.inject({ method, url, headers: { cookie: staffSession.cookie, 'x-csrf-token': staffSession.csrf }, ...(payload ? { payload } : {}) });
  t.equal((await as('GET', '/api/v1/appointments?from=2026-11-20&to=2026-11-27')).statusCode, 200);
  t.equal((await as('GET', '/api/v1/messages-for-staff')).statusCode, 200);
  t.equal((await as('POST', `/api/v1/messages-for-staff/${message.id}/handled`)).statusCode, 200);
  t.equal((await as('GET', '/api/v1/calls/live')).statusCode, 200);
  t.equal((await as('PUT', `/api/v1/conversations/${thread.id}/assistant`, { paused: true })).statusCode, 200);
  t.equal((await as('PUT', `/api/v1/conversations/${thread.id}/assistant`, { paused: false })).statusCode, 200);

  const events = (await s.as(s.ownerSession, 'GET', `/api/v1/audit-events?personId=${staff.id}&limit=50`)).json().data as { action: string; record: { type: string | null; id: string | null } }[];
  const actions = events.map((e) => e.action).reverse();
  t.same(
    actions.filter((a) => a !== 'sign_in.succeeded'),
    ['appointments.listed', 'staff_messages.listed', 'staff_message.handled', 'live_calls.listed', 'conversation.assistant_paused', 'conversation.assistant_resumed'],
  );
  t.match(events.find((e) => e.action === 'staff_message.handled'), { record: { type: 'staff_message', id: message.id } });
  t.match(events.find((e) => e.action === 'conversation.assistant_paused'), { record: { type: 'conversation', id: thread.id } });
});
