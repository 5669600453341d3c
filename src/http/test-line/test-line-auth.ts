import type { FastifyRequest } from 'fastify';
import { findActiveApiKey } from '../../storage/api-key-repository.js';
import type { ApiKeyRole } from '../../storage/schema.js';
import { bearerToken, countFailedAuth } from '../auth.js';
import { HttpError } from '../errors.js';

/** Who may place a test call: someone of a spa, owner or staff. */
export interface TestLineIdentity {
  spaId: string;
  role: ApiKeyRole;
}

/**
 * A browser opening a WebSocket sends its cookies whatever page opened it, and WebSockets are not
 * subject to CORS: only a page of ours (same origin, or the public base URL) may open the test
 * line. Clients that are not browsers send no Origin.
 */
export function refuseForeignOrigin(request: FastifyRequest, publicBaseUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const ours = new Set([new URL(publicBaseUrl).origin, `${request.protocol}://${request.host}`]);
  if (!ours.has(origin)) throw new HttpError(403, 'FORBIDDEN', 'The test line opens only from the console.');
}

/**
 * The one check of who is calling, before the upgrade. Today: a spa's API key (owner or staff) in
 * `Authorization: Bearer`, which only non-browser clients can send on a WebSocket; the console's
 * session cookie (issue 18) replaces this lookup when it lands.
 */
export async function testLineIdentity(request: FastifyRequest): Promise<TestLineIdentity> {
  const token = bearerToken(request);
  if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in to the console to use the test line.');
  const identity = await findActiveApiKey(request.server.db, token);
  if (!identity) {
    countFailedAuth(request);
    throw new HttpError(401, 'UNAUTHORIZED', 'This API key is not valid or has been revoked.');
  }
  return { spaId: identity.spaId, role: identity.role };
}
