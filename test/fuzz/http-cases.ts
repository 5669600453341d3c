/**
 * Hostile HTTP requests for every webhook and the staff API: random, truncated, oversized and
 * wrongly typed, signed (so the parsers behind the signature check run) or forged.
 */
import { parse as parseQueryString } from 'node:querystring';
import twilio from 'twilio';
import { hostilePhone, hostileString, jsonText, mutateJson, randomJson } from './hostile-values.js';
import type { SeededRandom } from './seeded-random.js';

export interface HttpCase {
  /** What kind of case this is, for the report of a failure. */
  label: string;
  method: string;
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface HttpFuzzContext {
  publicBaseUrl: string;
  authToken: string;
  demoNumber: string;
  staffKeys: string[];
  ownerKeys: string[];
  adminKey: string;
  spaId: string;
  /** Ids that exist, so some requests reach rows rather than 404s. */
  conversationIds: string[];
  customerIds: string[];
}

/** Just over the service's 1 MiB body limit. */
const OVERSIZED_BYTES = 1024 * 1024 + 10_000;
const FORM = 'application/x-www-form-urlencoded';

type Pairs = [string, string][];

/** A path segment, percent-encoded; a lone surrogate becomes bytes that are not UTF-8 at all. */
function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return `${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

const sid = (r: SeededRandom, prefix: string) => `${prefix}${r.hex(32)}`;

/** Realistic parameters of each Twilio webhook, as Twilio would send them. */
const WEBHOOKS: Record<string, (r: SeededRandom, c: HttpFuzzContext) => Pairs> = {
  '/twilio/voice': (r, c) => [
    ['CallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['From', hostilePhone(r)],
    // A number no spa answers on, mostly: a fully valid call to the demo spa is a real call.
    ['To', r.chance(0.2) ? c.demoNumber : '+13105550100'],
    ['CallStatus', 'ringing'],
    ['Direction', 'inbound'],
    ['ApiVersion', '2010-04-01'],
  ],
  '/twilio/voice/status': (r) => [
    ['CallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['CallStatus', r.pick(['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'])],
    ['CallDuration', String(r.int(0, 4000))],
    ['SequenceNumber', String(r.int(0, 10))],
  ],
  '/twilio/voice/stream-ended': (r) => [
    ['CallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['CallStatus', 'in-progress'],
  ],
  '/twilio/voice/transfer-ended': (r) => [
    ['CallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['DialCallStatus', r.pick(['completed', 'no-answer', 'busy', 'failed', 'canceled'])],
    ['DialCallDuration', String(r.int(0, 100))],
  ],
  '/twilio/voice/front-desk-ended': (r) => [
    ['CallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['DialCallStatus', r.pick(['completed', 'answered', 'no-answer', 'busy', 'failed', 'canceled'])],
    ['DialCallDuration', String(r.int(0, 100))],
  ],
  '/twilio/voice/whisper': (r) => [
    ['CallSid', sid(r, 'CA')],
    ['ParentCallSid', sid(r, 'CA')],
    ['AccountSid', sid(r, 'AC')],
    ['CallStatus', 'in-progress'],
  ],
  '/twilio/sms': (r, c) => {
    const media = r.int(0, 2);
    const pairs: Pairs = [
      ['MessageSid', sid(r, r.pick(['SM', 'MM']))],
      ['AccountSid', sid(r, 'AC')],
      ['From', hostilePhone(r)],
      ['To', r.chance(0.5) ? c.demoNumber : '+13105550100'],
      ['Body', hostileString(r, 500)],
      ['NumMedia', String(media)],
      ['NumSegments', String(r.int(1, 3))],
    ];
    for (let i = 0; i < media; i += 1)
      pairs.push([`MediaUrl${i}`, r.pick(['https://api.twilio.com/media/1', 'http://insecure.test/x', hostileString(r)])], [`MediaContentType${i}`, 'image/jpeg']);
    return pairs;
  },
  '/twilio/sms/status': (r) => [
    ['MessageSid', sid(r, 'SM')],
    ['AccountSid', sid(r, 'AC')],
    ['MessageStatus', r.pick(['queued', 'sent', 'delivered', 'undelivered', 'failed'])],
    ['ErrorCode', String(r.int(30000, 30010))],
  ],
};

/** Drops, retypes, duplicates or adds parameters. */
function mutatePairs(r: SeededRandom, pairs: Pairs): Pairs {
  const out: Pairs = pairs.map(([k, v]) => [k, v]);
  const mutations = r.weighted([
    [2, 0],
    [4, 1],
    [2, 2],
    [1, 4],
  ] as const);
  for (let m = 0; m < mutations; m += 1) {
    const index = r.int(0, Math.max(0, out.length - 1));
    r.weighted<() => void>([
      [2, () => out.splice(index, 1)],
      [4, () => out[index] && (out[index] = [out[index][0], hostileString(r)])],
      [2, () => out[index] && out.push([out[index][0], hostileString(r, 40)])],
      [2, () => out.push([r.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', hostileString(r, 30)]), hostileString(r, 40)])],
      [1, () => out[index] && (out[index] = [out[index][0].toLowerCase(), out[index][1]])],
      [1, () => out[index] && (out[index] = [out[index][0], 'x'.repeat(r.int(5_000, 60_000))])],
    ])();
  }
  return out;
}

function asParams(pairs: Pairs): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of pairs) {
    const existing = params[key];
    params[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return params;
}

function sign(c: HttpFuzzContext, path: string, params: Record<string, string | string[]>): string {
  return twilio.getExpectedTwilioSignature(c.authToken, `${c.publicBaseUrl}${path}`, params);
}

/** A body of random `key=value` pairs with raw and broken percent escapes. */
function rawForm(r: SeededRandom): string {
  return Array.from({ length: r.int(1, 8) }, () => {
    const piece = () =>
      r.weighted<() => string>([
        [3, () => r.chars('abcXYZ019', r.int(0, 10))],
        [2, () => r.pick(['%ED%A0%80', '%FF', '%C3', '%', '%%', '%zz', '%00', '+', '&', '='])],
        [1, () => pathSegment(hostileString(r, 20))],
      ])();
    return `${piece()}${piece()}=${piece()}${piece()}`;
  }).join(r.pick(['&', '&&', ';', '&amp;']));
}

function twilioWebhookCase(r: SeededRandom, c: HttpFuzzContext): HttpCase {
  // stream-ended waits up to 1.6 s for the record of a call it does not know: fewer of those.
  const route = r.weighted(Object.keys(WEBHOOKS).map((path) => [path === '/twilio/voice/stream-ended' ? 1 : 3, path] as const));
  const pairs = r.chance(0.85) ? mutatePairs(r, WEBHOOKS[route]!(r, c)) : WEBHOOKS[route]!(r, c);
  // The routes whose URL carries a seal of ours get one: forged, truncated, or hostile (never a valid one).
  const sealKey = route === '/twilio/voice/front-desk-ended' ? 'd' : route === '/twilio/voice/whisper' ? 'w' : undefined;
  const forgedSeal = () =>
    r.weighted<() => string>([
      [2, () => `${Buffer.from(JSON.stringify(randomJson(r))).toString('base64url')}.${r.chars('abcdefXYZ0123_-', 43)}`],
      [1, () => `${r.chars('abc.', r.int(0, 12))}`],
      [1, () => hostileString(r, 60)],
      [1, () => 'x'.repeat(r.int(3_000, 9_000))],
    ])();
  const query = sealKey
    ? `?${new URLSearchParams([[sealKey, forgedSeal()]]).toString()}`
    : r.chance(0.05)
      ? `?${new URLSearchParams([[hostileString(r, 10), hostileString(r, 10)]]).toString()}`
      : '';
  const path = `${route}${query}`;

  const encoding = r.weighted([
    [70, 'form'],
    [8, 'truncated'],
    [5, 'raw'],
    [5, 'json'],
    [5, 'wrong-type'],
    [1, 'oversized'],
    [5, 'method'],
  ] as const);

  let body: string | Buffer;
  let signedParams: Record<string, string | string[]> | undefined;
  let contentType: string | undefined = FORM;
  let method = 'POST';
  switch (encoding) {
    case 'form':
      body = new URLSearchParams(pairs).toString();
      signedParams = asParams(pairs);
      break;
    case 'truncated': {
      const full = new URLSearchParams(pairs).toString();
      body = full.slice(0, r.int(0, full.length));
      signedParams = parseQueryString(body) as Record<string, string | string[]>;
      break;
    }
    case 'raw':
      body = r.chance(0.5) ? rawForm(r) : r.bytes(r.int(1, 2_000));
      signedParams = typeof body === 'string' ? (parseQueryString(body) as Record<string, string | string[]>) : undefined;
      break;
    case 'json': {
      const value = r.chance(0.6) ? Object.fromEntries(pairs) : mutateJson(r, Object.fromEntries(pairs));
      body = jsonText(r, value);
      contentType = 'application/json';
      // A signature over string-only JSON is valid: then the handler sees JSON-parsed params.
      signedParams = value && typeof value === 'object' ? (value as Record<string, string>) : undefined;
      break;
    }
    case 'wrong-type':
      body = new URLSearchParams(pairs).toString();
      contentType = r.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', `${FORM}; charset=utf-16`, undefined]);
      signedParams = asParams(pairs);
      break;
    case 'oversized':
      body = `${new URLSearchParams(pairs).toString()}&Body=${'A'.repeat(OVERSIZED_BYTES)}`;
      break;
    case 'method':
      method = r.pick(['GET', 'PUT', 'DELETE', 'PATCH']);
      body = new URLSearchParams(pairs).toString();
      signedParams = asParams(pairs);
      break;
  }

  const headers: Record<string, string> = {};
  if (contentType) headers['content-type'] = contentType;
  const signing = r.weighted([
    [60, 'valid'],
    [10, 'missing'],
    [10, 'forged'],
    [8, 'tampered'],
    [6, 'wrong-url'],
    [6, 'garbage'],
  ] as const);
  const validSignature = () => sign(c, path, signedParams ?? {});
  switch (signing) {
    case 'valid':
      headers['x-twilio-signature'] = validSignature();
      break;
    case 'missing':
      break;
    case 'forged':
      headers['x-twilio-signature'] = r.bytes(20).toString('base64');
      break;
    case 'tampered':
      headers['x-twilio-signature'] = sign(c, path, { ...signedParams, Extra: 'tampered' });
      break;
    case 'wrong-url':
      headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(
        c.authToken,
        r.pick([`http://receptionist.test${path}`, `${c.publicBaseUrl}/twilio/sms`, `https://evil.test${path}`]),
        signedParams ?? {},
      );
      break;
    case 'garbage':
      headers['x-twilio-signature'] = r.chars('abcdefghijklmnopqrstuvwxyz0123456789+/= ,;', r.int(0, r.chance(0.1) ? 4_000 : 60));
      break;
  }
  return { label: `${method} ${route} ${encoding} ${signing}`, method, path, headers, body };
}

