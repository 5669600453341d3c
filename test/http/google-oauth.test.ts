import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { openSecret } from '../../src/storage/secret-box.js';
import { FakeGoogleCalendar } from '../doubles/fake-google-calendar.js';
import { buildTestApp } from '../support/app.js';

const ENCRYPTION_KEY = 'b'.repeat(64);
const NARROW_SCOPES = ['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.freebusy'];
type TestApp = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** Where a URL on our host goes, as an inject() path. */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** The owner asks for a sign-in link with their key. */
async function signInLink(app: TestApp, ownerKey: string, calendarId = 'front-desk@willowandoak.example'): Promise<string> {
  const res = await app.fastify.inject({
    method: 'GET',
    url: `/api/v1/google/oauth/start?calendarId=${encodeURIComponent(calendarId)}`,
    headers: { authorization: `Bearer ${ownerKey}` },
  });
  return res.json().authorizationUrl as string;
}

/** A browser opens the link: the cookie it keeps, and Google's consent URL it is sent to. */
async function openLink(app: TestApp, link: string): Promise<{ cookie: string; consentUrl: string }> {
  const res = await app.fastify.inject({ method: 'GET', url: pathOf(link), headers: { accept: 'text/html' } });
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, consentUrl: String(res.headers.location) };
}

/** The person consents at (the fake) Google, which redirects back to our callback. */
async function consentAtGoogle(consentUrl: string): Promise<string> {
  const res = await fetch(consentUrl, { redirect: 'manual' });
  return res.headers.get('location')!;
}

function confirmTokenIn(html: string): string {
  return /name="confirmToken" value="([^"]+)"/.exec(html)![1]!;
}

/** The whole way to the confirmation page, in one browser. */
async function toConfirmationPage(app: TestApp, ownerKey: string) {
  const { cookie, consentUrl } = await openLink(app, await signInLink(app, ownerKey));
  const callbackUrl = await consentAtGoogle(consentUrl);
  const page = await app.fastify.inject({ method: 'GET', url: pathOf(callbackUrl), headers: { cookie, accept: 'text/html' } });
  return { cookie, callbackUrl, page };
}

async function confirm(app: TestApp, cookie: string | undefined, confirmToken: string) {
  return app.fastify.inject({
    method: 'POST',
    url: '/api/v1/google/oauth/confirm',
    headers: { ...(cookie ? { cookie } : {}), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ confirmToken }).toString(),
  });
}

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const google = await FakeGoogleCalendar.start();
  t.teardown(() => google.close());
  const test = await buildTestApp(t, {
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_CLIENT_ID: 'client-id.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'client-secret',
    ENCRYPTION_KEY,
  });
  const owner = await createApiKey(test.database.db, test.demoSpaId, 'owner', 'owner');
  const staff = await createApiKey(test.database.db, test.demoSpaId, 'staff', 'front desk');
  return { ...test, google, owner, staff };
}

t.test('starting Google sign-in needs an owner key', async (t) => {
  const { app, staff } = await setup(t);
  const none = await app.fastify.inject({ method: 'GET', url: '/api/v1/google/oauth/start' });
  t.equal(none.statusCode, 401);
  t.equal(none.json().error.code, 'UNAUTHORIZED');
  const weak = await app.fastify.inject({
    method: 'GET',
    url: '/api/v1/google/oauth/start',
    headers: { authorization: `Bearer ${staff.key}` },
  });
  t.equal(weak.statusCode, 403);
});

t.test('the consent URL asks for offline calendar access with a one-time state', async (t) => {
  const { app, owner } = await setup(t);
  const res = await app.fastify.inject({
    method: 'GET',
    url: '/api/v1/google/oauth/start?calendarId=front-desk@willowandoak.example',
    headers: { authorization: `Bearer ${owner.key}` },
  });
  t.equal(res.statusCode, 200);
  const link = new URL(res.json().authorizationUrl);
  t.equal(`${link.origin}${link.pathname}`, 'https://receptionist.test/api/v1/google/oauth/authorize', 'a link to open in the browser');
  const { consentUrl } = await openLink(app, link.toString());
  const url = new URL(consentUrl);
  t.equal(url.searchParams.get('access_type'), 'offline');
  t.equal(url.searchParams.get('prompt'), 'consent');
  t.match(url.searchParams.get('scope'), /auth\/calendar/);
  t.equal(url.searchParams.get('redirect_uri'), 'https://receptionist.test/api/v1/google/oauth/callback');
  t.match(url.searchParams.get('state'), /^[\w-]{32}$/);
  t.not(url.searchParams.get('state'), link.searchParams.get('ticket'), 'the state is not the link');
});

