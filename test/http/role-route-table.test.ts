import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';
import { addPerson, signIn } from '../support/staff-people.js';

/**
 * Every route in the OpenAPI document × every kind of caller, answered as designed. The table
 * below is the design: a route added to the document without a row here fails the test, so each
 * new route gets a decision.
 *
 * - staff:  any signed-in person or key of the spa (401 without a credential)
 * - owner:  owners' cookies and keys only (staff: 403; nobody: 401)
 * - person: a signed-in person only (a key: 400, nobody: 401)
 * - admin:  ADMIN_API_KEY only (every caller here: 401)
 * - public: no credential; the answer is the same whoever asks
 */
type Access = 'staff' | 'owner' | 'person' | 'admin' | 'public';

const DESIGN: Record<string, { access: Access; query?: string; body?: object; stream?: true }> = {
  'GET /api/v1/conversations': { access: 'staff' },
  'GET /api/v1/conversations/{id}': { access: 'staff' },
  'POST /api/v1/conversations/{id}/messages': { access: 'staff', body: { text: 'Hello' } },
  'PUT /api/v1/conversations/{id}/assistant': { access: 'staff', body: { paused: true } },
  'GET /api/v1/customers': { access: 'staff' },
  'GET /api/v1/customers/{id}': { access: 'staff' },
  'PATCH /api/v1/customers/{id}': { access: 'staff', body: { notes: 'prefers mornings' } },
  'POST /api/v1/appointments/{id}/cancel': { access: 'staff' },
  'POST /api/v1/appointments/{id}/reschedule': { access: 'staff', body: { startsAt: '2026-12-10T14:30' } },
  'GET /api/v1/appointments': { access: 'staff', query: '?from=2026-11-01&to=2026-11-07' },
  'GET /api/v1/messages-for-staff': { access: 'staff' },
  'POST /api/v1/messages-for-staff/{id}/handled': { access: 'staff' },
  'GET /api/v1/calls/live': { access: 'staff' },
  'GET /api/v1/analytics/daily': { access: 'staff', query: '?from=2026-11-01&to=2026-11-07' },
  'GET /api/v1/analytics/usage': { access: 'staff', query: '?from=2026-11-01&to=2026-11-07' },
  'GET /api/v1/analytics/weekly-digest': { access: 'staff' },
  'GET /api/v1/analytics/breakdown': { access: 'staff', query: '?from=2026-11-01&to=2026-11-07' },
  'GET /api/v1/settings': { access: 'staff' },
  'PATCH /api/v1/settings': { access: 'owner', body: { name: 'Willow & Oak Medical Spa' } },
  'GET /api/v1/api-keys': { access: 'owner' },
  'POST /api/v1/api-keys': { access: 'owner', body: { name: 'table test', role: 'staff' } },
  'DELETE /api/v1/api-keys/{id}': { access: 'owner' },
  'GET /api/v1/me': { access: 'staff' },
  'GET /api/v1/me/sessions': { access: 'person' },
  'DELETE /api/v1/me/sessions/{id}': { access: 'person' },
  'DELETE /api/v1/session': { access: 'person' },
  'POST /api/v1/session': { access: 'public', body: { email: 'nobody@example.com', password: 'not-a-password-1' } },
  'GET /api/v1/session/methods': { access: 'public' },
  'GET /api/v1/session/google': { access: 'public', query: '?next=/console/patients' },
  'GET /api/v1/session/google/callback': { access: 'public', query: '?state=nonsense&code=nonsense' },
  'POST /api/v1/invites/accept': { access: 'public', body: { token: 'x'.repeat(43), password: 'lilac-harbour-tram-42' } },
  'GET /api/v1/invites': { access: 'owner' },
  'POST /api/v1/invites': { access: 'owner', body: { email: 'invitee@example.com', role: 'staff' } },
  'DELETE /api/v1/invites/{id}': { access: 'owner' },
  'GET /api/v1/people': { access: 'owner' },
  'PATCH /api/v1/people/{id}': { access: 'owner', body: { name: 'Sam' } },
  'GET /api/v1/people/{id}/sessions': { access: 'owner' },
  'DELETE /api/v1/people/{id}/sessions': { access: 'owner' },
  'GET /api/v1/audit-events': { access: 'owner' },
  // A stream that stays open: its status is read and the stream let go.
  'GET /api/v1/events': { access: 'staff', stream: true },
  'GET /api/v1/conversations/{id}/recording': { access: 'staff' },
  'POST /api/v1/customers/{id}/erase': { access: 'owner' },
  'POST /api/v1/admin/spas/{id}/api-keys': { access: 'admin', body: { name: 'k', role: 'owner' } },
  'GET /api/v1/google/oauth/start': { access: 'owner' },
  'PUT /api/v1/google/service-account': { access: 'owner', body: { calendarId: 'primary', serviceAccountKey: '{"not":"a key at all"}' } },
  'GET /api/v1/google/oauth/authorize': { access: 'public', query: '?ticket=nonsense' },
  'GET /api/v1/google/oauth/callback': { access: 'public', query: '?state=nonsense&code=nonsense' },
  'POST /api/v1/google/oauth/confirm': { access: 'public', body: { confirmToken: 'nonsense' } },
};