/** A staff API route with a realistic request, before mutation. */
interface StaffRoute {
  name: string;
  method: string;
  path: (r: SeededRandom, c: HttpFuzzContext) => string;
  query?: (r: SeededRandom) => Record<string, string>;
  body?: (r: SeededRandom) => unknown;
  role: 'staff' | 'owner' | 'admin' | 'none';
}

const localDate = (r: SeededRandom) =>
  r.weighted<() => string>([
    [4, () => `2026-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`],
    [1, () => r.pick(['2026-02-30', '0000-00-00', '9999-12-31', '2026-1-1', '2026-13-01', '20260101'])],
  ])();

function id(r: SeededRandom, known: string[]): string {
  return r.weighted<() => string>([
    [3, () => r.uuid()],
    [2, () => (known.length > 0 ? r.pick(known) : r.uuid())],
    [1, () => pathSegment(hostileString(r, 60))],
  ])();
}

const STAFF_ROUTES: StaffRoute[] = [
  {
    name: 'list conversations',
    method: 'GET',
    path: () => '/api/v1/conversations',
    query: (r) => ({
      channel: r.pick(['voice', 'sms']),
      status: r.pick(['active', 'completed', 'failed']),
      from: localDate(r),
      to: localDate(r),
      q: r.pick(['lip filler', 'botox', '"quoted" -not', 'a & b | c', "o'brien"]),
      cursor: Buffer.from(JSON.stringify([new Date(r.int(0, 2e12)).toISOString(), r.uuid()])).toString('base64url'),
      limit: String(r.int(1, 100)),
    }),
    role: 'staff',
  },
  { name: 'conversation', method: 'GET', path: (r, c) => `/api/v1/conversations/${id(r, c.conversationIds)}`, role: 'staff' },
  {
    name: 'staff text',
    method: 'POST',
    path: (r, c) => `/api/v1/conversations/${id(r, c.conversationIds)}/messages`,
    body: (r) => ({ text: hostileString(r, 200) }),
    role: 'staff',
  },
  {
    name: 'pause assistant',
    method: 'PUT',
    path: (r, c) => `/api/v1/conversations/${id(r, c.conversationIds)}/assistant`,
    body: (r) => ({ paused: r.chance(0.5) }),
    role: 'staff',
  },
  {
    name: 'customers',
    method: 'GET',
    path: () => '/api/v1/customers',
    query: (r) => ({ q: r.pick(['Pat', '+1202', '%', '_']), after: r.uuid(), limit: String(r.int(1, 200)) }),
    role: 'staff',
  },
  { name: 'customer', method: 'GET', path: (r, c) => `/api/v1/customers/${id(r, c.customerIds)}`, role: 'staff' },
  {
    name: 'correct customer',
    method: 'PATCH',
    path: (r, c) => `/api/v1/customers/${id(r, c.customerIds)}`,
    body: (r) => ({ name: 'Pat Example', email: r.pick(['pat@example.com', null]), notes: 'prefers mornings' }),
    role: 'staff',
  },
  {
    name: 'appointments',
    method: 'GET',
    path: () => '/api/v1/appointments',
    query: (r) => ({ from: localDate(r), to: localDate(r), providerId: r.uuid(), status: r.pick(['pending', 'confirmed', 'cancelled']) }),
    role: 'staff',
  },
  {
    name: 'move appointment',
    method: 'POST',
    path: (r) => `/api/v1/appointments/${id(r, [])}/reschedule`,
    body: (r) => ({
      startsAt: r.pick([`${localDate(r)}T${String(r.int(0, 23)).padStart(2, '0')}:30`, '2026-12-10T14:30:00-05:00', '2026-12-10T25:00', hostileString(r, 40)]),
      textPatient: r.chance(0.5),
    }),
    role: 'staff',
  },
  { name: 'messages for staff', method: 'GET', path: () => '/api/v1/messages-for-staff', query: (r) => ({ handled: r.pick(['true', 'false']) }), role: 'staff' },
  { name: 'handled', method: 'POST', path: (r) => `/api/v1/messages-for-staff/${id(r, [])}/handled`, role: 'staff' },
  { name: 'live calls', method: 'GET', path: () => '/api/v1/calls/live', role: 'staff' },
  { name: 'analytics', method: 'GET', path: () => '/api/v1/analytics/daily', query: (r) => ({ from: localDate(r), to: localDate(r) }), role: 'staff' },
  { name: 'settings', method: 'GET', path: () => '/api/v1/settings', role: 'staff' },
  {
    name: 'change settings',
    method: 'PATCH',
    path: () => '/api/v1/settings',
    body: (r) =>
      r.pick([
        { timezone: r.pick(['America/New_York', 'Mars/Olympus', 'UTC']) },
        { transferNumber: r.pick(['+12025550123', null, '911']) },
        { persona: { name: 'Ava' } },
        { settings: { smsThreadQuietHours: r.int(-5, 100) } },
        { settings: { routing: { mode: r.pick(['front_desk_first', 'after_hours_only', 'receptionist_first', 'nobody']), frontDeskRingSeconds: r.int(-5, 200) } } },
        { settings: { routing: { unansweredFallback: r.pick(['voicemail', 'receptionist', 'pigeon']), dtmf: r.pick([true, false, 'yes']) } } },
        { settings: { hoursExceptions: [{ date: r.pick(['2026-12-25', '2026-13-40', 'tomorrow']), hours: r.pick([[], [{ open: '10:00', close: '09:00' }]]) }] } },
        { hours: { monday: [{ open: '09:00', close: '17:00' }] } },
        { services: [{ slug: 'hydrafacial', name: 'HydraFacial', description: 'x', durationMinutes: 60, priceCents: 22_500, priceNote: null }] },
        { providers: [{ slug: 'maya-chen', name: 'Maya', title: 'NP', hours: null, services: ['nope'] }] },
        { address: 'x' },
      ]),
    role: 'owner',
  },
  { name: 'api keys', method: 'GET', path: () => '/api/v1/api-keys', role: 'owner' },
  { name: 'create key', method: 'POST', path: () => '/api/v1/api-keys', body: (r) => ({ name: 'fuzz', role: r.pick(['owner', 'staff', 'admin']) }), role: 'owner' },
  { name: 'revoke key', method: 'DELETE', path: (r) => `/api/v1/api-keys/${id(r, [])}`, role: 'owner' },
  // Staff accounts: sign-in and invites (no credential), the person's own view, people, invites, the audit log.
  {
    name: 'sign in',
    method: 'POST',
    path: () => '/api/v1/session',
    body: (r) => ({ email: r.pick(['owner@example.com', `${r.hex(6)}@example.com`, hostileString(r, 40)]), password: hostileString(r, 30) }),
    role: 'none',
  },
  { name: 'accept invite', method: 'POST', path: () => '/api/v1/invites/accept', body: (r) => ({ token: r.hex(43), password: hostileString(r, 30), name: hostileString(r, 20) }), role: 'none' },
  { name: 'me', method: 'GET', path: () => '/api/v1/me', role: 'staff' },
  { name: 'my sessions', method: 'GET', path: () => '/api/v1/me/sessions', role: 'staff' },
  { name: 'sign out', method: 'DELETE', path: () => '/api/v1/session', role: 'staff' },
  { name: 'people', method: 'GET', path: () => '/api/v1/people', role: 'owner' },
  {
    name: 'change person',
    method: 'PATCH',
    path: (r) => `/api/v1/people/${id(r, [])}`,
    body: (r) => r.pick<object>([{ role: r.pick(['owner', 'staff', 'provider', 'admin']) }, { disabled: true }, { name: hostileString(r, 30) }, {}]),
    role: 'owner',
  },
  { name: 'person sessions', method: 'GET', path: (r) => `/api/v1/people/${id(r, [])}/sessions`, role: 'owner' },
  { name: 'end person sessions', method: 'DELETE', path: (r) => `/api/v1/people/${id(r, [])}/sessions`, role: 'owner' },
  { name: 'invites', method: 'GET', path: () => '/api/v1/invites', role: 'owner' },
  {
    name: 'invite',
    method: 'POST',
    path: () => '/api/v1/invites',
    body: (r) => ({ email: r.pick([`${r.hex(8)}@example.com`, hostileString(r, 40)]), role: r.pick(['owner', 'staff', 'root']), phone: r.pick(['+12025550123', hostilePhone(r)]) }),
    role: 'owner',
  },
  { name: 'withdraw invite', method: 'DELETE', path: (r) => `/api/v1/invites/${id(r, [])}`, role: 'owner' },
  {
    name: 'audit log',
    method: 'GET',
    path: () => '/api/v1/audit-events',
    query: (r) => ({
      personId: r.uuid(),
      action: r.pick(['conversation.viewed', 'sign_in.failed']),
      recordId: r.uuid(),
      from: r.pick(['2026-11-01T00:00:00Z', '2026-02-30T00:00:00Z']),
      to: '2026-12-01T00:00:00+01:00',
      cursor: String(r.int(0, 10_000)),
      limit: String(r.int(1, 600)),
    }),
    role: 'owner',
  },
  {
    name: 'admin key',
    method: 'POST',
    path: (r, c) => `/api/v1/admin/spas/${id(r, [c.spaId])}/api-keys`,
    body: (r) => ({ name: 'fuzz', role: r.pick(['owner', 'staff']) }),
    role: 'admin',
  },
  {
    name: 'oauth start',
    method: 'GET',
    path: () => '/api/v1/google/oauth/start',
    query: (r) => ({ calendarId: r.pick(['primary', 'front-desk@example.com']) }),
    role: 'owner',
  },
  {
    name: 'oauth callback',
    method: 'GET',
    path: () => '/api/v1/google/oauth/callback',
    query: (r) => ({ state: r.hex(32), code: `4/${r.hex(40)}`, scope: 'https://www.googleapis.com/auth/calendar' }),
    role: 'none',
  },
  { name: 'sign-in methods', method: 'GET', path: () => '/api/v1/session/methods', role: 'none' },
  {
    name: 'google sign-in start',
    method: 'GET',
    path: () => '/api/v1/session/google',
    query: (r) => ({ next: r.pick(['/console/patients', '//evil.example/', 'https://evil.example/console/', `/console/${hostileString(r, 30)}`]) }),
    role: 'none',
  },
  {
    name: 'google sign-in callback',
    method: 'GET',
    path: () => '/api/v1/session/google/callback',
    query: (r) => ({ state: r.pick([r.hex(32), hostileString(r, 40)]), code: `4/${r.hex(40)}`, error: r.pick(['access_denied', hostileString(r, 20)]), scope: 'openid email' }),
    role: 'none',
  },
  {
    name: 'service account',
    method: 'PUT',
    path: () => '/api/v1/google/service-account',
    // Never a usable key: a valid one would make the calendar talk to Google itself.
    body: (r) => ({ calendarId: 'front-desk@example.com', serviceAccountKey: JSON.stringify({ client_email: 'a@b.test', private_key: r.hex(40) }) }),
    role: 'owner',
  },
];

