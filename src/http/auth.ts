import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { findActiveApiKey, type ApiKeyIdentity } from '../storage/api-key-repository.js';
import type { Database } from '../storage/schema.js';
import { HttpError } from './errors.js';
import { roleAllows, type Actor, type RouteAccess } from './staff/roles.js';
import { authenticateSession } from './staff/session-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for requests made with an API key (kept for code that only knows keys). */
    apiKey?: ApiKeyIdentity;
    /** Who is asking: an API key or a signed-in person; set by `requireStaffAccess`. */
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** The access a route needs ('staff' or 'owner'); the scope's default when left out. */
    role?: RouteAccess;
  }
}

/**
 * The key in `Authorization: Bearer <key>`, however the scheme is spelt (`bearer`, `BEARER`) and
 * however many spaces follow it: one key, whatever the header looks like.
 */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  return (typeof header === 'string' ? /^\s*Bearer\s+(\S+)\s*$/i.exec(header) : null)?.[1];
}

/**
 * Every credential check (API key, admin key, staff sign-in) starts here: an address that has
 * failed too often lately is refused (429) before its credential is looked at.
 */
export async function refuseLockedOutAddress(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const wait = await request.server.failedAuth.lockedOutFor(request.clientAddress);
  if (wait === 0) return;
  void reply.header('retry-after', String(wait));
  throw new HttpError(429, 'RATE_LIMITED', `Too many failed attempts from this address; try again in ${wait} s.`);
}

/** A credential was given and was wrong: it counts against the client's address (before the answer goes). */
export async function countFailedAuth(request: FastifyRequest): Promise<void> {
  await request.server.failedAuth.recordFailure(request.clientAddress);
}

/**
 * The hook a scope of staff routes adds once (as a preHandler, so bad input is a 400 before the
 * credential is looked up). Either credential works, with the same role rules:
 * - `Authorization: Bearer <API key>` (integrations): valid and unrevoked, else 401 (counted
 *   against the address); a bearer header wins over any cookie.
 * - the session cookie (people, the console): a live session, else 401; state-changing requests
 *   must also carry the session's CSRF token in `x-csrf-token`, else 403.
 * Then the route's `config.role` (else `defaultAccess`) must be granted by the role, else 403.
 */
export function requireStaffAccess(db: Kysely<Database>, defaultAccess: RouteAccess) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const access = request.routeOptions.config.role ?? defaultAccess;
    await refuseLockedOutAddress(request, reply);
    const actor = bearerToken(request) ? await authenticateKey(db, request) : await authenticateSession(request);
    if (!roleAllows(actor.role, access)) {
      throw new HttpError(403, 'FORBIDDEN', actor.kind === 'key' ? `This needs an ${access} key.` : `This needs the ${access} role.`);
    }
    request.actor = actor;
  };
}

async function authenticateKey(db: Kysely<Database>, request: FastifyRequest): Promise<Actor> {
  const identity = await findActiveApiKey(db, bearerToken(request) ?? '');
  if (!identity) {
    await countFailedAuth(request);
    throw new HttpError(401, 'UNAUTHORIZED', 'This API key is not valid or has been revoked.');
  }
  request.server.apiKeyUsage.record(identity.keyId, request.log);
  request.apiKey = identity;
  return { kind: 'key', keyId: identity.keyId, spaId: identity.spaId, role: identity.role };
}

/** The hook of the bootstrap routes: the bearer must be ADMIN_API_KEY (none configured → always 401). */
export function requireAdminKey(adminApiKey: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await refuseLockedOutAddress(request, reply);
    const given = bearerToken(request);
    if (adminApiKey && given && timingSafeEqualText(given, adminApiKey)) return;
    if (given) await countFailedAuth(request);
    throw new HttpError(401, 'UNAUTHORIZED', 'The admin key is required.');
  };
}

/** The caller's spa; a request about another spa is answered as if it did not exist. */
export function authorisedSpa(request: FastifyRequest, spaId?: string): string {
  const actor = request.actor;
  if (!actor) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in or use an API key.');
  if (spaId !== undefined && spaId !== actor.spaId) throw new HttpError(404, 'NOT_FOUND', 'Not found.');
  return actor.spaId;
}

/** The caller, for routes behind `requireStaffAccess`. */
export function requestActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in or use an API key.');
  return request.actor;
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
