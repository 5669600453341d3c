import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/http/staff/password-hash.js';
import type { Db } from '../../src/storage/database.js';
import { upsertPerson } from '../../src/storage/people-repository.js';
import type { StaffRole } from '../../src/storage/schema.js';

/** People and signed-in browsers for tests, made the way the product makes them. */

export const GOOD_PASSWORD = 'lilac-harbour-tram-42';

export async function addPerson(db: Db, spaId: string, email: string, role: StaffRole, password = GOOD_PASSWORD) {
  return upsertPerson(db, { spaId, email, role, passwordHash: await hashPassword(password) }, new Date('2026-11-01T00:00:00Z'));
}

export interface SignedIn {
  /** The Cookie header a browser would send back. */
  cookie: string;
  csrf: string;
  /** The Set-Cookie header as received. */
  setCookie: string;
}

/** Signs in over HTTP and reads the CSRF token from GET /me, as the console does. */
export async function signIn(app: FastifyInstance, email: string, password = GOOD_PASSWORD): Promise<SignedIn> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
  if (response.statusCode !== 204) throw new Error(`sign-in for ${email} answered ${response.statusCode}: ${response.body}`);
  const setCookie = String(response.headers['set-cookie']);
  const cookie = setCookie.split(';')[0] ?? '';
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
  return { cookie, csrf: String(me.json<{ csrfToken: string }>().csrfToken), setCookie };
}