function mutateQuery(r: SeededRandom, query: Record<string, string>): string {
  const pairs: Pairs = Object.entries(query).filter(() => r.chance(0.7));
  const mutations = r.int(0, 3);
  for (let m = 0; m < mutations; m += 1) {
    const index = r.int(0, Math.max(0, pairs.length - 1));
    r.weighted<() => void>([
      [4, () => pairs[index] && (pairs[index] = [pairs[index][0], hostileString(r, 300)])],
      [2, () => pairs[index] && pairs.push([pairs[index][0], hostileString(r, 40)])],
      [1, () => pairs.push([hostileString(r, 20), hostileString(r, 20)])],
      [1, () => pairs.push(['limit', r.pick(['-1', '0', '101', '1e3', 'NaN', '1.5', ''])])],
    ])();
  }
  const text = new URLSearchParams(pairs).toString();
  return text ? `?${text}` : '';
}

function bearer(r: SeededRandom, c: HttpFuzzContext, role: StaffRoute['role']): string | undefined {
  const right = role === 'owner' ? r.pick(c.ownerKeys) : role === 'admin' ? c.adminKey : r.pick([...c.staffKeys, ...c.ownerKeys]);
  return r.weighted<() => string | undefined>([
    [80, () => `Bearer ${right}`],
    [5, () => undefined],
    [5, () => `Bearer rk_${r.hex(8)}_${r.hex(32)}`],
    [5, () => `Bearer ${r.pick(c.staffKeys)}`],
    [5, () => r.pick(['Bearer', 'Basic dXNlcjpwYXNz', `bearer  ${right}`, 'Bearer a b', `Bearer ${'k'.repeat(3_000)}`])],
  ])();
}

