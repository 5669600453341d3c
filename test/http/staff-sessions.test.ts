import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { revokeSessionsOf } from '../../src/storage/staff-session-repository.js';
import { updatePerson } from '../../src/storage/people-repository.js';
import { buildTestApp } from '../support/app.js';
import { addPerson, GOOD_PASSWORD, signIn } from '../support/staff-people.js';

/** A clock the test moves by hand. */
function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

t.test('a person signs in with email and password, gets an HttpOnly Secure SameSite=Lax cookie, and /me says who they are', async (t) => {
  const s = await buildTestApp(t);
  const person = await addPerson(s.database.db, s.demoSpaId, 'Front.Desk@Example.com', 'staff');
  const signedIn = await signIn(s.app.fastify, 'front.desk@example.com');
  t.match(signedIn.setCookie, /^__Host-receptionist_session=[A-Za-z0-9_-]{40,}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax; Secure$/);
  const me = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: signedIn.cookie } });
  t.equal(me.statusCode, 200);
  const body = me.json();
  t.same(body.person, { id: person.id, email: 'front.desk@example.com', name: null, role: 'staff' });
  t.equal(body.spa.id, s.demoSpaId);
  t.equal(body.spa.timezone, 'America/New_York', "the spa's time zone, for the console's times");
  t.equal(body.role, 'staff');
  t.match(body.csrfToken, /^[A-Za-z0-9_-]{40,}$/);
  t.equal(body.apiKey, null);
});

t.test('without https in PUBLIC_BASE_URL the cookie is not Secure (local development)', async (t) => {
  const s = await buildTestApp(t, { PUBLIC_BASE_URL: 'http://localhost:3000' });
  await addPerson(s.database.db, s.demoSpaId, 'dev@example.com', 'owner');
  const signedIn = await signIn(s.app.fastify, 'dev@example.com');
  t.match(signedIn.setCookie, /^receptionist_session=\S+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
});

t.test('a wrong password and an unknown email get the very same answer', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const wrongPassword = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@example.com', password: 'not-the-password-1' } });
  const unknownEmail = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'nobody@example.com', password: GOOD_PASSWORD } });
  t.equal(wrongPassword.statusCode, 401);
  t.equal(unknownEmail.statusCode, 401);
  t.same(wrongPassword.json(), unknownEmail.json());
  t.same(wrongPassword.json(), { error: { code: 'INVALID_CREDENTIALS', message: 'The email or password is not right.' } });
  t.notOk(wrongPassword.headers['set-cookie'], 'no cookie on a failure');
});

t.test('the staff API takes a session cookie with the same role rules as a key', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'staff@example.com', 'staff');
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const staff = await signIn(s.app.fastify, 'staff@example.com');
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const get = (url: string, cookie: string) => s.app.fastify.inject({ method: 'GET', url, headers: { cookie } });
  t.equal((await get('/api/v1/conversations', staff.cookie)).statusCode, 200, 'staff read conversations');
  t.equal((await get('/api/v1/settings', staff.cookie)).statusCode, 200, 'staff read settings');
  t.equal((await get('/api/v1/api-keys', staff.cookie)).statusCode, 403, 'staff do not manage keys');
  t.equal((await get('/api/v1/api-keys', owner.cookie)).statusCode, 200, 'owners do');
  t.equal((await s.app.fastify.inject({ method: 'GET', url: '/api/v1/conversations' })).statusCode, 401, 'no cookie, no key: 401');
  t.equal((await get('/api/v1/conversations', '__Host-receptionist_session=madeupmadeupmadeupmadeupmadeup')).statusCode, 401, 'a made-up cookie: 401');
});

t.test('a state-changing cookie request needs the CSRF token; an API key request does not', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const patch = (headers: Record<string, string>) =>
    s.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { name: 'Willow & Oak Medical Spa' } });
  const without = await patch({ cookie: owner.cookie });
  t.equal(without.statusCode, 403);
  t.equal(without.json().error.code, 'CSRF_TOKEN_INVALID');
  t.equal((await patch({ cookie: owner.cookie, 'x-csrf-token': 'wrong' })).statusCode, 403, 'a wrong token is refused too');
  const other = await signIn(s.app.fastify, 'owner@example.com');
  t.equal((await patch({ cookie: owner.cookie, 'x-csrf-token': other.csrf })).statusCode, 403, "another session's token is refused");
  t.equal((await patch({ cookie: owner.cookie, 'x-csrf-token': owner.csrf })).statusCode, 200, 'with its own token it goes through');
  const key = await createApiKey(s.database.db, s.demoSpaId, 'owner', 'integration');
  t.equal((await patch({ authorization: `Bearer ${key.key}` })).statusCode, 200, 'an API key needs no CSRF token');
});

