import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { authorisedSpa, requireApiKey } from '../auth.js';
import { withHttpErrors } from '../domain-errors.js';
import { HttpError } from '../errors.js';
import { refuseNulCharacters } from '../nul-characters.js';

/**
 * /api/v1/google: connecting the spa's Google Calendar. GET /oauth/start (owner key) answers with
 * the Google consent URL to open; Google sends the owner back to /oauth/callback (no key) with
 * `code` and our one-time `state`. Or an owner hands in a service account's key.
 */

export interface GoogleOAuthHandlers {
  start(spaId: string, calendarId: string): Promise<string>;
  complete(state: string, code: string): Promise<{ spaId: string; calendarId: string }>;
  useServiceAccount(spaId: string, calendarId: string, keyJson: string): Promise<{ clientEmail: string }>;
}

const serviceAccountBody = z.object({
  calendarId: z.string().min(1).max(300),
  /** The JSON key file's contents, as text. */
  serviceAccountKey: z.string().min(20).max(10_000),
});

const startQuery = z.object({ calendarId: z.string().min(1).max(300).default('primary') });
const callbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
});

const googleCalendarRoutes: FastifyPluginAsync<{ oauth: GoogleOAuthHandlers }> = async (app, { oauth }) => {
  app.addHook('preValidation', refuseNulCharacters);

  // The owner's side: an owner key, checked once for the scope.
  await app.register(async (owner) => {
    owner.addHook('preHandler', requireApiKey(app.db, 'owner'));

    owner.get('/oauth/start', { schema: { tags: ['google calendar'], summary: 'Start connecting Google Calendar (owner)' } }, async (request) => {
      const spaId = authorisedSpa(request);
      const { calendarId } = startQuery.parse(request.query);
      return { authorizationUrl: await withHttpErrors(() => oauth.start(spaId, calendarId)) };
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

  // Google's redirect back: the one-time state is the credential.
  app.get('/oauth/callback', { schema: { tags: ['google calendar'], summary: "Google's redirect back (no key)" } }, async (request, reply) => {
    const query = callbackQuery.parse(request.query);
    if (query.error || !query.code)
      throw new HttpError(400, 'OAUTH_DENIED', `Google sign-in was not completed (${query.error ?? 'no code'}).`);
    const { code } = query;
    const result = await withHttpErrors(() => oauth.complete(query.state, code));
    return reply.type('text/html').send(
      `<!doctype html><title>Calendar connected</title><p>Google Calendar <b>${escapeHtml(result.calendarId)}</b> is now connected. You can close this page.</p>`,
    );
  });
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default fp(googleCalendarRoutes, { name: 'google-calendar-routes', dependencies: ['http-services', 'api-docs', 'error-handler'], encapsulate: true });
