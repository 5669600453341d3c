import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { OAUTH_PATH, type PendingConnection } from '../../calendar/google-oauth.js';
import { authorisedSpa, requireStaffAccess } from '../auth.js';
import { httpErrorFor, withHttpErrors } from '../domain-errors.js';
import { HttpError } from '../errors.js';
import { confirmationPage, connectedPage, errorPage } from '../google-consent-pages.js';
import { refuseNulCharacters } from '../nul-characters.js';

/**
 * /api/v1/google: connecting the spa's Google Calendar. GET /oauth/start (owner key) answers with
 * a one-time sign-in link; opened in the owner's browser (GET /oauth/authorize) it binds the flow to
 * that browser with a signed cookie and sends it on to Google's consent screen. Google sends the
 * owner back to /oauth/callback with `code` and our `state`: refused in any other browser, and in
 * the right one a page naming the spa and the Google account asks to confirm (POST /oauth/confirm)
 * before anything is stored. Or an owner hands in a service account's key.
 */

export interface GoogleOAuthHandlers {
  readonly secureCookies: boolean;
  start(spaId: string, calendarId: string): Promise<{ signInUrl: string; expiresAt: Date }>;
  open(ticket: string): Promise<{ authorizationUrl: string; binding: string }>;
  authorize(binding: string | undefined, state: string, code: string): Promise<PendingConnection>;
  confirm(binding: string | undefined, confirmToken: string): Promise<{ spaId: string; calendarId: string; accountEmail: string | null }>;
  useServiceAccount(spaId: string, calendarId: string, keyJson: string): Promise<{ clientEmail: string }>;
}

/** The browser binding: the flow's state, signed. Sent only to the consent routes. */
const BINDING_COOKIE = 'google_oauth_binding';
const BINDING_MAX_AGE_S = 10 * 60;

const serviceAccountBody = z.object({
  calendarId: z.string().min(1).max(300),
  /** The JSON key file's contents, as text. */
  serviceAccountKey: z.string().min(20).max(10_000),
});

const startQuery = z.object({ calendarId: z.string().min(1).max(300).default('primary') });
const authorizeQuery = z.object({ ticket: z.string().min(1).max(200) });
const confirmBody = z.object({ confirmToken: z.string().min(1).max(200) });
const callbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
});

const googleCalendarRoutes: FastifyPluginAsync<{ oauth: GoogleOAuthHandlers }> = async (app, { oauth }) => {
  app.addHook('preValidation', refuseNulCharacters);

  // The owner's side: an owner key or an owner's session, checked once for the scope.
  await app.register(async (owner) => {
    owner.addHook('preHandler', requireStaffAccess(app.db, 'owner'));

    owner.get('/oauth/start', { schema: { tags: ['google calendar'], summary: 'Start connecting Google Calendar (owner)' } }, async (request) => {
      const spaId = authorisedSpa(request);
      const { calendarId } = startQuery.parse(request.query);
      const link = await withHttpErrors(() => oauth.start(spaId, calendarId));
      // Open it in your own browser: the consent can only be finished in the browser that opened it.
      return { authorizationUrl: link.signInUrl, expiresAt: link.expiresAt.toISOString() };
    });

    owner.put(
      '/service-account',
      { schema: { tags: ['google calendar'], summary: 'Use a service account (its JSON key) for the spa calendar (owner)' } },
      async (request) => {
        const spaId = authorisedSpa(request);
        const body = serviceAccountBody.parse(request.body);
        const { clientEmail } = await withHttpErrors(() => oauth.useServiceAccount(spaId, body.calendarId, body.serviceAccountKey));
        return { connected: true, calendarId: body.calendarId, serviceAccount: clientEmail, note: `Share the calendar with ${clientEmail}.` };
      },
    );
  });

  // The owner's browser from here on: no key; the signed cookie set by /authorize is the credential.
  app.get(
    '/oauth/authorize',
    { schema: { tags: ['google calendar'], summary: 'Open the one-time sign-in link in the browser (binds the flow to it)' } },
    async (request, reply) =>
      inBrowser(request, reply, async () => {
        const { ticket } = authorizeQuery.parse(request.query);
        const { authorizationUrl, binding } = await oauth.open(ticket);
        return reply
          .header('set-cookie', bindingCookie(binding, BINDING_MAX_AGE_S, oauth.secureCookies))
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .redirect(authorizationUrl, 302);
      }),
  );

  // Google's redirect back: only in the browser that opened the link, and nothing stored yet.
  app.get('/oauth/callback', { schema: { tags: ['google calendar'], summary: "Google's redirect back (no key)" } }, async (request, reply) =>
    inBrowser(request, reply, async () => {
      const query = callbackQuery.parse(request.query);
      if (query.error || !query.code)
        throw new HttpError(400, 'OAUTH_DENIED', `Google sign-in was not completed (${query.error ?? 'no code'}).`);
      const pending = await oauth.authorize(readCookie(request, BINDING_COOKIE), query.state, query.code);
      return confirmationPage(reply, pending, `${OAUTH_PATH}/confirm`);
    }),
  );

  app.post(
    '/oauth/confirm',
    { schema: { tags: ['google calendar'], summary: 'Confirm connecting the calendar (the confirmation page posts this)' } },
    async (request, reply) =>
      inBrowser(request, reply, async () => {
        const { confirmToken } = confirmBody.parse(request.body);
        const connected = await oauth.confirm(readCookie(request, BINDING_COOKIE), confirmToken);
        reply.header('set-cookie', bindingCookie('', 0, oauth.secureCookies));
        return connectedPage(reply, connected);
      }),
  );
};

/**
 * Our errors as a page for a person in a browser (Accept: text/html), as the usual JSON error for
 * anything else; validation errors and the unexpected go to the one error handler.
 */
async function inBrowser(request: FastifyRequest, reply: FastifyReply, work: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await work();
  } catch (error) {
    const known = error instanceof HttpError ? error : httpErrorFor(error);
    if (!known) throw error;
    if (!request.headers.accept?.includes('text/html')) throw known;
    return errorPage(reply, known.statusCode, known.code, known.message);
  }
}

function bindingCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${BINDING_COOKIE}=${value}`, `Path=${OAUTH_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

export default fp(googleCalendarRoutes, { name: 'google-calendar-routes', dependencies: ['http-services', 'api-docs', 'error-handler'], encapsulate: true });
