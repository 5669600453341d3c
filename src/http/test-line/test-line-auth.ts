import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestActor, requireStaffAccess } from '../auth.js';
import { HttpError } from '../errors.js';
import type { StaffRole } from '../../storage/schema.js';

/** Who may place a test call: someone of a spa, owner or staff. */
export interface TestLineIdentity {
  spaId: string;
  role: StaffRole;
}

/**
 * A browser opening a WebSocket sends its cookies whatever page opened it, and WebSockets are not
 * subject to CORS (nor to the CSRF header: the upgrade is a GET): only a page of ours (same
 * origin, or the public base URL) may open the test line. Clients that are not browsers send no
 * Origin, and they bring an API key rather than a cookie.
 */
export function refuseForeignOrigin(request: FastifyRequest, publicBaseUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const ours = new Set([new URL(publicBaseUrl).origin, `${request.protocol}://${request.host}`]);
  if (!ours.has(origin)) throw new HttpError(403, 'FORBIDDEN', 'The test line opens only from the console.');
}

/**
 * The one check of who is calling, before the upgrade: the console's session cookie (or a spa's
 * API key, for clients that are not browsers), owner or staff, exactly as for /api/v1, with the
 * same lockout of addresses that keep failing.
 */
export async function testLineIdentity(request: FastifyRequest, reply: FastifyReply): Promise<TestLineIdentity> {
  await requireStaffAccess(request.server.db, 'staff')(request, reply);
  const actor = requestActor(request);
  return { spaId: actor.spaId, role: actor.role };
}