t.test('consent asks only for free/busy and event writes (and who signs in), not the whole calendar', async (t) => {
  const { app, owner } = await setup(t);
  const { consentUrl } = await openLink(app, await signInLink(app, owner.key));
  const scopes = new URL(consentUrl).searchParams.get('scope')!.split(' ').sort();
  t.same(scopes, [...NARROW_SCOPES, 'email', 'openid'].sort());
  t.notOk(scopes.includes('https://www.googleapis.com/auth/calendar'));
});

t.test('the sign-in link works once and binds the flow to the browser with a signed HttpOnly cookie', async (t) => {
  const { app, owner } = await setup(t);
  const link = await signInLink(app, owner.key);
  const first = await app.fastify.inject({ method: 'GET', url: pathOf(link) });
  t.equal(first.statusCode, 302);
  t.equal(first.headers['cache-control'], 'no-store');
  const cookie = String(first.headers['set-cookie']);
  const state = new URL(String(first.headers.location)).searchParams.get('state')!;
  t.match(cookie, new RegExp(`^google_oauth_binding=${state}\\.[\\w-]{43};`), 'the state, signed');
  t.match(cookie, /; Path=\/api\/v1\/google\/oauth/);
  t.match(cookie, /; HttpOnly/);
  t.match(cookie, /; SameSite=Lax/);
  t.match(cookie, /; Secure/, 'PUBLIC_BASE_URL is https');
  const again = await app.fastify.inject({ method: 'GET', url: pathOf(link), headers: { accept: 'text/html' } });
  t.equal(again.statusCode, 400, 'a second browser cannot open the same link');
  t.notOk(again.headers['set-cookie']);
  t.match(again.body, /already used or has expired/);
});

t.test('the callback asks the owner to confirm, naming the spa and the Google account, and stores nothing yet', async (t) => {
  const { app, owner, database } = await setup(t);
  const { page } = await toConfirmationPage(app, owner.key);
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /Connect <b>Willow &#38; Oak Medical Spa<\/b> to <b>jamie@gmail\.com<\/b>&#39;s calendar\?/);
  t.match(page.body, /front-desk@willowandoak\.example/);
  t.match(page.body, /<form method="post" action="\/api\/v1\/google\/oauth\/confirm">/);
  t.equal((await database.db.selectFrom('google_credentials').selectAll().execute()).length, 0, 'nothing stored before confirming');
  const spa = await database.db.selectFrom('spas').select('calendar').executeTakeFirstOrThrow();
  t.not((spa.calendar as { type?: string }).type, 'google');
});

t.test('the consent pages cannot be cached or framed', async (t) => {
  const { app, owner } = await setup(t);
  const { page } = await toConfirmationPage(app, owner.key);
  t.equal(page.headers['cache-control'], 'no-store');
  t.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
  t.equal(page.headers['x-frame-options'], 'DENY');
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'the callback URL (code, state) is not sent on');
});

t.test('the callback stores the refresh token encrypted and switches the spa to Google', async (t) => {
  const { app, owner, google, database, demoSpaId } = await setup(t);
  const { cookie, callbackUrl, page } = await toConfirmationPage(app, owner.key);
  t.equal(page.statusCode, 200);
  const callback = await confirm(app, cookie, confirmTokenIn(page.body));
  t.equal(callback.statusCode, 200);
  t.match(callback.body, /is now connected/);
  t.match(String(callback.headers['set-cookie']), /^google_oauth_binding=; .*Max-Age=0/, 'the binding is cleared');
  const stored = await database.db.selectFrom('google_credentials').selectAll().where('spa_id', '=', demoSpaId).executeTakeFirstOrThrow();
  const token = google.requests.find((r) => r.path === '/token');
  t.match(token?.body, { grant_type: 'authorization_code' });
  const granted = openSecret(Buffer.from(ENCRYPTION_KEY, 'hex'), stored.secret);
  t.match(granted, /^refresh-/);
  t.notMatch(stored.secret, granted, 'not stored in clear');
  t.equal(stored.account_email, 'jamie@gmail.com');
  const spa = await database.db.selectFrom('spas').select('calendar').where('id', '=', demoSpaId).executeTakeFirstOrThrow();
  t.same(spa.calendar, { type: 'google', calendarId: 'front-desk@willowandoak.example', auth: 'oauth' });
  const state = new URL(callbackUrl).searchParams.get('state')!;
  google.authorizationCodes.set('code-123', 'refresh-abc');
  const replay = await app.fastify.inject({ method: 'GET', url: `/api/v1/google/oauth/callback?state=${state}&code=code-123`, headers: { cookie } });
  t.equal(replay.statusCode, 400, 'a state works once');
  const reconfirm = await confirm(app, cookie, confirmTokenIn(page.body));
  t.equal(reconfirm.statusCode, 400, 'a confirmation works once');
});

