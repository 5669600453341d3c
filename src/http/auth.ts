import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { findActiveApiKey, type ApiKeyIdentity } from '../storage/api-key-repository.js';
import type { ApiKeyRole, Database } from '../storage/schema.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyIdentity;
  }
  interface FastifyContextConfig {
    /** The weakest API-key role a route accepts; the scope's default when left out. */
    role?: ApiKeyRole;
  }
}

const ROLE_RANK: Record<ApiKeyRole, number> = { staff: 1, owner: 2 };

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
export function refuseLockedOutAddress(request: FastifyRequest, reply: FastifyReply): void {
  const wait = request.server.failedAuth.lockedOutFor(request.clientAddress);
  if (wait === 0) return;
  void reply.header('retry-after', String(wait));
  throw new HttpError(429, 'RATE_LIMITED', `Too many failed attempts from this address; try again in ${wait} s.`);
}

/** A credential was given and was wrong: it counts against the client's address. */
export function countFailedAuth(request: FastifyRequest): void {
  request.server.failedAuth.recordFailure(request.clientAddress);
}

/**
 * The hook a scope of keyed routes adds once (as a preHandler, so bad input is a 400 before the key
 * is looked up): a valid, unrevoked bearer key with at least the route's `config.role`, else
 * `defaultRole`. No key → 401; a wrong one → 401, counted against the address; too weak → 403.
 */
export function requireApiKey(db: Kysely<Database>, defaultRole: ApiKeyRole) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const role = request.routeOptions.config.role ?? defaultRole;
    refuseLockedOutAddress(request, reply);
    const token = bearerToken(request);
    if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'An API key is required (Authorization: Bearer <key>).');
    const identity = await findActiveApiKey(db, token);
    if (!identity) {
      countFailedAuth(request);
      throw new HttpError(401, 'UNAUTHORIZED', 'This API key is not valid or has been revoked.');
    }
    request.server.apiKeyUsage.record(identity.keyId, request.log);
    if (ROLE_RANK[identity.role] < ROLE_RANK[role]) throw new HttpError(403, 'FORBIDDEN', `This needs an ${role} key.`);
    request.apiKey = identity;
  };
}

/** The hook of the bootstrap routes: the bearer must be ADMIN_API_KEY (none configured → always 401). */
export function requireAdminKey(adminApiKey: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    refuseLockedOutAddress(request, reply);
    const given = bearerToken(request);
    if (adminApiKey && given && timingSafeEqualText(given, adminApiKey)) return;
    if (given) countFailedAuth(request);
    throw new HttpError(401, 'UNAUTHORIZED', 'The admin key is required.');
  };
}

/** The caller's spa; a request about another spa is answered as if it did not exist. */
export function authorisedSpa(request: FastifyRequest, spaId?: string): string {
  const identity = request.apiKey;
  if (!identity) throw new HttpError(401, 'UNAUTHORIZED', 'An API key is required.');
  if (spaId !== undefined && spaId !== identity.spaId) throw new HttpError(404, 'NOT_FOUND', 'Not found.');
  return identity.spaId;
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
