import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../storage/database.js';
import { takeInviteForEmail } from '../../storage/invite-repository.js';
import { EmailTakenError, findPersonByEmail, normaliseEmail, upsertPerson, type PersonCredentials } from '../../storage/people-repository.js';

/**
 * "Sign in with Google" for staff, the part that is ours: the flow's browser binding and whom a
 * Google address lets in. Google's side (PKCE, the code exchange, the ID token's verification)
 * is the provider the composition root hands in (calendar/google-identity.ts).
 *
 * The flow cookie carries the `state` sent to Google, the PKCE verifier, the nonce, where the
 * person was going and an expiry, MAC-signed; Google's redirect back is believed only in a
 * browser whose cookie is ours, unexpired and names that same `state`.
 */

export interface GoogleSignInProvider {
  /** The MAC key of the flow cookie. */
  flowKey(): Buffer;
  begin(state: string, nonce: string): Promise<{ url: string; codeVerifier: string }>;
  /** Throws (with a `code`) when the exchange or the ID token's verification fails. */
  identify(code: string, codeVerifier: string, nonce: string): Promise<{ email: string; emailVerified: boolean; subject: string }>;
}

export const GOOGLE_FLOW_PATH = '/api/v1/session/google';
/** The redirect URI to register with Google: PUBLIC_BASE_URL + this. */
export const GOOGLE_SIGN_IN_CALLBACK_PATH = `${GOOGLE_FLOW_PATH}/callback`;
const FLOW_TTL_MS = 10 * 60_000;

/** Why a Google sign-in failed: the `error` the login page is sent back with, and the audit reason. */
export type GoogleSignInFailure =
  | 'google_state'
  | 'google_cancelled'
  | 'google_failed'
  | 'google_unverified'
  | 'google_no_account'
  | 'google_unavailable'
  | 'google_rate_limited';

export class GoogleSignInFailed extends Error {
  constructor(
    readonly failure: GoogleSignInFailure,
    /** The finer reason for the audit log (never shown to the visitor). */
    readonly reason: string,
    /** The account the Google address belongs to, when there is one (disabled, say). */
    readonly person?: { id: string; spaId: string },
  ) {
    super(`Google sign-in failed: ${reason}`);
    this.name = 'GoogleSignInFailed';
  }
}

/** Only a path inside the console (as the login page allows): never an address elsewhere. */
export function safeConsolePath(next: string | undefined): string {
  if (!next || next.length > 1000 || !next.startsWith('/console/') || next.startsWith('/console/login')) return '/console/';
  if (/[\\\s]|\/\/|\/\.\.?(\/|$)/.test(next)) return '/console/';
  return next;
}

const flowSchema = z.object({ s: z.string(), v: z.string(), n: z.string(), r: z.string(), e: z.number() });
export type GoogleFlow = { state: string; codeVerifier: string; nonce: string; next: string; expiresAt: number };

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** Starts a flow: Google's URL to send the browser to, and the signed cookie value that binds it. */
export async function beginGoogleFlow(provider: GoogleSignInProvider, next: string | undefined, now: Date): Promise<{ url: string; cookieValue: string }> {
  const state = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  const { url, codeVerifier } = await provider.begin(state, nonce);
  const payload = Buffer.from(
    JSON.stringify({ s: state, v: codeVerifier, n: nonce, r: safeConsolePath(next), e: now.getTime() + FLOW_TTL_MS }),
  ).toString('base64url');
  return { url, cookieValue: `${payload}.${mac(provider.flowKey(), payload)}` };
}

/** The flow this browser started, if its cookie is ours, unexpired and names Google's `state`. */
export function boundGoogleFlow(provider: GoogleSignInProvider, cookieValue: string | undefined, state: string, now: Date): GoogleFlow | undefined {
  const [payload, signature, extra] = (cookieValue ?? '').split('.');
  if (!payload || !signature || extra !== undefined || !sameText(signature, mac(provider.flowKey(), payload))) return undefined;
  let parsed: z.infer<typeof flowSchema>;
  try {
    parsed = flowSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  if (parsed.e <= now.getTime() || !sameText(parsed.s, state)) return undefined;
  return { state: parsed.s, codeVerifier: parsed.v, nonce: parsed.n, next: safeConsolePath(parsed.r), expiresAt: parsed.e };
}

/**
 * Whom a verified Google address lets in: the enabled person with that email (any case), or,
 * when nobody has it yet, the invited: a pending invite for the address (from one spa) is taken
 * as if its link had been opened, and the person is created with the invite's role and no
 * password (Google has just proved they hold the address the invite was for). A disabled person
 * is refused even if invited again: the owner's new invite link re-enables them.
 */
export async function personForGoogleAccount(
  db: Db,
  account: { email: string; emailVerified: boolean },
  now: Date,
): Promise<{ person: Pick<PersonCredentials, 'id' | 'spaId'>; inviteId?: string }> {
  if (!account.emailVerified) throw new GoogleSignInFailed('google_unverified', 'email_not_verified');
  const email = normaliseEmail(account.email);
  const existing = await findPersonByEmail(db, email);
  if (existing) {
    if (existing.disabled) throw new GoogleSignInFailed('google_no_account', 'person_disabled', { id: existing.id, spaId: existing.spaId });
    return { person: existing };
  }
  try {
    const taken = await takeInviteForEmail(db, email, now, async (trx, invite) => {
      const created = await upsertPerson(trx, { spaId: invite.spaId, email: invite.email, role: invite.role, name: invite.name, passwordHash: null }, now);
      return { person: { id: created.id, spaId: created.spaId }, personId: created.id, inviteId: invite.id };
    });
    if (taken) return { person: taken.person, inviteId: taken.inviteId };
  } catch (error) {
    // Someone took the address between the lookup and the invite (another spa's person).
    if (!(error instanceof EmailTakenError)) throw error;
  }
  throw new GoogleSignInFailed('google_no_account', 'no_account');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
