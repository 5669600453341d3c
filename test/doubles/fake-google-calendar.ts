/**
 * A wire-level stand-in for Google Calendar v3 and Google's OAuth token endpoint, for the real
 * @googleapis/calendar client (pointed here with GOOGLE_API_ROOT_URL). It keeps events per
 * calendar, answers freeBusy (with the per-calendar `notFound` error Google gives for calendars it
 * cannot see), refuses a reused event id with 409 even after the event was deleted, returns 410
 * for deleting twice, and can be told to fail the next requests with Google's error shapes.
 *
 * Its consent screen (GET /o/oauth2/v2/auth) answers at once as `consentAccount` would, granting the
 * requested scopes (or only `grantedScopes`), and redirects to the client's redirect URI with a code.
 * Tokens from such a grant carry its scopes, and the calendar methods then refuse tokens without one
 * of the scopes Google's reference lists for them (403 insufficientPermissions). Codes and refresh
 * tokens set up by hand (`authorizationCodes`) carry no scopes and are not checked.
 *
 * As Google's OpenID Connect documentation describes (developers.google.com/identity/openid-connect):
 * a grant that includes `openid` gets an ID token signed with RS256 by a key whose certificate the
 * double serves at /oauth2/v1/certs (PEM, what google-auth-library fetches in Node) and as a JWK
 * set at /oauth2/v3/certs (the discovery document's `jwks_uri`), with `Cache-Control: max-age`;
 * the claims are iss, azp, aud, sub, email, email_verified, iat, exp (and nonce when sent). The
 * consent screen honours PKCE (`code_challenge`, S256 or plain): the token endpoint then refuses
 * an exchange without the matching `code_verifier` (invalid_grant), and one whose `redirect_uri`
 * or `client_id` differs from the authorization request's. A refresh token comes only with
 * `access_type=offline`.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalHttpServer, type LocalHttpServer } from './local-http-server.js';

export interface FakeEvent {
  id: string;
  status: 'confirmed' | 'cancelled';
  summary?: string;
  description?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  extendedProperties?: { private?: Record<string, string> };
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  reason: string;
  times: number;
  /** Apply the change anyway, then fail (a timeout after the write landed). */
  afterWrite?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

function googleError(res: ServerResponse, status: number, reason: string, message = reason): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { errors: [{ domain: status === 403 || status === 429 ? 'usageLimits' : 'global', reason, message }], code: status, message } }));
}

/** Per method, the scopes Google's Calendar v3 reference accepts (any one of them). */
const SCOPE = (name: string) => `https://www.googleapis.com/auth/${name}`;
const FREEBUSY_SCOPES = ['calendar', 'calendar.readonly', 'calendar.freebusy', 'calendar.events.freebusy'].map(SCOPE);
const EVENT_WRITE_SCOPES = ['calendar', 'calendar.events', 'calendar.events.owned', 'calendar.app.created'].map(SCOPE);
const EVENT_READ_SCOPES = [
  ...EVENT_WRITE_SCOPES,
  ...['calendar.readonly', 'calendar.events.readonly', 'calendar.events.owned.readonly', 'calendar.events.freebusy', 'calendar.events.public.readonly'].map(SCOPE),
];
/** Google names these two by their full URLs in the token response. */
const SCOPE_ALIASES: Record<string, string> = { email: SCOPE('userinfo.email'), profile: SCOPE('userinfo.profile') };

/** The double's ID-token signing key and its certificate (a test-only pair, in this folder). */
const SIGNING_PEM = readFileSync(new URL('./fake-google-id-token-key.pem', import.meta.url), 'utf8');
const SIGNING_KEY = createPrivateKey(SIGNING_PEM);
const SIGNING_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(SIGNING_PEM)![0];
/** Key ids look like Google's: 40 hex digits. */
const SIGNING_KID = createHash('sha1').update(SIGNING_CERT).digest('hex');

/** What one ID token should get wrong (set with `nextIdToken`), for tests of the verifier. */
export interface IdTokenTwist {
  /** Claims replacing (or, as undefined, removing) the ones Google would send. */
  claims?: Record<string, unknown>;
  /** Signed by a key Google never published, under Google's key id. */
  forgedSignature?: boolean;
}

