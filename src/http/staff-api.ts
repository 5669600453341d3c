import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { hashApiKey } from '../storage/api-key-repository.js';
import type { SpaChangeFeed } from '../storage/spa-change-feed.js';
import { hashSessionToken } from '../storage/staff-session-repository.js';
import { bearerToken, requireStaffAccess } from './auth.js';
import { HttpError } from './errors.js';
import { refuseNulCharacters } from './nul-characters.js';
import { sessionTokenFrom } from './staff/session-cookie.js';
import adminRoutes from './routes/admin.js';
import analyticsRoutes from './routes/analytics.js';
import apiKeyRoutes from './routes/api-keys.js';
import appointmentRoutes from './routes/appointments.js';
import callRoutes from './routes/calls.js';
import conversationRoutes, { type StaffTextHandlers } from './routes/conversations.js';
import customerRoutes from './routes/customers.js';
import inviteAcceptanceRoutes from './routes/invite-acceptance.js';
import inviteRoutes, { type InviteTexts } from './routes/invites.js';
import meRoutes from './routes/me.js';
import peopleRoutes from './routes/people.js';
import auditRoutes from './routes/audit-events.js';
import sessionRoutes from './routes/session.js';
import googleSignInRoutes from './routes/google-sign-in.js';
import type { GoogleSignInProvider } from './staff/google-sign-in.js';
import googleCalendarRoutes, { type GoogleOAuthHandlers } from './routes/google-calendar.js';
import liveEventRoutes from './routes/live-events.js';
import recordingRoutes from './routes/recordings.js';
import type { StaffAppointmentHandlers } from './routes/appointments.js';
import settingsRoutes from './routes/settings.js';
import type { RecordingStorage } from '../storage/recording-store.js';
import staffMessageRoutes from './routes/staff-messages.js';

export type { StaffTextHandlers } from './routes/conversations.js';

export interface StaffApiOptions {
  texts: StaffTextHandlers;
  /** ADMIN_API_KEY: bootstraps a spa's first owner key; unset, the admin routes refuse everyone. */
  adminApiKey: string | undefined;
  /** Where invite links point (the console on PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  /** Texts invite links; undefined when Twilio is not configured. */
  inviteTexts: InviteTexts | undefined;
  /** Connecting a spa's Google Calendar (/google). */
  google: { oauth: GoogleOAuthHandlers; signIn: GoogleSignInProvider | undefined };
  /** What changed in a spa, for the live views (/events). */
  changes: SpaChangeFeed;
  /** Call recordings: played through the API, erased with the patient. */
  recordings: RecordingStorage;
  /** Staff cancelling or moving an appointment (the calendar and the patient's text). */
  appointments: StaffAppointmentHandlers;
}

/** Requests a minute per API key, or per client address for requests that bring none. */
export const REQUESTS_PER_MINUTE = 300;

/**
 * Whose budget a request spends: the key's (its hash, which is the key's identity in `api_keys`,
 * so `bearer KEY`, `Bearer  KEY` and `BEARER KEY` share one), else the session's (its cookie's
 * hash), else the client's address from the trusted proxy. A wrong key gets a budget of its own, but every wrong key also counts against the
 * address (failed-auth-limit.ts), so guessing stops long before.
 */
function rateLimitKey(request: FastifyRequest): string {
  const token = bearerToken(request);
  if (token) return `key:${hashApiKey(token)}`;
  const session = sessionTokenFrom(request, request.server.staffSessions.secureCookie);
  return session ? `session:${hashSessionToken(session)}` : `address:${request.clientAddress}`;
}

/**
 * Everything under /api/v1: zod-validated, NUL-free, rate limited per key (every route, the Google
 * ones included), never cached. Staff routes sit in one scope whose hook checks the credential once
 * (an API key or a person's session cookie; staff unless a route asks for `config.role: 'owner'`),
 * so every one of them is scoped to the caller's spa; sign-in, the admin bootstrap and the Google
 * routes have scopes and checks of their own.
 */
const staffApi: FastifyPluginAsync<StaffApiOptions> = async (api, options) => {
  api.addHook('preValidation', refuseNulCharacters);
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);
  // Patient data: no browser or proxy keeps a copy of any answer.
  api.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('cache-control', 'no-store');
    return payload;
  });
  await api.register(rateLimit, {
    max: REQUESTS_PER_MINUTE,
    timeWindow: '1 minute',
    keyGenerator: rateLimitKey,
    // Thrown by the plugin, so it goes through the one error handler like every other error.
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`),
  });

  await api.register(sessionRoutes);
  await api.register(googleSignInRoutes, { google: options.google.signIn });
  await api.register(inviteAcceptanceRoutes);
  await api.register(async (keyed) => {
    keyed.addHook('preHandler', requireStaffAccess(api.db, 'staff'));
    await keyed.register(meRoutes);
    await keyed.register(peopleRoutes);
    await keyed.register(inviteRoutes, { publicBaseUrl: options.publicBaseUrl, texts: options.inviteTexts });
    await keyed.register(auditRoutes);
    await keyed.register(conversationRoutes, { texts: options.texts, recordings: options.recordings });
    await keyed.register(recordingRoutes, { recordings: options.recordings });
    await keyed.register(customerRoutes);
    await keyed.register(appointmentRoutes, { handlers: options.appointments });
    await keyed.register(staffMessageRoutes);
    await keyed.register(callRoutes);
    await keyed.register(analyticsRoutes);
    await keyed.register(settingsRoutes);
    await keyed.register(apiKeyRoutes);
    await keyed.register(liveEventRoutes, { changes: options.changes });
  });
  await api.register(adminRoutes, { adminApiKey: options.adminApiKey });
  await api.register(googleCalendarRoutes, { prefix: '/google', oauth: options.google.oauth });
};

export default fp(staffApi, {
  name: 'staff-api',
  dependencies: ['http-services', 'access-guards', 'api-docs', 'error-handler'],
  encapsulate: true,
});
