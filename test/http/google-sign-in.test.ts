import t, { type Test } from 'tap';
import { createInvite } from '../../src/storage/invite-repository.js';
import { findPersonByEmail, updatePerson } from '../../src/storage/people-repository.js';
import { FakeGoogleCalendar } from '../doubles/fake-google-calendar.js';
import { buildTestApp } from '../support/app.js';
import { addPerson } from '../support/staff-people.js';

/**
 * "Sign in with Google" for staff, end to end against the fake Google (its consent screen, token
 * endpoint and published certificates) through google-auth-library: who gets a session, and that
 * every other way back from Google ends on the login page with a reason, an audit entry and no
 * session.
 */

const CLIENT_ID = 'staff-sign-in.apps.googleusercontent.com';
const CALLBACK = 'https://receptionist.test/api/v1/session/google/callback';
type Setup = Awaited<ReturnType<typeof setup>>;

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** A clock the test moves by hand (the app's; Google's double keeps real time). */
function movableClock() {
  let now = Date.now();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

async function setup(t: Parameters<typeof buildTestApp>[0], options: { now?: () => Date } = {}) {
  const google = await FakeGoogleCalendar.start();
  t.teardown(() => google.close());
  const test = await buildTestApp(t, { GOOGLE_API_ROOT_URL: google.rootUrl, GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_CLIENT_SECRET: 'sign-in-secret' }, options);
  return { ...test, google, db: test.database.db };
}

/** The browser starts at our route: the flow cookie it keeps, and Google's consent URL. */
async function start(s: Setup, next = '/console/patients') {
  const res = await s.app.fastify.inject({ method: 'GET', url: `/api/v1/session/google?next=${encodeURIComponent(next)}` });
  const setCookie = String(res.headers['set-cookie']);
  return { res, cookie: setCookie.split(';')[0]!, setCookie, consentUrl: String(res.headers.location) };
}

/** Google's consent (answered at once by the double), then its redirect back to our callback in the browser holding `cookie`. */
async function finish(s: Setup, cookie: string | undefined, consentUrl: string, tamper: (callbackUrl: URL) => void = () => {}) {
  const consent = await fetch(consentUrl, { redirect: 'manual' });
  const callbackUrl = new URL(consent.headers.get('location')!);
  tamper(callbackUrl);
  const res = await s.app.fastify.inject({ method: 'GET', url: pathOf(callbackUrl.toString()), ...(cookie ? { headers: { cookie } } : {}) });
  const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookies.find((c) => c.startsWith('__Host-receptionist_session='));
  return { res, location: String(res.headers.location), session: session?.split(';')[0], setCookies, callbackUrl };
}

/** Start and finish in the same browser (the normal case). */
async function roundTrip(s: Setup, next?: string, tamper?: (callbackUrl: URL) => void) {
  const { cookie, consentUrl } = await start(s, next);
  return finish(s, cookie, consentUrl, tamper);
}

async function auditEvents(s: Setup, action: string) {
  const rows = await s.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
  return rows.map((r) => ({ actorType: r.actor_type, actorId: r.actor_id, spaId: r.spa_id, recordType: r.record_type, recordId: r.record_id, detail: r.detail }));
}

async function sessionCount(s: Setup): Promise<number> {
  const row = await s.db.selectFrom('staff_sessions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

t.test('the login page is told Google is on offer only when a Google OAuth client is configured', async (t) => {
  const s = await setup(t);
  const on = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/session/methods' });
  t.equal(on.statusCode, 200);
  t.same(on.json(), { password: true, google: true });

  const plain = await buildTestApp(t);
  const off = await plain.app.fastify.inject({ method: 'GET', url: '/api/v1/session/methods' });
  t.same(off.json(), { password: true, google: false });
  const started = await plain.app.fastify.inject({ method: 'GET', url: '/api/v1/session/google' });
  t.equal(started.statusCode, 302);
  t.equal(started.headers.location, '/console/login?error=google_unavailable', 'no flow without a client');
});

t.test('starting sends the browser to Google for openid email with PKCE, a state and a nonce, bound by an HttpOnly cookie', async (t) => {
  const s = await setup(t);
  const { res, setCookie, consentUrl } = await start(s);
  t.equal(res.statusCode, 302);
  const url = new URL(consentUrl);
  t.equal(`${url.origin}${url.pathname}`, `${s.google.rootUrl}/o/oauth2/v2/auth`);
  t.equal(url.searchParams.get('client_id'), CLIENT_ID);
  t.equal(url.searchParams.get('response_type'), 'code');
  t.same(url.searchParams.get('scope')!.split(' ').sort(), ['email', 'openid']);
  t.equal(url.searchParams.get('redirect_uri'), CALLBACK);
  t.equal(url.searchParams.get('code_challenge_method'), 'S256');
  t.match(url.searchParams.get('code_challenge'), /^[\w-]{43}$/);
  t.match(url.searchParams.get('state'), /^[\w-]{32}$/);
  t.match(url.searchParams.get('nonce'), /^[\w-]{32}$/);
  t.equal(url.searchParams.get('access_type'), null, 'no offline access: sign-in keeps no Google token');
  t.match(setCookie, /^__Secure-google_sign_in=[\w-]+\.[\w-]+; Path=\/api\/v1\/session\/google; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
  t.notMatch(setCookie, url.searchParams.get('code_challenge')!, 'the cookie is not the challenge');
});

t.test('a matching, enabled person is signed in (email in any case): the session works on /me and they land where they were going', async (t) => {
  const s = await setup(t);
  const person = await addPerson(s.db, s.demoSpaId, 'jamie.doe@example.com', 'staff');
  s.google.consentAccount = 'Jamie.Doe@Example.COM';
  const { res, location, session, setCookies } = await roundTrip(s, '/console/conversations?outcome=booked');
  t.equal(res.statusCode, 302);
  t.equal(location, '/console/conversations?outcome=booked');
  t.ok(session, 'the session cookie is set');
  t.ok(setCookies.some((c) => /^__Secure-google_sign_in=; .*Max-Age=0/.test(c)), 'the flow cookie is cleared');
  t.match(setCookies.find((c) => c.startsWith('__Host-receptionist_session=')), /; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax; Secure$/, 'the same cookie as a password sign-in');
  const me = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: session! } });
  t.equal(me.statusCode, 200);
  t.same(me.json().person, { id: person.id, email: 'jamie.doe@example.com', name: null, role: 'staff' });
  t.match(me.json().csrfToken, /^[\w-]{40,}$/);
  t.match(await auditEvents(s, 'sign_in.succeeded'), [{ actorType: 'person', actorId: person.id, spaId: s.demoSpaId, recordType: 'session', detail: { method: 'google' } }]);
  const exchange = s.google.requests.find((r) => r.path === '/token');
  t.match(exchange?.body, { grant_type: 'authorization_code', code_verifier: /^[\w.~-]{43,128}$/ }, 'the code was exchanged with the PKCE verifier');
  t.ok(s.google.requests.some((r) => r.path === '/oauth2/v1/certs'), "the ID token was checked against Google's certificates");
});

t.test('`next` only ever leads into the console', async (t) => {
  const s = await setup(t);
  await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'owner');
  for (const next of ['https://evil.example/console/', '//evil.example/x', '/console/login?next=/console/', '/api/v1/me', '/console//evil.example', '/console/../api/v1/me']) {
    const { location, session } = await roundTrip(s, next);
    t.ok(session, `signed in (${next})`);
    t.equal(location, '/console/', `${next} → /console/`);
  }
});

