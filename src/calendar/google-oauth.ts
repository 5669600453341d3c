import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { Db } from '../storage/database.js';
import {
  claimOAuthGrant,
  connectGoogleCalendar,
  findOAuthStateAwaitingGrant,
  holdOAuthGrant,
  openOAuthTicket,
  saveOAuthState,
} from '../storage/google-credentials-repository.js';
import { sealSecret } from '../storage/secret-box.js';
import { loadSpaProfile } from '../storage/spa-repository.js';
import { CALENDAR_SCOPES, CONSENT_SCOPES, oauthClient } from './google-auth.js';
import type { SpaCalendars } from './spa-calendars.js';

export const OAUTH_PATH = '/api/v1/google/oauth';
export const OAUTH_CALLBACK_PATH = `${OAUTH_PATH}/callback`;
const STATE_TTL_MS = 10 * 60_000;

export class GoogleOAuthError extends Error {
  constructor(
    readonly code:
      | 'OAUTH_NOT_CONFIGURED'
      | 'OAUTH_LINK_INVALID'
      | 'OAUTH_STATE_INVALID'
      | 'OAUTH_SCOPE_DENIED'
      | 'OAUTH_NO_REFRESH_TOKEN'
      | 'OAUTH_EXCHANGE_FAILED'
      | 'SERVICE_ACCOUNT_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'GoogleOAuthError';
  }
}

/** What the owner is asked to confirm before anything is stored. */
export interface PendingConnection {
  spaName: string;
  calendarId: string;
  /** The Google account that consented, from the ID token; null if Google did not say. */
  accountEmail: string | null;
  /** Goes back with the confirmation; valid only with this browser's binding. */
  confirmToken: string;
}

/**
 * An owner connects the spa's Google Calendar, in the browser that started it:
 *
 * 1. `start` (owner key): a one-time sign-in link, valid for ten minutes.
 * 2. `open` (the link, in the owner's browser): the Google consent URL with a fresh `state`, and
 *    the browser binding (the state, signed) the route keeps in an HttpOnly cookie.
 * 3. `authorize` (Google's redirect back): only with that browser's binding; exchanges the code and
 *    holds the refresh token, sealed, for confirmation.
 * 4. `confirm` (a POST from the confirmation page, same binding and a token derived from it):
 *    stores the credential encrypted (AES-256-GCM) and switches the spa to Google.
 */
