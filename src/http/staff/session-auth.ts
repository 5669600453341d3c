import type { FastifyRequest } from 'fastify';
import { findLiveSession, sessionExists, touchSession } from '../../storage/staff-session-repository.js';
import { HttpError } from '../errors.js';
import type { Actor } from './roles.js';
import { csrfTokenMatches, sessionTokenFrom } from './session-cookie.js';

/** `last_used_at` is written at most this often per session (idle timeouts are hours long). */
const TOUCH_EVERY_MS = 60_000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A person by their session cookie: the session must be live now (looked up on every request,
 * so a revocation or a disabled person takes effect on the next one), and a state-changing
 * request must carry the session's CSRF token.
 */
export async function authenticateSession(request: FastifyRequest): Promise<Actor> {
  const { db, clock, staffSessions } = request.server;
  const token = sessionTokenFrom(request, staffSessions.secureCookie);
  if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in (POST /api/v1/session) or use an API key (Authorization: Bearer <key>).');
  const now = clock();
  const session = await findLiveSession(db, token, now, staffSessions.idleMs);
  if (!session) {
    // A cookie of a session that once was (signed out, revoked, timed out) is no guess; an unknown one is.
    if (!(await sessionExists(db, token))) await request.server.failedAuth.recordFailure(request.clientAddress);
    throw new HttpError(401, 'SESSION_ENDED', 'Your session has ended; sign in again.');
  }
  if (!SAFE_METHODS.has(request.method) && !csrfTokenMatches(token, request.headers['x-csrf-token'])) {
    throw new HttpError(403, 'CSRF_TOKEN_INVALID', 'Send the CSRF token from GET /api/v1/me in the x-csrf-token header.');
  }
  if (now.getTime() - session.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
    await touchSession(db, session.sessionId, now).catch((error: unknown) => request.log.warn({ err: error }, 'could not note session use'));
  }
  return { kind: 'person', personId: session.personId, sessionId: session.sessionId, spaId: session.spaId, role: session.role, email: session.email };
}