t.test('an invited address with no account yet takes its pending invite: the person is created with its role', async (t) => {
  const s = await setup(t);
  const owner = await addPerson(s.db, s.demoSpaId, 'owner@example.com', 'owner');
  const invite = await createInvite(s.db, { spaId: s.demoSpaId, email: 'New.Hire@Example.com', role: 'staff', name: 'Noor', invitedBy: owner.id }, new Date());
  s.google.consentAccount = 'new.hire@example.com';
  const { location, session } = await roundTrip(s);
  t.equal(location, '/console/patients');
  const me = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: session! } });
  t.match(me.json().person, { email: 'new.hire@example.com', name: 'Noor', role: 'staff' });
  const created = await findPersonByEmail(s.db, 'new.hire@example.com');
  t.equal(created?.passwordHash, null, 'no password: Google is their way in until they set one');
  const row = await s.db.selectFrom('staff_invites').select(['used_at', 'person_id']).where('id', '=', invite.id).executeTakeFirstOrThrow();
  t.ok(row.used_at, 'the invite is used');
  t.equal(row.person_id, created?.id);
  t.match(await auditEvents(s, 'invite.accepted'), [{ actorId: created?.id, recordType: 'invite', recordId: invite.id, detail: { method: 'google' } }]);
});

/** A failed return: back to the login page with the reason, an audit entry, never a session. */
async function refused(t: Test, s: Setup, outcome: Awaited<ReturnType<typeof roundTrip>>, error: string, reason: RegExp | string) {
  t.equal(outcome.res.statusCode, 302);
  t.equal(outcome.location, `/console/login?error=${error}`);
  t.notOk(outcome.session, 'no session cookie');
  t.equal(await sessionCount(s), 0, 'no session row');
  const failed = await auditEvents(s, 'sign_in.failed');
  t.match(failed.at(-1), { actorType: 'anonymous', detail: { method: 'google', reason } });
  return failed.at(-1);
}

t.test('an address no account has is refused', async (t) => {
  const s = await setup(t);
  await addPerson(s.db, s.demoSpaId, 'someone.else@example.com', 'staff');
  s.google.consentAccount = 'stranger@example.com';
  await refused(t, s, await roundTrip(s), 'google_no_account', 'no_account');
});

