import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { openSecret } from '../../src/storage/secret-box.js';
import { FakeGoogleCalendar } from '../doubles/fake-google-calendar.js';
import { buildTestApp } from '../support/app.js';

const ENCRYPTION_KEY = 'b'.repeat(64);

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
  const url = new URL(res.json().authorizationUrl);
  t.equal(url.searchParams.get('access_type'), 'offline');
  t.equal(url.searchParams.get('prompt'), 'consent');
  t.match(url.searchParams.get('scope'), /auth\/calendar/);
  t.equal(url.searchParams.get('redirect_uri'), 'https://receptionist.test/api/v1/google/oauth/callback');
  t.match(url.searchParams.get('state'), /^[\w-]{32}$/);
});

t.test('the callback stores the refresh token encrypted and switches the spa to Google', async (t) => {
  const { app, owner, google, database, demoSpaId } = await setup(t);
  const start = await app.fastify.inject({
    method: 'GET',
    url: '/api/v1/google/oauth/start?calendarId=front-desk@willowandoak.example',
    headers: { authorization: `Bearer ${owner.key}` },
  });
  const state = new URL(start.json().authorizationUrl).searchParams.get('state')!;
  google.authorizationCodes.set('code-123', 'refresh-abc');
  const callback = await app.fastify.inject({ method: 'GET', url: `/api/v1/google/oauth/callback?state=${state}&code=code-123` });
  t.equal(callback.statusCode, 200);
  t.match(callback.body, /is now connected/);
  const stored = await database.db.selectFrom('google_credentials').selectAll().where('spa_id', '=', demoSpaId).executeTakeFirstOrThrow();
  t.notMatch(stored.secret, /refresh-abc/, 'not stored in clear');
  t.equal(openSecret(Buffer.from(ENCRYPTION_KEY, 'hex'), stored.secret), 'refresh-abc');
  const spa = await database.db.selectFrom('spas').select('calendar').where('id', '=', demoSpaId).executeTakeFirstOrThrow();
  t.same(spa.calendar, { type: 'google', calendarId: 'front-desk@willowandoak.example', auth: 'oauth' });
  const replay = await app.fastify.inject({ method: 'GET', url: `/api/v1/google/oauth/callback?state=${state}&code=code-123` });
  t.equal(replay.statusCode, 400, 'a state works once');
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
