import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countFailedAuth } from '../auth.js';
import { audit } from '../staff/audit.js';
import {
  beginGoogleFlow,
  boundGoogleFlow,
  GOOGLE_FLOW_PATH,
  GoogleSignInFailed,
  personForGoogleAccount,
  type GoogleSignInFailure,
  type GoogleSignInProvider,
} from '../staff/google-sign-in.js';
import { startSession } from '../staff/sign-in.js';

/**
 * Sign-in methods and "Sign in with Google" (no credential; browsers navigate here):
 * - GET /session/methods: what the login page may offer.
 * - GET /session/google?next=…: 302 to Google's consent screen, the flow bound to this browser.
 * - GET /session/google/callback: Google's redirect back; a session and a 302 to `next`, or a 302
 *   to /console/login?error=… and an audit entry, never a session, for anything else.
 */

const startQuery = z.object({ next: z.string().max(1000).optional() });
const callbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
});

const FLOW_COOKIE = 'google_sign_in';
const LOGIN_PATH = '/console/login';

const googleSignInRoutes: FastifyPluginAsyncZod<{ google: GoogleSignInProvider | undefined }> = async (app, { google }) => {
  const { db, clock, staffSessions } = app;
  const cookieName = staffSessions.secureCookie ? `__Secure-${FLOW_COOKIE}` : FLOW_COOKIE;
  const flowCookie = (value: string, maxAgeSeconds: number) =>
    [`${cookieName}=${value}`, `Path=${GOOGLE_FLOW_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(staffSessions.secureCookie ? ['Secure'] : [])].join('; ');

  /** Back to the login page with the reason, the flow cookie gone; recorded as a failed sign-in. */
  async function fail(request: FastifyRequest, reply: FastifyReply, failure: GoogleSignInFailed): Promise<FastifyReply> {
    // A cancel at Google is no attempt at a credential; everything else counts against the address.
    if (failure.failure !== 'google_cancelled') await countFailedAuth(request);
    const tried = failure.person;
    await audit(request, {
      action: 'sign_in.failed',
      ...(tried ? { recordType: 'person', recordId: tried.id } : {}),
      detail: { method: 'google', reason: failure.reason },
      as: { spaId: tried?.spaId ?? null, personId: null },
    });
    request.log.info({ reason: failure.reason }, 'Google sign-in failed');
    return loginWithError(reply, failure.failure);
  }

  function loginWithError(reply: FastifyReply, failure: GoogleSignInFailure): FastifyReply {
    return reply
      .header('set-cookie', flowCookie('', 0))
      .header('referrer-policy', 'no-referrer')
      .redirect(`${LOGIN_PATH}?error=${failure}`, 302);
  }

  app.get('/session/methods', {
    schema: {
      tags: ['sessions'],
      summary: 'How people can sign in here: always email and password; Google when a Google OAuth client is configured',
      security: [],
      response: { 200: z.object({ password: z.literal(true), google: z.boolean() }) },
    },
  }, async () => ({ password: true as const, google: google !== undefined }));

  app.get('/session/google', {
    schema: {
      tags: ['sessions'],
      summary: "Sign in with Google: 302 to Google's consent screen (openid email, PKCE), bound to this browser; `next` is the console path to return to",
      querystring: startQuery,
      security: [],
    },
  }, async (request, reply) => {
    if (!google) return loginWithError(reply, 'google_unavailable');
    if ((await request.server.failedAuth.lockedOutFor(request.clientAddress)) > 0) return loginWithError(reply, 'google_rate_limited');
    const flow = await beginGoogleFlow(google, request.query.next, clock());
    return reply
      .header('set-cookie', flowCookie(flow.cookieValue, 10 * 60))
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(flow.url, 302);
  });

  app.get('/session/google/callback', {
    schema: {
      tags: ['sessions'],
      summary: "Google's redirect back: the session cookie and a 302 to where the person was going, or a 302 to the login page with `error`",
      security: [],
    },
  }, async (request, reply) => {
    if (!google) return loginWithError(reply, 'google_unavailable');
    if ((await request.server.failedAuth.lockedOutFor(request.clientAddress)) > 0) return loginWithError(reply, 'google_rate_limited');
    const query = callbackQuery.safeParse(request.query);
    if (!query.success) return fail(request, reply, new GoogleSignInFailed('google_state', 'malformed_callback'));
    const flow = boundGoogleFlow(google, readCookie(request, cookieName), query.data.state, clock());
    if (!flow) return fail(request, reply, new GoogleSignInFailed('google_state', 'state_not_bound'));
    if (query.data.error || !query.data.code)
      return fail(request, reply, new GoogleSignInFailed('google_cancelled', `google_error:${(query.data.error ?? 'no_code').slice(0, 40)}`));
    try {
      const account = await google.identify(query.data.code, flow.codeVerifier, flow.nonce).catch((error: unknown) => {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'GOOGLE_UNREACHABLE';
        throw new GoogleSignInFailed('google_failed', code.toLowerCase());
      });
      const { person, inviteId } = await personForGoogleAccount(db, account, clock());
      const sessionId = await startSession(request, reply, person);
      if (inviteId)
        await audit(request, { action: 'invite.accepted', recordType: 'invite', recordId: inviteId, detail: { method: 'google' }, as: { spaId: person.spaId, personId: person.id } });
      await audit(request, { action: 'sign_in.succeeded', recordType: 'session', recordId: sessionId, detail: { method: 'google' }, as: { spaId: person.spaId, personId: person.id } });
      return reply
        .header('set-cookie', flowCookie('', 0))
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(flow.next, 302);
    } catch (error) {
      if (error instanceof GoogleSignInFailed) return fail(request, reply, error);
      throw error;
    }
  });
};

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

export default googleSignInRoutes;