function staffApiCase(r: SeededRandom, c: HttpFuzzContext): HttpCase {
  const route = r.pick(STAFF_ROUTES);
  let path = route.path(r, c) + (route.query ? mutateQuery(r, route.query(r)) : '');
  if (r.chance(0.03)) path += r.pick(['/', '//', '/..', '%2F', '?', '#x', `;${hostileString(r, 5)}`]).replace(/[\s#]/g, '');
  // The fuzz is a proxy in front of many clients (the harness trusts one hop): wrong keys count
  // against each client's address, so the failed-auth limit does not lock the whole run out.
  const headers: Record<string, string> = { 'x-forwarded-for': `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}` };
  const auth = bearer(r, c, route.role);
  if (auth) headers.authorization = auth;
  // Now and then a hostile session cookie, with or without a key beside it.
  if (r.chance(0.05)) headers.cookie = `__Host-receptionist_session=${r.pick([r.hex(43), encodeURIComponent(hostileString(r, 60).replace(/[\ud800-\udfff]/g, '')), ''])}`;
  let body: string | Buffer | undefined;
  let shape = 'no body';
  if (route.body || r.chance(0.05)) {
    shape = r.weighted([
      [50, 'valid'],
      [25, 'mutated'],
      [8, 'random'],
      [7, 'broken'],
      [5, 'wrong-type'],
      [1, 'oversized'],
      [3, 'empty'],
    ] as const);
    const valid = route.body?.(r) ?? {};
    headers['content-type'] = 'application/json';
    switch (shape) {
      case 'valid':
        body = JSON.stringify(valid);
        break;
      case 'mutated':
        body = JSON.stringify(mutateJson(r, r.chance(0.5) ? valid : mutateJson(r, valid)));
        break;
      case 'random':
        body = JSON.stringify(randomJson(r, 4));
        break;
      case 'broken':
        body = jsonText(r, valid);
        break;
      case 'wrong-type':
        headers['content-type'] = r.pick([FORM, 'text/plain', 'application/xml', 'application/json; charset=latin1', 'application/jsonx']);
        body = r.chance(0.5) ? JSON.stringify(valid) : r.bytes(r.int(1, 500));
        break;
      case 'oversized':
        body = JSON.stringify({ ...(valid as object), text: 'A'.repeat(OVERSIZED_BYTES) });
        break;
      case 'empty':
        body = '';
        break;
    }
  }
  return { label: `${route.method} ${route.name} ${shape}`, method: route.method, path, headers, body };
}

/** Paths nobody should call, health checks, and the media path without an upgrade. */
function strayCase(r: SeededRandom): HttpCase {
  const path = r.pick([
    '/',
    '/healthz',
    '/readyz',
    '/twilio/media',
    '/twilio',
    '/api/v1',
    '/api/v1/conversations/../settings',
    '/docs/json',
    `/${pathSegment(hostileString(r, 40))}`,
    '/%',
    '/%00',
    `/twilio/voice/${'a'.repeat(r.int(1, 2_000))}`,
  ]);
  return { label: `stray ${path.slice(0, 30)}`, method: r.pick(['GET', 'POST', 'OPTIONS', 'HEAD', 'DELETE']), path, headers: {} };
}

export function httpCase(r: SeededRandom, c: HttpFuzzContext): HttpCase {
  return r.weighted<() => HttpCase>([
    [55, () => twilioWebhookCase(r, c)],
    [40, () => staffApiCase(r, c)],
    [5, () => strayCase(r)],
  ])();
}