export class GoogleOAuth {
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly calendars: SpaCalendars,
  ) {}

  /** Cookies bound to the flow need `Secure` when the service is reached over https. */
  get secureCookies(): boolean {
    return this.config.publicBaseUrl.startsWith('https:');
  }

  private redirectUri(): string {
    return `${this.config.publicBaseUrl}${OAUTH_CALLBACK_PATH}`;
  }

  private ensureConfigured(): Buffer {
    const key = this.config.encryptionKey;
    if (!this.config.google.clientId || !this.config.google.clientSecret || !key)
      throw new GoogleOAuthError(
        'OAUTH_NOT_CONFIGURED',
        'Google sign-in needs GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and ENCRYPTION_KEY to be set.',
      );
    return key;
  }

  /** A MAC key of its own, derived from ENCRYPTION_KEY (no new setting). */
  private mac(purpose: 'binding' | 'confirm', state: string): string {
    const key = createHmac('sha256', this.ensureConfigured()).update('google-oauth-browser-binding/v1').digest();
    return createHmac('sha256', key).update(`${purpose}:${state}`).digest('base64url');
  }

  /** The state a browser binding vouches for, if the signature is ours. */
  private boundState(binding: string | undefined): string | undefined {
    const [state, signature, extra] = (binding ?? '').split('.');
    if (!state || !signature || extra !== undefined) return undefined;
    return sameText(signature, this.mac('binding', state)) ? state : undefined;
  }

  /** Step 1: the one-time link the owner opens in their browser. */
  async start(spaId: string, calendarId: string): Promise<{ signInUrl: string; expiresAt: Date }> {
    this.ensureConfigured();
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + STATE_TTL_MS);
    await saveOAuthState(this.db, { state: randomBytes(24).toString('base64url'), ticket, spaId, calendarId, expiresAt });
    return { signInUrl: `${this.config.publicBaseUrl}${OAUTH_PATH}/authorize?ticket=${ticket}`, expiresAt };
  }

  /** Step 2: the link opened; works once. */
  async open(ticket: string): Promise<{ authorizationUrl: string; binding: string }> {
    this.ensureConfigured();
    const opened = await openOAuthTicket(this.db, ticket, new Date());
    if (!opened)
      throw new GoogleOAuthError('OAUTH_LINK_INVALID', 'This sign-in link was already used or has expired. Please start again.');
    const authorizationUrl = oauthClient(this.config, this.redirectUri()).generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: CONSENT_SCOPES,
      state: opened.state,
    });
    return { authorizationUrl, binding: `${opened.state}.${this.mac('binding', opened.state)}` };
  }

  /** Step 3: Google's answer, in the browser bound to `state`; nothing is stored for the spa yet. */
  async authorize(binding: string | undefined, state: string, code: string): Promise<PendingConnection> {
    const key = this.ensureConfigured();
    const bound = this.boundState(binding);
    if (bound === undefined || !sameText(bound, state))
      throw new GoogleOAuthError(
        'OAUTH_STATE_INVALID',
        'This Google sign-in was not started in this browser. Open the sign-in link in the browser you finish it in, and start again.',
      );
    const flow = await findOAuthStateAwaitingGrant(this.db, state, new Date());
    if (!flow) throw invalidState();
    const grant = await this.exchange(code);
    const held = await holdOAuthGrant(this.db, state, new Date(), { secret: sealSecret(key, grant.refreshToken), accountEmail: grant.accountEmail });
    if (!held) throw invalidState();
    const spa = await loadSpaProfile(this.db, flow.spa_id);
    return { spaName: spa?.name ?? 'your spa', calendarId: flow.calendar_id, accountEmail: grant.accountEmail, confirmToken: this.mac('confirm', state) };
  }

  /** Step 4: the owner confirmed on the page `authorize` led to, in the same browser. */
  async confirm(binding: string | undefined, confirmToken: string): Promise<{ spaId: string; calendarId: string; accountEmail: string | null }> {
    const state = this.boundState(binding);
    if (state === undefined || !sameText(confirmToken, this.mac('confirm', state)))
      throw new GoogleOAuthError('OAUTH_STATE_INVALID', 'This confirmation did not come from the browser that signed in with Google. Please start again.');
    const claimed = await claimOAuthGrant(this.db, state, new Date());
    if (!claimed) throw invalidState();
    await connectGoogleCalendar(
      this.db,
      claimed.spa_id,
      {
        kind: 'oauth_refresh_token',
        secret: claimed.secret,
        ...(claimed.account_email ? { accountEmail: claimed.account_email } : {}),
      },
      { calendarId: claimed.calendar_id, auth: 'oauth' },
    );
    this.calendars.forget(claimed.spa_id);
    return { spaId: claimed.spa_id, calendarId: claimed.calendar_id, accountEmail: claimed.account_email };
  }

  private async exchange(code: string): Promise<{ refreshToken: string; accountEmail: string | null }> {
    let tokens: { refresh_token?: string | null; id_token?: string | null; scope?: string | null };
    try {
      ({ tokens } = await oauthClient(this.config, this.redirectUri()).getToken(code));
    } catch {
      throw new GoogleOAuthError('OAUTH_EXCHANGE_FAILED', 'Google did not accept the sign-in. Please start again.');
    }
    // Google lets people untick scopes on the consent screen; without both the calendar cannot work.
    const granted = new Set((tokens.scope ?? CALENDAR_SCOPES.join(' ')).split(' '));
    if (!CALENDAR_SCOPES.every((scope) => granted.has(scope)))
      throw new GoogleOAuthError(
        'OAUTH_SCOPE_DENIED',
        'Google did not grant both calendar permissions (see availability, and edit events). Please start again and allow both.',
      );
    if (!tokens.refresh_token)
      throw new GoogleOAuthError('OAUTH_NO_REFRESH_TOKEN', 'Google did not grant offline access. Please start again and allow access.');
    return { refreshToken: tokens.refresh_token, accountEmail: this.accountEmail(tokens.id_token) };
  }

  /**
   * The signed-in account's email from the ID token. It came straight from Google's token endpoint
   * over TLS, so its signature need not be checked (OpenID Connect Core 3.1.3.7); the audience is.
   */
  private accountEmail(idToken: string | null | undefined): string | null {
    const payload = idToken?.split('.')[1];
    if (!payload) return null;
    const claims = idTokenClaims.safeParse(safeJson(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!claims.success || claims.data.aud !== this.config.google.clientId) return null;
    return claims.data.email ?? null;
  }

  /**
   * The other way in: a service account's JSON key, for Workspace spas that share the calendar
   * with it. Stored sealed like a refresh token; the spa switches to Google.
   */
  async useServiceAccount(spaId: string, calendarId: string, keyJson: string): Promise<{ clientEmail: string }> {
    const key = this.config.encryptionKey;
    if (!key) throw new GoogleOAuthError('OAUTH_NOT_CONFIGURED', 'Storing Google credentials needs ENCRYPTION_KEY to be set.');
    const parsed = serviceAccountKeySchema.safeParse(safeJson(keyJson));
    if (!parsed.success)
      throw new GoogleOAuthError('SERVICE_ACCOUNT_INVALID', 'That is not a Google service-account key (client_email and private_key are needed).');
    const sealed = sealSecret(key, JSON.stringify({ client_email: parsed.data.client_email, private_key: parsed.data.private_key }));
    await connectGoogleCalendar(
      this.db,
      spaId,
      { kind: 'service_account', secret: sealed, accountEmail: parsed.data.client_email },
      { calendarId, auth: 'service_account' },
    );
    this.calendars.forget(spaId);
    return { clientEmail: parsed.data.client_email };
  }
}

const idTokenClaims = z.object({ aud: z.string(), email: z.string().email().max(320).optional() });

function invalidState(): GoogleOAuthError {
  return new GoogleOAuthError('OAUTH_STATE_INVALID', 'This sign-in link is invalid or has expired. Please start again.');
}

/** Compares in constant time (secrets and MACs). */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const serviceAccountKeySchema = z.object({
  type: z.literal('service_account').optional(),
  client_email: z.string().email(),
  private_key: z.string().includes('PRIVATE KEY'),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