t.test('signing out ends the session on the next request, everywhere the cookie is used', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'staff@example.com', 'staff');
  const session = await signIn(s.app.fastify, 'staff@example.com');
  const refused = await s.app.fastify.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: session.cookie } });
  t.equal(refused.statusCode, 403, 'signing out is state-changing: it needs the CSRF token');
  const out = await s.app.fastify.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /Max-Age=0/);
  const after = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: session.cookie } });
  t.equal(after.statusCode, 401);
  t.equal(after.json().error.code, 'SESSION_ENDED');
});

t.test('revoking sessions and disabling a person take effect on their next request', async (t) => {
  const s = await buildTestApp(t);
  const person = await addPerson(s.database.db, s.demoSpaId, 'staff@example.com', 'staff');
  const first = await signIn(s.app.fastify, 'staff@example.com');
  const me = (cookie: string) => s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  t.equal((await me(first.cookie)).statusCode, 200);
  await revokeSessionsOf(s.database.db, s.demoSpaId, person.id, new Date());
  t.equal((await me(first.cookie)).statusCode, 401, 'revoked');
  const second = await signIn(s.app.fastify, 'staff@example.com');
  t.equal((await me(second.cookie)).statusCode, 200);
  await updatePerson(s.database.db, s.demoSpaId, person.id, { disabled: true }, new Date());
  t.equal((await me(second.cookie)).statusCode, 401, 'disabled');
  const again = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'staff@example.com', password: GOOD_PASSWORD } });
  t.equal(again.statusCode, 401, 'a disabled person cannot sign in, and hears the same as for a wrong password');
});

t.test('a session ends after 12 idle hours, and after 7 days however busy', async (t) => {
  const clock = movableClock('2026-11-20T09:00:00Z');
  const s = await buildTestApp(t, {}, { now: clock.now });
  await addPerson(s.database.db, s.demoSpaId, 'staff@example.com', 'staff');
  const me = (cookie: string) => s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  const idle = await signIn(s.app.fastify, 'staff@example.com');
  clock.advance(11 * 3_600_000);
  t.equal((await me(idle.cookie)).statusCode, 200, 'used after 11 idle hours: still in');
  clock.advance(11 * 3_600_000);
  t.equal((await me(idle.cookie)).statusCode, 200, 'another 11 hours after that use: still in');
  clock.advance(12 * 3_600_000 + 1000);
  t.equal((await me(idle.cookie)).statusCode, 401, 'over 12 idle hours: ended');

  const busy = await signIn(s.app.fastify, 'staff@example.com');
  // Used every 10 hours, so never idle for long: in until the 7 days are up.
  for (let hours = 10; hours <= 160; hours += 10) {
    clock.advance(10 * 3_600_000);
    t.equal((await me(busy.cookie)).statusCode, 200, `in after ${hours} h`);
  }
  clock.advance(10 * 3_600_000);
  t.equal((await me(busy.cookie)).statusCode, 401, 'past 7 days: ended');
});

t.test('sign-in is limited per account (5 failures, even for unknown emails) and per address (10)', async (t) => {
  const clock = movableClock('2026-11-20T09:00:00Z');
  const s = await buildTestApp(t, {}, { now: clock.now });
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const attempt = (email: string, password: string, address = '198.51.100.1') =>
    s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: address, payload: { email, password } });
  for (let i = 0; i < 5; i++) t.equal((await attempt('owner@example.com', `wrong-password-${i}`, `198.51.100.${10 + i}`)).statusCode, 401);
  const locked = await attempt('owner@example.com', GOOD_PASSWORD, '198.51.100.99');
  t.equal(locked.statusCode, 429, 'the account is locked, even for the right password from a fresh address');
  t.ok(Number(locked.headers['retry-after']) > 0);
  for (let i = 0; i < 5; i++) await attempt('ghost@example.com', `wrong-password-${i}`, `198.51.100.${20 + i}`);
  t.equal((await attempt('ghost@example.com', 'whatever-password', '198.51.100.98')).statusCode, 429, 'an unknown email locks the same way');
  clock.advance(15 * 60_000 + 1000);
  t.equal((await attempt('owner@example.com', GOOD_PASSWORD, '198.51.100.97')).statusCode, 204, 'after the window the right password works');

  for (let i = 0; i < 10; i++) await attempt(`person${i}@example.com`, 'wrong-password', '203.0.113.5');
  t.equal((await attempt('owner@example.com', GOOD_PASSWORD, '203.0.113.5')).statusCode, 429, 'the address is locked out');
});

