import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * The staff session cookie: the session's random token, `HttpOnly` (no script reads it),
 * `SameSite=Lax` (not sent on cross-site posts), `Secure` with the `__Host-` prefix when the
 * service is reached over https (no subdomain can set or shadow it), `Path=/`, and a `Max-Age`
 * of the session's absolute lifetime.
 */

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-receptionist_session' : 'receptionist_session';
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${sessionCookieName(secure)}=${token}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** The session token from the request's Cookie header, if it carries one of a plausible shape. */
export function sessionTokenFrom(request: Pick<FastifyRequest, 'headers'>, secure: boolean): string | undefined {
  const name = sessionCookieName(secure);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    const value = part.slice(at + 1).trim();
    return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * The CSRF token of a session: derived from the session's secret token (so it needs no storage
 * and dies with the session), readable by the console through GET /me, and sent back in
 * `x-csrf-token` on every state-changing request. A cross-site page can make the browser send
 * the cookie but can neither read the token nor set the header.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
