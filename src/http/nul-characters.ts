import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * Postgres text cannot hold U+0000: a NUL that reached a query would fail there as a 500. Requests
 * that carry one anywhere (path, query, body, keys included) are refused up front instead.
 */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item, depth + 1));
}

/** A preValidation hook: 400 for a request with a NUL character in its params, query or body. */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body))
    throw new HttpError(400, 'VALIDATION_FAILED', 'Text may not contain NUL characters (U+0000).');
}