t.test('API keys keep working, and /me answers for a key too', async (t) => {
  const s = await buildTestApp(t);
  const key = await createApiKey(s.database.db, s.demoSpaId, 'staff', 'integration');
  const me = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${key.key}` } });
  t.equal(me.statusCode, 200);
  t.same(me.json().apiKey, { id: key.id });
  t.equal(me.json().person, null);
  t.equal(me.json().csrfToken, null);
});

t.test("a person's sessions are listed with device, address, creation and last use, theirs marked current; an owner sees them too", async (t) => {
  const clock = movableClock('2026-11-20T09:00:00Z');
  const s = await buildTestApp(t, {}, { now: clock.now });
  const person = await addPerson(s.database.db, s.demoSpaId, 'desk@example.com', 'staff');
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const signInFrom = async (userAgent: string, address: string) => {
    const res = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: address, headers: { 'user-agent': userAgent }, payload: { email: 'desk@example.com', password: GOOD_PASSWORD } });
    return String(res.headers['set-cookie']).split(';')[0]!;
  };
  const laptop = await signInFrom('Mozilla/5.0 (Macintosh) Safari/605', '198.51.100.20');
  clock.advance(60 * 60_000);
  const tablet = await signInFrom('Mozilla/5.0 (iPad) Safari/604', '198.51.100.21');
  clock.advance(2 * 60 * 60_000);
  t.equal((await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: laptop } })).statusCode, 200, 'the laptop is used again');
  clock.advance(5 * 60_000);

  const listed = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: { cookie: tablet } });
  t.equal(listed.statusCode, 200);
  const sessions = listed.json().data as { userAgent: string; address: string; createdAt: string; lastUsedAt: string; current: boolean }[];
  t.same(
    sessions.map(({ userAgent, address, createdAt, lastUsedAt, current }) => ({ userAgent, address, createdAt, lastUsedAt, current })),
    [
      // This very request is a use of the tablet's session.
      { userAgent: 'Mozilla/5.0 (iPad) Safari/604', address: '198.51.100.21', createdAt: '2026-11-20T10:00:00.000Z', lastUsedAt: '2026-11-20T12:05:00.000Z', current: true },
      { userAgent: 'Mozilla/5.0 (Macintosh) Safari/605', address: '198.51.100.20', createdAt: '2026-11-20T09:00:00.000Z', lastUsedAt: '2026-11-20T12:00:00.000Z', current: false },
    ],
    'most recently used first',
  );
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const byOwner = await s.app.fastify.inject({ method: 'GET', url: `/api/v1/people/${person.id}/sessions`, headers: { cookie: owner.cookie } });
  t.equal(byOwner.statusCode, 200);
  t.same(byOwner.json().data.map((x: { userAgent: string }) => x.userAgent), ['Mozilla/5.0 (iPad) Safari/604', 'Mozilla/5.0 (Macintosh) Safari/605']);
});

t.test('a person ends one of their own sessions (the laptop left signed in), or this one; not anyone else’s', async (t) => {
  const clock = movableClock('2026-11-20T09:00:00Z');
  const s = await buildTestApp(t, {}, { now: clock.now });
  const person = await addPerson(s.database.db, s.demoSpaId, 'desk@example.com', 'staff');
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const inject = (method: 'GET' | 'DELETE', url: string, cookie: string, csrf?: string) =>
    s.app.fastify.inject({ method, url, headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
  const laptop = await signIn(s.app.fastify, 'desk@example.com');
  const tablet = await signIn(s.app.fastify, 'desk@example.com');
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const idOf = async (session: { cookie: string }) =>
    ((await inject('GET', '/api/v1/me/sessions', session.cookie)).json().data as { id: string; current: boolean }[]).find((x) => x.current)!.id;
  const [laptopId, ownerSessionId] = [await idOf(laptop), await idOf(owner)];

  t.equal((await inject('DELETE', `/api/v1/me/sessions/${laptopId}`, tablet.cookie)).statusCode, 403, 'like every change, it needs the CSRF token');
  t.equal((await inject('DELETE', `/api/v1/me/sessions/${ownerSessionId}`, tablet.cookie, tablet.csrf)).statusCode, 404, 'someone else’s session is not theirs to end');
  t.equal((await inject('GET', '/api/v1/me', owner.cookie)).statusCode, 200, 'and it goes on');

  const ended = await inject('DELETE', `/api/v1/me/sessions/${laptopId}`, tablet.cookie, tablet.csrf);
  t.equal(ended.statusCode, 204);
  t.notOk(ended.headers['set-cookie'], 'ending another session leaves this browser signed in');
  t.equal((await inject('GET', '/api/v1/me', laptop.cookie)).statusCode, 401, 'the laptop is signed out');
  t.equal((await inject('GET', '/api/v1/me', tablet.cookie)).statusCode, 200, 'the tablet is not');
  t.same((await inject('GET', '/api/v1/me/sessions', tablet.cookie)).json().data.map((x: { current: boolean }) => x.current), [true], 'only this one is left');
  t.equal((await inject('DELETE', `/api/v1/me/sessions/${laptopId}`, tablet.cookie, tablet.csrf)).statusCode, 404, 'an ended session cannot be ended again');
  const audited = await s.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'session.ended').execute();
  t.match(audited, [{ actor_type: 'person', actor_id: person.id, record_type: 'session', record_id: laptopId }], 'on the audit log');

  const tabletId = await idOf(tablet);
  const out = await inject('DELETE', `/api/v1/me/sessions/${tabletId}`, tablet.cookie, tablet.csrf);
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /Max-Age=0/, 'ending this one clears its cookie');
  t.equal((await inject('GET', '/api/v1/me', tablet.cookie)).statusCode, 401, 'and signs this browser out');
});