t.test('a callback opened in another browser is refused and connects nothing', async (t) => {
  const { app, owner, google, database } = await setup(t);
  const { cookie, consentUrl } = await openLink(app, await signInLink(app, owner.key));
  const callbackUrl = await consentAtGoogle(consentUrl);
  // Another browser: no cookie, or the cookie of a sign-in it started itself.
  const { cookie: otherCookie } = await openLink(app, await signInLink(app, owner.key));
  const forgedCookie = `${cookie.slice(0, -4)}AAAA`;
  for (const headers of [{}, { cookie: otherCookie }, { cookie: forgedCookie }]) {
    const res = await app.fastify.inject({ method: 'GET', url: pathOf(callbackUrl), headers: { ...headers, accept: 'text/html' } });
    t.equal(res.statusCode, 400);
    t.match(res.headers['content-type'], /text\/html/, 'a page for the person, not JSON');
    t.match(res.body, /not started in this browser/);
    t.match(res.body, /OAUTH_STATE_INVALID/);
  }
  const json = await app.fastify.inject({ method: 'GET', url: pathOf(callbackUrl) });
  t.equal(json.json().error.code, 'OAUTH_STATE_INVALID', 'JSON for a client that does not ask for HTML');
  t.equal(google.requests.filter((r) => r.path === '/token').length, 0, 'no code exchange');
  t.equal((await database.db.selectFrom('google_credentials').selectAll().execute()).length, 0);
  const owners = await app.fastify.inject({ method: 'GET', url: pathOf(callbackUrl), headers: { cookie, accept: 'text/html' } });
  t.equal(owners.statusCode, 200, "the owner's own browser can still finish");
});

t.test('a confirmation without the browser binding or its token connects nothing', async (t) => {
  const { app, owner, database } = await setup(t);
  const { cookie, page } = await toConfirmationPage(app, owner.key);
  const token = confirmTokenIn(page.body);
  const { cookie: otherCookie } = await openLink(app, await signInLink(app, owner.key));
  t.equal((await confirm(app, undefined, token)).statusCode, 400, 'no cookie (a cross-site post)');
  t.equal((await confirm(app, otherCookie, token)).statusCode, 400, "another flow's cookie");
  t.equal((await confirm(app, cookie, `${token.slice(0, -4)}AAAA`)).statusCode, 400, 'a wrong token');
  t.equal((await database.db.selectFrom('google_credentials').selectAll().execute()).length, 0);
  t.equal((await confirm(app, cookie, token)).statusCode, 200);
});

