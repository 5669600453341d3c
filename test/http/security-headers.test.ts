import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

t.test('API answers are never cached and never sniffed, errors included', async (t) => {
  const { app, database, demoSpaId } = await buildTestApp(t);
  const staff = await createApiKey(database.db, demoSpaId, 'staff', 'front desk');
  const answers = {
    customers: await app.fastify.inject({ method: 'GET', url: '/api/v1/customers?q=Jamie', headers: { authorization: `Bearer ${staff.key}` } }),
    unauthorised: await app.fastify.inject({ method: 'GET', url: '/api/v1/conversations' }),
    invalid: await app.fastify.inject({ method: 'GET', url: '/api/v1/conversations?limit=5000', headers: { authorization: `Bearer ${staff.key}` } }),
    google: await app.fastify.inject({ method: 'GET', url: '/api/v1/google/oauth/callback?state=abc&error=access_denied' }),
  };
  t.equal(answers.customers.statusCode, 200);
  for (const [name, res] of Object.entries(answers)) {
    t.equal(res.headers['cache-control'], 'no-store', `${name}: Cache-Control`);
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: X-Content-Type-Options`);
  }
});

t.test('HSTS only when the public URL is https', async (t) => {
  const https = await buildTestApp(t, { PUBLIC_BASE_URL: 'https://receptionist.test' });
  const secure = await https.app.fastify.inject({ method: 'GET', url: '/healthz' });
  t.match(secure.headers['strict-transport-security'], /^max-age=\d+/);
  t.match(secure.headers['content-security-policy'], /upgrade-insecure-requests/);
  const http = await buildTestApp(t, { PUBLIC_BASE_URL: 'http://localhost:3000' });
  const plain = await http.app.fastify.inject({ method: 'GET', url: '/healthz' });
  t.equal(plain.headers['strict-transport-security'], undefined);
  t.notMatch(plain.headers['content-security-policy'], /upgrade-insecure-requests/, 'a laptop on http is not sent to https');
  t.equal(plain.headers['x-content-type-options'], 'nosniff');
});

t.test('no page of ours can be framed, and the /docs page loads only our own scripts', async (t) => {
  const { app } = await buildTestApp(t);
  const docs = await app.fastify.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-type'], /text\/html/);
  const csp = String(docs.headers['content-security-policy']);
  t.match(csp, /frame-ancestors 'none'/);
  t.match(csp, /script-src 'self'(;|$)/, 'no inline or remote scripts');
  t.equal(docs.headers['x-frame-options'], 'DENY');
  // Everything the page itself loads is served from /docs/static, by us.
  const assets = [...docs.body.matchAll(/(?:src|href)="\.\/static\/([^"]+)"/g)].map((m) => m[1]);
  t.ok(assets.length >= 5, `the page's assets: ${assets.join(', ')}`);
  for (const asset of assets) {
    const res = await app.fastify.inject({ method: 'GET', url: `/docs/static/${asset}` });
    t.equal(res.statusCode, 200, String(asset));
  }
  t.equal((await app.fastify.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200, 'and the spec it fetches');
});