t.test("a disabled person is refused, and the attempt is on their spa's record", async (t) => {
  const s = await setup(t);
  const person = await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'staff');
  await updatePerson(s.db, s.demoSpaId, person.id, { disabled: true }, new Date());
  const entry = await refused(t, s, await roundTrip(s), 'google_no_account', 'person_disabled');
  t.match(entry, { spaId: s.demoSpaId, recordType: 'person', recordId: person.id });
});

t.test('an address Google has not verified is refused', async (t) => {
  const s = await setup(t);
  await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'staff');
  s.google.consentEmailVerified = false;
  await refused(t, s, await roundTrip(s), 'google_unverified', 'email_not_verified');
});

t.test('an ID token for another audience, from another issuer, expired, or not signed by Google is refused', async (t) => {
  const s = await setup(t);
  await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'staff');
  const nowS = Math.floor(Date.now() / 1000);
  const twists = [
    { what: 'another audience', twist: { claims: { aud: 'someone-elses-client.apps.googleusercontent.com' } } },
    { what: 'another issuer', twist: { claims: { iss: 'https://accounts.evil.example' } } },
    { what: 'expired', twist: { claims: { iat: nowS - 7200, exp: nowS - 3600 } } },
    { what: 'a forged signature', twist: { forgedSignature: true } },
    { what: 'another nonce', twist: { claims: { nonce: 'not-this-flows-nonce' } } },
  ];
  for (const { what, twist } of twists) {
    s.google.nextIdToken = twist;
    const outcome = await roundTrip(s);
    t.equal(outcome.location, '/console/login?error=google_failed', what);
    t.notOk(outcome.session, `${what}: no session`);
  }
  t.equal(await sessionCount(s), 0);
  const reasons = (await auditEvents(s, 'sign_in.failed')).map((e) => (e.detail as { reason: string }).reason);
  t.same(reasons, ['id_token_invalid', 'id_token_invalid', 'id_token_invalid', 'id_token_invalid', 'nonce_mismatch']);
  s.google.nextIdToken = undefined;
  t.ok((await roundTrip(s)).session, 'an untouched token still signs in');
});

/** The state with its first character changed (all six of its bits count, unlike the last one's). */
const tampered = (state: string) => `${state.startsWith('A') ? 'B' : 'A'}${state.slice(1)}`;

t.test('a tampered or foreign state, a missing or forged flow cookie, and an expired flow are refused', async (t) => {
  const clock = movableClock();
  const s = await setup(t, { now: clock.now });
  await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'staff');

  await refused(t, s, await roundTrip(s, undefined, (url) => url.searchParams.set('state', tampered(url.searchParams.get('state')!))), 'google_state', 'state_not_bound');

  const mine = await start(s);
  const theirs = await start(s);
  await refused(t, s, await finish(s, mine.cookie, theirs.consentUrl), 'google_state', 'state_not_bound');
  await refused(t, s, await finish(s, undefined, (await start(s)).consentUrl), 'google_state', 'state_not_bound');

  const forged = await start(s);
  const [payload] = forged.cookie.split('=')[1]!.split('.');
  const rewritten = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), r: '/console/settings' })).toString('base64url');
  await refused(t, s, await finish(s, `__Secure-google_sign_in=${rewritten}.${forged.cookie.split('.').at(-1)}`, forged.consentUrl), 'google_state', 'state_not_bound');

  const slow = await start(s);
  clock.advance(11 * 60_000);
  await refused(t, s, await finish(s, slow.cookie, slow.consentUrl), 'google_state', 'state_not_bound');

  const garbled = await s.app.fastify.inject({ method: 'GET', url: '/api/v1/session/google/callback?code=x' });
  t.equal(garbled.headers.location, '/console/login?error=google_state', 'no state at all');
});

t.test('a cancel at Google comes back as such, with no session', async (t) => {
  const s = await setup(t);
  await addPerson(s.db, s.demoSpaId, 'jamie@gmail.com', 'staff');
  const outcome = await roundTrip(s, undefined, (url) => {
    url.searchParams.delete('code');
    url.searchParams.set('error', 'access_denied');
  });
  await refused(t, s, outcome, 'google_cancelled', 'google_error:access_denied');
});

t.test('failed Google sign-ins count against the address like wrong passwords', async (t) => {
  const s = await setup(t);
  s.google.consentAccount = 'stranger@example.com';
  for (let i = 0; i < 10; i += 1) t.equal((await roundTrip(s)).location, '/console/login?error=google_no_account');
  const blocked = await start(s);
  t.equal(blocked.res.headers.location, '/console/login?error=google_rate_limited', 'the address is locked out');
  const password = await s.app.fastify.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'stranger@example.com', password: 'whatever-it-is-1' } });
  t.equal(password.statusCode, 429, 'and so is password sign-in from it');
});
