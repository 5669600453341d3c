import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { Db } from '../storage/database.js';
import { claimOAuthState, connectGoogleCalendar, saveOAuthState } from '../storage/google-credentials-repository.js';
import { sealSecret } from '../storage/secret-box.js';
import { CALENDAR_SCOPES, oauthClient } from './google-auth.js';
import type { SpaCalendars } from './spa-calendars.js';

export const OAUTH_CALLBACK_PATH = '/api/v1/google/oauth/callback';
const STATE_TTL_MS = 10 * 60_000;

export class GoogleOAuthError extends Error {
  constructor(
    readonly code:
      | 'OAUTH_NOT_CONFIGURED'
      | 'OAUTH_STATE_INVALID'
      | 'OAUTH_NO_REFRESH_TOKEN'
      | 'OAUTH_EXCHANGE_FAILED'
      | 'SERVICE_ACCOUNT_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'GoogleOAuthError';
  }
}

/**
 * An owner connects the spa's Google Calendar: consent with a one-time `state` (CSRF), then the
 * callback exchanges the code and stores the refresh token encrypted (AES-256-GCM).
 */
export class GoogleOAuth {
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly calendars: SpaCalendars,
  ) {}

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

  /** The Google consent URL for this spa and calendar. */
  async start(spaId: string, calendarId: string): Promise<string> {
    this.ensureConfigured();
    const state = randomBytes(24).toString('base64url');
    await saveOAuthState(this.db, { state, spaId, calendarId, expiresAt: new Date(Date.now() + STATE_TTL_MS) });
    return oauthClient(this.config, this.redirectUri()).generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: CALENDAR_SCOPES,
      state,
    });
  }

  /** Finishes consent. The state must be ours, unexpired and unused. */
  async complete(state: string, code: string): Promise<{ spaId: string; calendarId: string }> {
    const key = this.ensureConfigured();
    const claimed = await claimOAuthState(this.db, state, new Date());
    if (!claimed) throw new GoogleOAuthError('OAUTH_STATE_INVALID', 'This sign-in link is invalid or has expired. Please start again.');
    let refreshToken: string | null | undefined;
    try {
      const { tokens } = await oauthClient(this.config, this.redirectUri()).getToken(code);
      refreshToken = tokens.refresh_token;
    } catch {
      throw new GoogleOAuthError('OAUTH_EXCHANGE_FAILED', 'Google did not accept the sign-in. Please start again.');
    }
    if (!refreshToken)
      throw new GoogleOAuthError('OAUTH_NO_REFRESH_TOKEN', 'Google did not grant offline access. Please start again and allow access.');
    await connectGoogleCalendar(
      this.db,
      claimed.spa_id,
      { kind: 'oauth_refresh_token', secret: sealSecret(key, refreshToken) },
      { calendarId: claimed.calendar_id, auth: 'oauth' },
    );
    this.calendars.forget(claimed.spa_id);
    return { spaId: claimed.spa_id, calendarId: claimed.calendar_id };
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
