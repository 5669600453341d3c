import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { clientAddress, type ClientAddressPolicy } from './client-address.js';

/** A hostile path is logged, but not a megabyte of it. */
const MAX_LOGGED_PATH = 200;

export interface RequestLogFields {
  method: string | undefined;
  /** The route's pattern (`/api/v1/customers/:id`); absent when no route matched. */
  route?: string;
  /** The path without the query string: searches carry patients' numbers and names, Google's callback a code. */
  path: string;
  /** From the trusted proxy only (see client-address.ts), never a header the client chose. */
  remoteAddress: string | undefined;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

function isFastifyRequest(request: FastifyRequest | IncomingMessage): request is FastifyRequest {
  return 'raw' in request;
}

/**
 * The `req` serializer of the service's request logs ("incoming request"), replacing Fastify's,
 * which logs the full URL and the address X-Forwarded-For claims.
 */
export function requestLogSerializer(policy: ClientAddressPolicy): (request: FastifyRequest | IncomingMessage) => RequestLogFields {
  return (request) => {
    if (!isFastifyRequest(request))
      return { method: request.method, path: pathOf(request.url), remoteAddress: request.socket.remoteAddress };
    const route = request.routeOptions.url;
    return {
      method: request.method,
      ...(route ? { route } : {}),
      path: pathOf(request.url),
      remoteAddress: clientAddress(request, policy),
    };
  };
}