t.test('with just the narrow scopes granted, the spa checks availability and books, moves and cancels through Google', async (t) => {
  const { SpaCalendars } = await import('../../src/calendar/spa-calendars.js');
  const { loadSpaProfile } = await import('../../src/storage/spa-repository.js');
  const { app, owner, google, database, demoSpaId, config } = await setup(t);
  const calendarId = 'front-desk@willowandoak.example';
  google.addCalendar(calendarId);
  const { cookie, page } = await toConfirmationPage(app, owner.key);
  t.equal((await confirm(app, cookie, confirmTokenIn(page.body))).statusCode, 200);
  const { calendar } = await new SpaCalendars(database.db, config).forSpa((await loadSpaProfile(database.db, demoSpaId))!);
  const start = new Date('2026-12-01T16:00:00Z');
  const end = new Date('2026-12-01T17:00:00Z');
  const event = { id: 'apptabc123', summary: 'HydraFacial: Jamie', description: 'test', start, end, timeZone: 'America/New_York', appointmentId: '00000000-0000-4000-8000-000000000001' };
  await calendar.createEvent(calendarId, event);
  const busy = await calendar.busy([calendarId], new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
  t.equal(busy.get(calendarId)?.length, 1);
  await calendar.moveEvent(calendarId, 'apptabc123', new Date('2026-12-01T18:00:00Z'), new Date('2026-12-01T19:00:00Z'), 'America/New_York');
  await calendar.cancelEvent(calendarId, 'apptabc123');
  t.equal(google.events(calendarId)[0]?.status, 'cancelled');

});

t.test('a consent that leaves out free/busy is refused, and such a token could not check availability', async (t) => {
  const { app, owner, google, database } = await setup(t);
  google.grantedScopes = ['openid', 'email', NARROW_SCOPES[0]!];
  const refused = await toConfirmationPage(app, owner.key);
  t.equal(refused.page.statusCode, 400);
  t.match(refused.page.body, /OAUTH_SCOPE_DENIED/);
  t.equal((await database.db.selectFrom('google_credentials').selectAll().execute()).length, 0);
  // And its token, used directly: events yes, free/busy no (Google's 403 insufficientPermissions).
  const consent = new URL(`${google.rootUrl}/o/oauth2/v2/auth`);
  for (const [k, v] of Object.entries({ client_id: 'c', redirect_uri: 'https://x.test/cb', response_type: 'code', scope: NARROW_SCOPES.join(' ') }))
    consent.searchParams.set(k, v);
  const code = new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
  const tokens = (await (
    await fetch(`${google.rootUrl}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: 'c', redirect_uri: 'https://x.test/cb' }) })
  ).json()) as { access_token: string };
  const call = (path: string, body: unknown) =>
    fetch(`${google.rootUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  google.addCalendar('c1');
  const start = '2026-12-01T16:00:00Z';
  const end = '2026-12-01T17:00:00Z';
  const fb = await call('/calendar/v3/freeBusy', { timeMin: start, timeMax: end, items: [{ id: 'c1' }] });
  t.equal(fb.status, 403);
  t.match(await fb.json(), { error: { errors: [{ reason: 'insufficientPermissions' }] } });
  t.equal((await call('/calendar/v3/calendars/c1/events', { id: 'e1', start: { dateTime: start }, end: { dateTime: end } })).status, 200);
});

t.test('a callback with a state we did not issue is refused', async (t) => {
  const { app, google, database } = await setup(t);
  google.authorizationCodes.set('code-123', 'refresh-abc');
  const res = await app.fastify.inject({ method: 'GET', url: '/api/v1/google/oauth/callback?state=forged-state&code=code-123' });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.code, 'OAUTH_STATE_INVALID');
  t.equal((await database.db.selectFrom('google_credentials').selectAll().execute()).length, 0);
  t.equal(google.requests.filter((r) => r.path === '/token').length, 0, 'no code exchange for a forged state');
});

t.test('a callback with a NUL character in it is a 400, before any lookup', async (t) => {
  const { app, google } = await setup(t);
  const res = await app.fastify.inject({ method: 'GET', url: '/api/v1/google/oauth/callback?state=ab%00cd&code=code-123' });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.code, 'VALIDATION_FAILED');
  t.equal(google.requests.length, 0);
});

t.test('without Google client settings, sign-in says what is missing', async (t) => {
  const test = await buildTestApp(t);
  const owner = await createApiKey(test.database.db, test.demoSpaId, 'owner', 'owner');
  const res = await test.app.fastify.inject({
    method: 'GET',
    url: '/api/v1/google/oauth/start',
    headers: { authorization: `Bearer ${owner.key}` },
  });
  t.equal(res.statusCode, 503);
  t.match(res.json().error.message, /GOOGLE_CLIENT_ID/);
});

t.test('an owner can connect a service account instead; its key is stored sealed', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { SpaCalendars } = await import('../../src/calendar/spa-calendars.js');
  const { loadSpaProfile } = await import('../../src/storage/spa-repository.js');
  const { app, owner, staff, database, demoSpaId, config } = await setup(t);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = JSON.stringify({
    type: 'service_account',
    client_email: 'booking@spa-project.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const put = (key: string, payload: unknown) =>
    app.fastify.inject({ method: 'PUT', url: '/api/v1/google/service-account', headers: { authorization: `Bearer ${key}` }, payload: payload as object });
  t.equal((await put(staff.key, { calendarId: 'front-desk@x', serviceAccountKey: keyFile })).statusCode, 403);
  const bad = await put(owner.key, { calendarId: 'front-desk@x', serviceAccountKey: '{"client_email":"nope"}' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error.code, 'SERVICE_ACCOUNT_INVALID');
  const ok = await put(owner.key, { calendarId: 'front-desk@x', serviceAccountKey: keyFile });
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { connected: true, serviceAccount: 'booking@spa-project.iam.gserviceaccount.com' });
  const stored = await database.db.selectFrom('google_credentials').selectAll().executeTakeFirstOrThrow();
  t.equal(stored.kind, 'service_account');
  t.notMatch(stored.secret, /PRIVATE KEY/);
  const spa = await loadSpaProfile(database.db, demoSpaId);
  t.same(spa?.calendar, { type: 'google', calendarId: 'front-desk@x', auth: 'service_account' });
  const { calendar } = await new SpaCalendars(database.db, config).forSpa(spa!);
  t.equal(calendar.kind, 'google', 'the spa now books through Google with the service account');
});
