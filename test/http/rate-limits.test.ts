import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

const ADMIN_API_KEY = 'admin-key-for-tests-0123456789';

async function setup(t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}) {
  const test = await buildTestApp(t, { ADMIN_API_KEY, ...env });
  const staff = await createApiKey(test.database.db, test.demoSpaId, 'staff', 'front desk');
  const request = (options: { url?: string; method?: 'GET' | 'POST'; authorization?: string; headers?: Record<string, string>; remoteAddress?: string }) =>
    test.app.fastify.inject({
      method: options.method ?? 'GET',
      url: options.url ?? '/api/v1/calls/live',
      headers: { ...(options.authorization ? { authorization: options.authorization } : {}), ...options.headers },
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      ...(options.method === 'POST' ? { payload: { name: 'First owner', role: 'owner' } } : {}),
    });
  const remaining = (res: { headers: Record<string, unknown> }) => Number(res.headers['x-ratelimit-remaining']);
  /** Sends wrong API keys until one is answered 429; returns how many were sent. */
  const guessUntilRefused = async (options: { headers?: () => Record<string, string> } = {}) => {
    for (let i = 1; i <= 310; i += 1) {
      const res = await request({ authorization: `Bearer rk_guess_${i}`, headers: options.headers?.() ?? {} });
      if (res.statusCode === 429) return i;
    }
    return Infinity;
  };
  return { ...test, staff, request, remaining, guessUntilRefused };
}

t.test('bearer KEY, Bearer  KEY and BEARER KEY are one key with one budget', async (t) => {
  const s = await setup(t);
  const spellings = [`Bearer ${s.staff.key}`, `bearer ${s.staff.key}`, `Bearer   ${s.staff.key}`, `BEARER ${s.staff.key}`, `Bearer\t${s.staff.key}`];
  const left = [];
  for (const authorization of spellings) {
    const res = await s.request({ authorization });
    t.equal(res.statusCode, 200, authorization.replace(s.staff.key, 'KEY'));
    left.push(s.remaining(res));
  }
  t.same(left, [299, 298, 297, 296, 295], 'each spelling spends from the same budget');
});

t.test('310 wrong admin keys from one address are refused long before the 310th', async (t) => {
  const s = await setup(t);
  let refusedAt = Infinity;
  for (let i = 1; i <= 310; i += 1) {
    const res = await s.request({ method: 'POST', url: `/api/v1/admin/spas/${s.demoSpaId}/api-keys`, authorization: `Bearer guess-${i}-0123456789abcdef` });
    if (res.statusCode === 429) {
      refusedAt = i;
      t.equal(res.json().error.code, 'RATE_LIMITED');
      t.match(res.json().error.message, /failed attempts.*try again in \d+ s/);
      t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After says when');
      break;
    }
    t.equal(res.statusCode, 401);
  }
  t.ok(refusedAt <= 11, `refused at attempt ${refusedAt}`);
  const right = await s.request({ method: 'POST', url: `/api/v1/admin/spas/${s.demoSpaId}/api-keys`, authorization: `Bearer ${ADMIN_API_KEY}` });
  t.equal(right.statusCode, 429, 'even the right key is refused from that address for now, so a guess tells nothing');
  const elsewhere = await s.request({
    method: 'POST',
    url: `/api/v1/admin/spas/${s.demoSpaId}/api-keys`,
    authorization: `Bearer ${ADMIN_API_KEY}`,
    remoteAddress: '198.51.100.20',
  });
  t.equal(elsewhere.statusCode, 201, 'another address is unaffected');
});

t.test('wrong API keys lock the address out of every keyed route, the Google ones included', async (t) => {
  const s = await setup(t);
  t.ok((await s.guessUntilRefused()) <= 11);
  t.equal((await s.request({ authorization: `Bearer ${s.staff.key}` })).statusCode, 429, 'a valid key from that address waits too');
  t.equal((await s.request({ url: '/api/v1/google/oauth/start', authorization: 'Bearer rk_more' })).statusCode, 429);
  t.equal((await s.request({ authorization: `Bearer ${s.staff.key}`, remoteAddress: '198.51.100.21' })).statusCode, 200);
});

t.test('the Google routes are rate limited like every /api/v1 route', async (t) => {
  const s = await setup(t);
  const callback = await s.request({ url: '/api/v1/google/oauth/callback?state=abc&error=access_denied' });
  t.equal(callback.headers['x-ratelimit-limit'], '300');
  t.equal(s.remaining(await s.request({ url: '/api/v1/google/oauth/callback?state=abc&error=access_denied' })), s.remaining(callback) - 1);
  const start = await s.request({ url: '/api/v1/google/oauth/start', authorization: `Bearer ${s.staff.key}` });
  t.equal(start.headers['x-ratelimit-limit'], '300');
});

t.test('X-Forwarded-For buys no new budget: by default no proxy is trusted', async (t) => {
  const s = await setup(t);
  const first = await s.request({ headers: { 'x-forwarded-for': '203.0.113.1' } });
  const second = await s.request({ headers: { 'x-forwarded-for': '203.0.113.2' } });
  t.equal(first.statusCode, 401);
  t.equal(s.remaining(second), s.remaining(first) - 1, 'requests without a key share the address budget');
  let n = 0;
  const refusedAt = await s.guessUntilRefused({ headers: () => ({ 'x-forwarded-for': `203.0.113.${(n += 1)}` }) });
  t.ok(refusedAt <= 11, `wrong keys under ever new X-Forwarded-For values refused at attempt ${refusedAt}`);
});

t.test('behind TRUSTED_PROXY_HOPS=1 the proxy-added address counts, not what the client prepends', async (t) => {
  const s = await setup(t, { TRUSTED_PROXY_HOPS: '1' });
  let n = 0;
  const refusedAt = await s.guessUntilRefused({ headers: () => ({ 'x-forwarded-for': `198.51.100.${(n += 1)}, 203.0.113.9` }) });
  t.ok(refusedAt <= 11, `refused at attempt ${refusedAt}`);
  const blocked = await s.request({ authorization: `Bearer ${s.staff.key}`, headers: { 'x-forwarded-for': '203.0.113.9' } });
  t.equal(blocked.statusCode, 429);
  const other = await s.request({ authorization: `Bearer ${s.staff.key}`, headers: { 'x-forwarded-for': '203.0.113.10' } });
  t.equal(other.statusCode, 200, 'another client behind the same proxy is unaffected');
});

t.test('on Fly, Fly-Client-IP is the client address; elsewhere it is ignored', async (t) => {
  const fly = await setup(t, { FLY_MACHINE_ID: '148e21ea7e6089' });
  t.ok((await fly.guessUntilRefused({ headers: () => ({ 'fly-client-ip': '203.0.113.50' }) })) <= 11);
  t.equal((await fly.request({ authorization: `Bearer ${fly.staff.key}`, headers: { 'fly-client-ip': '203.0.113.50' } })).statusCode, 429);
  t.equal((await fly.request({ authorization: `Bearer ${fly.staff.key}`, headers: { 'fly-client-ip': '203.0.113.51' } })).statusCode, 200);

  const elsewhere = await setup(t);
  let n = 0;
  t.ok((await elsewhere.guessUntilRefused({ headers: () => ({ 'fly-client-ip': `203.0.113.${(n += 1)}` }) })) <= 11, 'off Fly the header is anyone\'s to write');
});