let strangerKey: KeyObject | undefined;

function insufficientScopes(res: ServerResponse): void {
  json(res, 403, {
    error: {
      code: 403,
      message: 'Request had insufficient authentication scopes.',
      errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
      status: 'PERMISSION_DENIED',
    },
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export class FakeGoogleCalendar {
  readonly calendars = new Map<string, Map<string, FakeEvent>>();
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  /** Authorization codes the token endpoint accepts, and the refresh token each yields. */
  readonly authorizationCodes = new Map<string, string>();
  /** Who signs in on the consent screen. */
  consentAccount = 'jamie@gmail.com';
  /** When set, the consent screen grants only these of the requested scopes (the rest unticked). */
  grantedScopes: string[] | undefined;
  /** Whether Google has verified `consentAccount` (false: e.g. a Google account made for another provider's address). */
  consentEmailVerified = true;
  /** Applies to the next ID token issued, then clears. */
  nextIdToken: IdTokenTwist | undefined;
  /** Scopes granted per authorization code, refresh token and access token (consent-screen grants only). */
  private readonly codeGrants = new Map<string, CodeGrant>();
  private readonly refreshScopes = new Map<string, string[]>();
  private readonly accessScopes = new Map<string, string[]>();
  /** Milliseconds every calendar request waits before answering. */
  latencyMs = 0;

  private server: LocalHttpServer | undefined;

  static async start(): Promise<FakeGoogleCalendar> {
    const fake = new FakeGoogleCalendar();
    fake.server = await startLocalHttpServer((req, res, body) => fake.handle(req, res, body));
    return fake;
  }

  get rootUrl(): string {
    return this.server?.origin ?? '';
  }

  addCalendar(id: string): void {
    if (!this.calendars.has(id)) this.calendars.set(id, new Map());
  }

  /** A block of busy time staff put in the calendar by hand. */
  block(calendarId: string, start: Date, end: Date, summary = 'Staff meeting'): void {
    this.addCalendar(calendarId);
    const id = `block${randomBytes(6).toString('hex')}`;
    this.calendars.get(calendarId)!.set(id, {
      id,
      status: 'confirmed',
      summary,
      start: { dateTime: start.toISOString() },
      end: { dateTime: end.toISOString() },
    });
  }

  events(calendarId: string): FakeEvent[] {
    return [...(this.calendars.get(calendarId)?.values() ?? [])];
  }

  /** The next `times` requests matching method and path fail with this status and reason. */
  failNext(method: string, path: RegExp, status: number, reason: string, times = 1, options: { afterWrite?: boolean } = {}): void {
    this.faults.push({ method, path, status, reason, times, ...options });
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body: unknown =
      raw.length === 0 ? undefined : req.headers['content-type']?.includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
    this.requests.push({ method, path: url.pathname, authorization: req.headers.authorization, body });

    if (url.pathname === '/token' && method === 'POST') return this.token(res, body as Record<string, string>);
    if (url.pathname === '/o/oauth2/v2/auth' && method === 'GET') return this.consent(res, url.searchParams);
    if (url.pathname === '/oauth2/v1/certs' && method === 'GET') return certs(res, { [SIGNING_KID]: SIGNING_CERT });
    if (url.pathname === '/oauth2/v3/certs' && method === 'GET') {
      const jwk = new X509Certificate(SIGNING_CERT).publicKey.export({ format: 'jwk' });
      return certs(res, { keys: [{ ...jwk, kid: SIGNING_KID, alg: 'RS256', use: 'sig' }] });
    }
    if (url.pathname === '/.well-known/openid-configuration' && method === 'GET') return json(res, 200, this.discovery());
    if (!req.headers.authorization?.startsWith('Bearer ')) return googleError(res, 401, 'authError', 'Login Required');
    const scopes = this.accessScopes.get(req.headers.authorization.slice('Bearer '.length));
    const accepted = this.acceptedScopes(method, url.pathname);
    if (scopes && accepted && !accepted.some((scope) => scopes.includes(scope))) return insufficientScopes(res);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const fault = this.faults.find((f) => f.method === method && f.path.test(url.pathname) && f.times > 0);
    if (fault && !fault.afterWrite) {
      fault.times -= 1;
      return googleError(res, fault.status, fault.reason);
    }
    const respond = (status: number, payload: unknown) => {
      if (fault?.afterWrite) {
        fault.times -= 1;
        return googleError(res, fault.status, fault.reason);
      }
      return json(res, status, payload);
    };

    if (url.pathname === '/calendar/v3/freeBusy' && method === 'POST') return respond(200, this.freeBusy(body as FreeBusyBody));
    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return googleError(res, 404, 'notFound', 'Not Found');
    const calendarId = decodeURIComponent(match[1]!);
    const eventId = match[2] ? decodeURIComponent(match[2]) : undefined;
    const calendar = this.calendars.get(calendarId);
    if (!calendar) return googleError(res, 404, 'notFound', 'Not Found');

    if (!eventId && method === 'GET') return respond(200, { kind: 'calendar#events', items: [...calendar.values()] });
    if (!eventId && method === 'POST') {
      const event = body as FakeEvent;
      if (calendar.has(event.id)) return googleError(res, 409, 'duplicate', 'The requested identifier already exists.');
      const stored = { ...event, status: event.status ?? 'confirmed' };
      calendar.set(event.id, stored);
      return respond(200, stored);
    }
    const existing = eventId ? calendar.get(eventId) : undefined;
    if (!existing) return googleError(res, 404, 'notFound', 'Not Found');
    if (method === 'GET') return respond(200, existing);
    if (method === 'PATCH' || method === 'PUT') {
      Object.assign(existing, body as Partial<FakeEvent>);
      return respond(200, existing);
    }
    if (method === 'DELETE') {
      if (existing.status === 'cancelled') return googleError(res, 410, 'deleted', 'Resource has been deleted');
      existing.status = 'cancelled';
      if (fault?.afterWrite) return respond(204, undefined);
      res.writeHead(204);
      res.end();
      return;
    }
    return googleError(res, 405, 'methodNotAllowed');
  }

  private freeBusy(body: FreeBusyBody) {
    const from = Date.parse(body.timeMin);
    const to = Date.parse(body.timeMax);
    const calendars: Record<string, unknown> = {};
    for (const { id } of body.items) {
      const calendar = this.calendars.get(id);
      if (!calendar) {
        calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
        continue;
      }
      calendars[id] = {
        busy: [...calendar.values()]
          .filter((e) => e.status === 'confirmed' && Date.parse(e.start.dateTime) < to && Date.parse(e.end.dateTime) > from)
          .map((e) => ({ start: new Date(e.start.dateTime).toISOString(), end: new Date(e.end.dateTime).toISOString() })),
      };
    }
    return { kind: 'calendar#freeBusy', timeMin: body.timeMin, timeMax: body.timeMax, calendars };
  }

  private acceptedScopes(method: string, path: string): string[] | undefined {
    if (path === '/calendar/v3/freeBusy') return FREEBUSY_SCOPES;
    if (path.startsWith('/calendar/v3/calendars/')) return method === 'GET' ? EVENT_READ_SCOPES : EVENT_WRITE_SCOPES;
    return undefined;
  }

  /** The consent screen, answered at once: a code for the requested (or granted) scopes, back to the client. */
  private consent(res: ServerResponse, query: URLSearchParams): void {
    const redirectUri = query.get('redirect_uri');
    const clientId = query.get('client_id');
    if (!redirectUri || !clientId || query.get('response_type') !== 'code')
      return json(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter' });
    const requested = (query.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.filter((scope) => !this.grantedScopes || this.grantedScopes.includes(scope)).map((scope) => SCOPE_ALIASES[scope] ?? scope);
    const challengeMethod = query.get('code_challenge_method') ?? 'plain';
    if (query.get('code_challenge') && !['S256', 'plain'].includes(challengeMethod))
      return json(res, 400, { error: 'invalid_request', error_description: 'Invalid code_challenge_method' });
    const code = `4/fake-${randomBytes(8).toString('hex')}`;
    this.authorizationCodes.set(code, `refresh-${randomBytes(8).toString('hex')}`);
    this.codeGrants.set(code, {
      scopes,
      clientId,
      redirectUri,
      offline: query.get('access_type') === 'offline',
      ...(query.get('code_challenge') ? { challenge: { value: query.get('code_challenge')!, method: challengeMethod } } : {}),
      ...(query.get('nonce') ? { nonce: query.get('nonce')! } : {}),
    });
    const back = new URL(redirectUri);
    back.searchParams.set('state', query.get('state') ?? '');
    back.searchParams.set('code', code);
    back.searchParams.set('scope', scopes.join(' '));
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  private token(res: ServerResponse, body: Record<string, string>): void {
    const accessToken = (scopes: string[] | undefined) => {
      const token = `access-${randomBytes(4).toString('hex')}`;
      if (scopes) this.accessScopes.set(token, scopes);
      return token;
    };
    if (body.grant_type === 'authorization_code') {
      const code = body.code ?? '';
      const refresh = this.authorizationCodes.get(code);
      if (!refresh) return json(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      this.authorizationCodes.delete(code);
      const grant = this.codeGrants.get(code);
      this.codeGrants.delete(code);
      if (!grant)
        return json(res, 200, { access_token: accessToken(undefined), expires_in: 3599, token_type: 'Bearer', refresh_token: refresh });
      if (body.client_id !== grant.clientId) return json(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
      if (body.redirect_uri !== grant.redirectUri) return json(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      if (grant.challenge) {
        if (!body.code_verifier) return json(res, 400, { error: 'invalid_grant', error_description: 'Missing code verifier.' });
        const derived = grant.challenge.method === 'S256' ? createHash('sha256').update(body.code_verifier).digest('base64url') : body.code_verifier;
        if (derived !== grant.challenge.value) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
      }
      if (grant.offline) this.refreshScopes.set(refresh, grant.scopes);
      return json(res, 200, {
        access_token: accessToken(grant.scopes),
        expires_in: 3599,
        token_type: 'Bearer',
        ...(grant.offline ? { refresh_token: refresh } : {}),
        scope: grant.scopes.join(' '),
        ...(grant.scopes.includes('openid') ? { id_token: this.idToken(grant) } : {}),
      });
    }
    if (body.grant_type === 'refresh_token' && body.refresh_token)
      return json(res, 200, { access_token: accessToken(this.refreshScopes.get(body.refresh_token)), expires_in: 3599, token_type: 'Bearer' });
    return json(res, 400, { error: 'unsupported_grant_type' });
  }

  /** An ID token as Google's token endpoint returns it: a JWT signed with RS256 under the served key id. */
  private idToken(grant: CodeGrant): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const twist = this.nextIdToken;
    this.nextIdToken = undefined;
    const claims: Record<string, unknown> = {
      iss: 'https://accounts.google.com',
      azp: grant.clientId,
      aud: grant.clientId,
      sub: `1${createHash('sha256').update(this.consentAccount).digest('hex').replace(/\D/g, '').slice(0, 20)}`,
      ...(grant.scopes.includes(SCOPE('userinfo.email')) ? { email: this.consentAccount, email_verified: this.consentEmailVerified } : {}),
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      iat: now,
      exp: now + 3600,
      ...twist?.claims,
    };
    const signingInput = `${part({ alg: 'RS256', kid: SIGNING_KID, typ: 'JWT' })}.${part(claims)}`;
    const key = twist?.forgedSignature ? (strangerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey) : SIGNING_KEY;
    return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`;
  }

  /** Google's discovery document, with this double's addresses. */
  private discovery() {
    return {
      issuer: 'https://accounts.google.com',
      authorization_endpoint: `${this.rootUrl}/o/oauth2/v2/auth`,
      token_endpoint: `${this.rootUrl}/token`,
      jwks_uri: `${this.rootUrl}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      code_challenge_methods_supported: ['plain', 'S256'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'sub', 'azp', 'nonce'],
    };
  }
}

interface CodeGrant {
  scopes: string[];
  clientId: string;
  redirectUri: string;
  offline: boolean;
  challenge?: { value: string; method: string };
  nonce?: string;
}

/** Google serves its keys with a cache lifetime; clients keep them that long. */
function certs(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'cache-control': 'public, max-age=22462, must-revalidate, no-transform' });
  res.end(JSON.stringify(body));
}

interface FreeBusyBody {
  timeMin: string;
  timeMax: string;
  items: { id: string }[];
}