type Caller = 'owner cookie' | 'staff cookie' | 'owner key' | 'staff key' | 'nobody';

t.test('every route × every caller answers as the role design says', async (t) => {
  const s = await buildTestApp(t, {
    ADMIN_API_KEY: 'admin-key-for-tests-0123456789',
    // Google configured, so its routes answer for real rather than "not configured".
    GOOGLE_CLIENT_ID: 'table-test-client.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'table-test-secret',
    ENCRYPTION_KEY: '11'.repeat(32),
  });
  const db = s.database.db;
  await addPerson(db, s.demoSpaId, 'owner@example.com', 'owner');
  await addPerson(db, s.demoSpaId, 'staff@example.com', 'staff');
  const ownerCookie = await signIn(s.app.fastify, 'owner@example.com');
  const staffCookie = await signIn(s.app.fastify, 'staff@example.com');
  const ownerKey = await createApiKey(db, s.demoSpaId, 'owner', 'owner key');
  const staffKey = await createApiKey(db, s.demoSpaId, 'staff', 'staff key');
  const headers: Record<Caller, Record<string, string>> = {
    'owner cookie': { cookie: ownerCookie.cookie, 'x-csrf-token': ownerCookie.csrf },
    'staff cookie': { cookie: staffCookie.cookie, 'x-csrf-token': staffCookie.csrf },
    'owner key': { authorization: `Bearer ${ownerKey.key}` },
    'staff key': { authorization: `Bearer ${staffKey.key}` },
    nobody: {},
  };

  const document = s.app.fastify.swagger() as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
  t.same(documented.filter((route) => !DESIGN[route]), [], 'every documented route has a row in the design');
  t.same(Object.keys(DESIGN).filter((route) => !documented.includes(route)), [], 'every row of the design is a documented route');

  // Sign-out goes last, so the cookies stay good for every other row.
  const order = documented.sort((a, b) => Number(a === 'DELETE /api/v1/session') - Number(b === 'DELETE /api/v1/session'));
  for (const [index, route] of order.entries()) {
    const design = DESIGN[route];
    if (!design) continue;
    const [method, path] = route.split(' ') as [string, string];
    const url = path.replaceAll(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000') + (design.query ?? '');
    const answers: Partial<Record<Caller, number>> = {};
    for (const caller of Object.keys(headers) as Caller[]) {
      const response = await s.app.fastify.inject({
        method: method as 'GET',
        url,
        headers: headers[caller],
        // An address per route: the wrong credentials public rows try must not lock the next rows out.
        remoteAddress: `198.51.100.${index + 1}`,
        ...(design.body ? { payload: design.body } : {}),
        ...(design.stream ? { payloadAsStream: true } : {}),
      });
      answers[caller] = response.statusCode;
      if (design.stream) response.stream().destroy();
    }
    t.ok(Object.values(answers).every((status) => status < 500), `${route}: no 5xx (${JSON.stringify(answers)})`);
    const allowed = (status: number | undefined) => status !== undefined && status !== 401 && status !== 403;
    switch (design.access) {
      case 'staff':
        t.ok(['owner cookie', 'staff cookie', 'owner key', 'staff key'].every((c) => allowed(answers[c as Caller])), `${route}: every role of the spa gets in ${JSON.stringify(answers)}`);
        t.equal(answers.nobody, 401, `${route}: nobody → 401`);
        break;
      case 'owner':
        t.ok(allowed(answers['owner cookie']) && allowed(answers['owner key']), `${route}: owners get in ${JSON.stringify(answers)}`);
        t.equal(answers['staff cookie'], 403, `${route}: staff cookie → 403`);
        t.equal(answers['staff key'], 403, `${route}: staff key → 403`);
        t.equal(answers.nobody, 401, `${route}: nobody → 401`);
        break;
      case 'person':
        t.ok(allowed(answers['owner cookie']) && allowed(answers['staff cookie']), `${route}: people get in ${JSON.stringify(answers)}`);
        t.equal(answers['owner key'], 400, `${route}: a key → 400`);
        t.equal(answers.nobody, 401, `${route}: nobody → 401`);
        break;
      case 'admin':
        t.ok(Object.values(answers).every((status) => status === 401), `${route}: only the admin key ${JSON.stringify(answers)}`);
        break;
      case 'public':
        t.equal(new Set(Object.values(answers)).size, 1, `${route}: the same answer whoever asks ${JSON.stringify(answers)}`);
        break;
    }
  }
});

t.test('every state-changing route refuses a cookie without the CSRF token', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const document = s.app.fastify.swagger() as { paths: Record<string, Record<string, unknown>> };
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
      const route = `${method} ${path}`;
      const design = DESIGN[route];
      if (method === 'GET' || !design || design.access === 'public' || design.access === 'admin') continue;
      const url = path.replaceAll(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const response = await s.app.fastify.inject({ method: method as 'POST', url, headers: { cookie: owner.cookie }, ...(design.body ? { payload: design.body } : {}) });
      t.equal(response.statusCode, 403, `${route} without x-csrf-token`);
      t.equal(response.json().error.code, 'CSRF_TOKEN_INVALID');
    }
  }
});
