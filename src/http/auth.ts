import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { findActiveApiKey, type ApiKeyIdentity } from '../storage/api-key-repository.js';
import type { ApiKeyRole, Database } from '../storage/schema.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyIdentity;
  }
}

const ROLE_RANK: Record<ApiKeyRole, number> = { staff: 1, owner: 2 };

/** A preHandler: a valid, unrevoked bearer key with at least `role`. No key → 401; too weak → 403. */
export function requireRole(db: Kysely<Database>, role: ApiKeyRole) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new HttpError(401, 'UNAUTHORIZED', 'An API key is required (Authorization: Bearer <key>).');
    const identity = await findActiveApiKey(db, match[1]);
    if (!identity) throw new HttpError(401, 'UNAUTHORIZED', 'This API key is not valid or has been revoked.');
    if (ROLE_RANK[identity.role] < ROLE_RANK[role]) throw new HttpError(403, 'FORBIDDEN', `This needs an ${role} key.`);
    request.apiKey = identity;
  };
}

/** The caller's spa; a request about another spa is answered as if it did not exist. */
export function authorisedSpa(request: FastifyRequest, spaId?: string): string {
  const identity = request.apiKey;
  if (!identity) throw new HttpError(401, 'UNAUTHORIZED', 'An API key is required.');
  if (spaId !== undefined && spaId !== identity.spaId) throw new HttpError(404, 'NOT_FOUND', 'Not found.');
  return identity.spaId;
}
