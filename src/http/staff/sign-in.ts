import type { FastifyReply, FastifyRequest } from 'fastify';
import { findPersonByEmail, normaliseEmail, type PersonCredentials } from '../../storage/people-repository.js';
import { createSession } from '../../storage/staff-session-repository.js';
import { countFailedAuth, refuseLockedOutAddress } from '../auth.js';
import { HttpError } from '../errors.js';
import { spendHashTime, verifyPassword } from './password-hash.js';
import { sessionCookie } from './session-cookie.js';

/** The one answer to a wrong email, a wrong password, a disabled person or one without a password. */
export const WRONG_SIGN_IN = 'The email or password is not right.';

/**
 * Checks an email and password against the limits first (per address, then per email, known or
 * not, so the answers never tell which emails have accounts), then the password itself. Every
 * failure counts against both the address and the email; a success does not clear either.
 */
export async function checkPassword(request: FastifyRequest, reply: FastifyReply, email: string, password: string): Promise<PersonCredentials> {
  await refuseLockedOutAddress(request, reply);
  const account = normaliseEmail(email);
  // Counted against the email before the password is checked, so sign-ins sent at once to several
  // machines cannot all slip past the limit during the hash; a right password takes it back.
  const attempt = await request.server.signInLimit.beginAttempt(account);
  if (attempt.refusedFor > 0) {
    void reply.header('retry-after', String(attempt.refusedFor));
    throw new HttpError(429, 'RATE_LIMITED', `Too many failed sign-ins for this account; try again in ${attempt.refusedFor} s.`);
  }
  // A check that could not run (the database away, hashing too busy: 429) was no guess.
  const { person, matches } = await checkCredentials(request, account, password).catch(async (error: unknown) => {
    await attempt.release().catch(() => undefined);
    throw error;
  });
  if (!person || !matches || person.disabled) {
    await countFailedAuth(request);
    throw new SignInFailed(person ? { id: person.id, spaId: person.spaId } : undefined);
  }
  await attempt.release();
  return person;
}

async function checkCredentials(request: FastifyRequest, account: string, password: string): Promise<{ person: PersonCredentials | undefined; matches: boolean }> {
  const person = await findPersonByEmail(request.server.db, account);
  const matches = person?.passwordHash ? await verifyPassword(password, person.passwordHash) : (await spendHashTime(password), false);
  return { person, matches };
}

/** A failed sign-in; carries the person it was for, if any, for the audit log only. */
export class SignInFailed extends HttpError {
  constructor(readonly person: { id: string; spaId: string } | undefined) {
    super(401, 'INVALID_CREDENTIALS', WRONG_SIGN_IN);
  }
}

/** Starts a session for a person who has proved who they are, and sets its cookie on the reply. */
export async function startSession(request: FastifyRequest, reply: FastifyReply, person: Pick<PersonCredentials, 'id' | 'spaId'>): Promise<string> {
  const { db, clock, staffSessions } = request.server;
  const session = await createSession(
    db,
    { personId: person.id, spaId: person.spaId, userAgent: request.headers['user-agent'], address: request.clientAddress },
    clock(),
    staffSessions,
  );
  void reply.header('set-cookie', sessionCookie(session.token, Math.floor(staffSessions.absoluteMs / 1000), staffSessions.secureCookie));
  return session.id;
}
