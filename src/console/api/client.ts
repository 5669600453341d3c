import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };

/**
 * The one client for /api/v1, typed from the service's own OpenAPI document (schema.d.ts is
 * generated from it): a route that changes breaks the console's typecheck. It sends the session
 * cookie, and the CSRF token on every request that changes something.
 */

let csrfToken: string | undefined;
let onSignedOut: (() => void) | undefined;

export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** What happens when the API says the session is over (401): back to the sign-in page. */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/session')) onSignedOut?.();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(session);

/** The API's error shape, `{error: {code, message}}`, as a thrown Error the pages show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Whatever else the error said beside code and message (e.g. `alternatives` when a time is taken). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The data of an answer, or an ApiError with the API's message. */
export function dataOf<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  throw apiErrorOf(result);
}

/** For an answer with no body (204): nothing to return, the same error when it was refused. */
export function okOf(result: { error?: unknown; response: Response }): void {
  if (!result.response.ok) throw apiErrorOf(result);
}

function apiErrorOf(result: { error?: unknown; response: Response }): ApiError {
  const body = result.error as { error?: { code?: string; message?: string } & Record<string, unknown> } | undefined;
  const { code, message, ...details } = body?.error ?? {};
  return new ApiError(
    result.response.status,
    code ?? `HTTP_${result.response.status}`,
    message ?? `The server answered ${result.response.status}.`,
    details,
  );
}
