import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';
import { oauthClient } from './google-auth.js';

/**
 * "Sign in with Google" for staff, on the same OAuth client as the calendar connection: an
 * authorization-code flow with PKCE (S256) and a nonce for the scopes `openid email`, and the ID
 * token verified by google-auth-library against Google's published certificates (signature,
 * audience = our client id, issuer, issue and expiry times) before anything in it is believed.
 */

export const SIGN_IN_SCOPES = ['openid', 'email'];

export class GoogleIdentityError extends Error {
  constructor(
    readonly code: 'EXCHANGE_FAILED' | 'ID_TOKEN_INVALID' | 'NONCE_MISMATCH' | 'NO_EMAIL',
    message: string,
  ) {
    super(message);
    this.name = 'GoogleIdentityError';
  }
}

/** Who Google says signed in. */
export interface GoogleAccount {
  email: string;
  emailVerified: boolean;
  subject: string;
}

export class GoogleIdentity {
  /** One client for the process, so Google's certificates are cached as long as Google says. */
  private readonly client;

  constructor(
    private readonly config: Config,
    readonly redirectUri: string,
  ) {
    this.client = oauthClient(config, redirectUri);
  }

  /** Sign-in is offered when the service has a Google OAuth client (id and secret). */
  static configured(config: Config): boolean {
    return Boolean(config.google.clientId && config.google.clientSecret);
  }

  /**
   * A MAC key for the sign-in flow's cookie, derived from the client secret (so no new setting;
   * rotating the secret ends flows in progress, nothing else).
   */
  flowKey(): Buffer {
    return createHmac('sha256', this.config.google.clientSecret ?? '').update('staff-google-sign-in/v1').digest();
  }

  /** Google's consent URL for this flow, and the PKCE verifier to keep for the exchange. */
  async begin(state: string, nonce: string): Promise<{ url: string; codeVerifier: string }> {
    const { codeVerifier, codeChallenge } = await this.client.generateCodeVerifierAsync();
    const url = this.client.generateAuthUrl({
      scope: SIGN_IN_SCOPES,
      state,
      nonce,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256' as never,
      prompt: 'select_account',
    });
    return { url, codeVerifier };
  }

  /** Exchanges Google's code (with the verifier) and verifies the ID token it comes with. */
  async identify(code: string, codeVerifier: string, nonce: string): Promise<GoogleAccount> {
    let idToken: string | null | undefined;
    try {
      ({ tokens: { id_token: idToken } } = await this.client.getToken({ code, codeVerifier }));
    } catch {
      throw new GoogleIdentityError('EXCHANGE_FAILED', 'Google did not accept the sign-in code.');
    }
    if (!idToken) throw new GoogleIdentityError('ID_TOKEN_INVALID', 'Google sent no ID token.');
    let claims: Record<string, unknown> | undefined;
    try {
      const ticket = await this.client.verifyIdToken({ idToken, audience: this.config.google.clientId ?? '' });
      claims = ticket.getPayload() as Record<string, unknown> | undefined;
    } catch (error) {
      throw new GoogleIdentityError('ID_TOKEN_INVALID', `The ID token did not verify: ${firstLine(error)}`);
    }
    if (!claims || claims.nonce !== nonce) throw new GoogleIdentityError('NONCE_MISMATCH', 'The ID token was not issued for this sign-in.');
    if (typeof claims.email !== 'string' || claims.email.length === 0 || claims.email.length > 320 || typeof claims.sub !== 'string')
      throw new GoogleIdentityError('NO_EMAIL', 'Google did not say which email address signed in.');
    // Google sends `email_verified` as a boolean (older tokens: the string "true").
    return { email: claims.email, emailVerified: claims.email_verified === true || claims.email_verified === 'true', subject: claims.sub };
  }
}

/** The library's messages quote the token or its claims after a colon; keep the reason only (no email in logs). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/:\s*(ey[\w-]*\.[\s\S]*|\{[\s\S]*)$/, '').slice(0, 160);
}
