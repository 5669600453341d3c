import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../storage/schema.js';
import { authorisedSpa, requireRole } from './auth.js';
import { HttpError } from './errors.js';
import { refuseNulCharacters } from './nul-characters.js';

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

/** Maps the OAuth flow's own errors to HTTP; other errors stay 500s. */
export type OAuthErrorMapper = (error: unknown) => HttpError | undefined;

const startQuery = z.object({ calendarId: z.string().min(1).max(300).default('primary') });
const callbackQuery = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
});

/**
 * GET /api/v1/google/oauth/start (owner key) answers with the Google consent URL to open;
 * Google sends the owner back to /callback with `code` and our one-time `state`.
 */
export function registerGoogleOAuthRoutes(
  app: FastifyInstance,
  options: { db: Kysely<Database>; handlers: GoogleOAuthHandlers; mapError: OAuthErrorMapper },
): void {
  const { handlers, mapError } = options;
  const mapped = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw mapError(error) ?? error;
    }
  };

  app.get(
    '/api/v1/google/oauth/start',
    {
      preValidation: refuseNulCharacters,
      preHandler: requireRole(options.db, 'owner'),
      schema: { tags: ['google calendar'], summary: 'Start connecting Google Calendar (owner)' },
    },
    async (request) => {
    const spaId = authorisedSpa(request);
    const { calendarId } = startQuery.parse(request.query);
    return { authorizationUrl: await mapped(() => handlers.start(spaId, calendarId)) };
    },
  );

  app.put(
    '/api/v1/google/service-account',
    {
      preValidation: refuseNulCharacters,
      preHandler: requireRole(options.db, 'owner'),
      schema: { tags: ['google calendar'], summary: 'Use a service account (its JSON key) for the spa calendar (owner)' },
    },
    async (request) => {
      const spaId = authorisedSpa(request);
      const body = serviceAccountBody.parse(request.body);
      const { clientEmail } = await mapped(() => handlers.useServiceAccount(spaId, body.calendarId, body.serviceAccountKey));
      return { connected: true, calendarId: body.calendarId, serviceAccount: clientEmail, note: `Share the calendar with ${clientEmail}.` };
    },
  );

  app.get('/api/v1/google/oauth/callback', { preValidation: refuseNulCharacters, schema: { tags: ['google calendar'], summary: "Google's redirect back (no key)" } }, async (request, reply) => {
    const query = callbackQuery.parse(request.query);
    if (query.error || !query.code)
      throw new HttpError(400, 'OAUTH_DENIED', `Google sign-in was not completed (${query.error ?? 'no code'}).`);
    const { code } = query;
    const result = await mapped(() => handlers.complete(query.state, code));
    return reply.type('text/html').send(
      `<!doctype html><title>Calendar connected</title><p>Google Calendar <b>${escapeHtml(result.calendarId)}</b> is now connected. You can close this page.</p>`,
    );
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
