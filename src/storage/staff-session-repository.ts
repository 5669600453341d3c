import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import type { StaffRole } from './schema.js';

/**
 * Server-side staff sessions. The browser holds a random token; only its SHA-256 is stored (a
 * long random secret, like an API key). A session ends when revoked, when idle longer than the
 * idle timeout, at its absolute expiry, or when its person is disabled.
 */

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

export interface SessionIdentity {
  sessionId: string;
  personId: string;
  spaId: string;
  role: StaffRole;
  email: string;
  lastUsedAt: Date;
}

export async function createSession(
  db: Db,
  session: { personId: string; spaId: string; userAgent: string | undefined; address: string },
  at: Date,
  lifetimes: SessionLifetimes,
): Promise<{ id: string; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('staff_sessions')
    .values({
      token_hash: hashSessionToken(token),
      person_id: session.personId,
      spa_id: session.spaId,
      user_agent: session.userAgent?.slice(0, 300) ?? null,
      address: session.address,
      created_at: at,
      last_used_at: at,
      expires_at: new Date(at.getTime() + lifetimes.absoluteMs),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** The live session behind `token`: unrevoked, not idle too long, not expired, its person enabled. */
export async function findLiveSession(db: Db, token: string, at: Date, idleMs: number): Promise<SessionIdentity | undefined> {
  const row = await db
    .selectFrom('staff_sessions as s')
    .innerJoin('people as p', 'p.id', 's.person_id')
    .select(['s.id', 's.person_id', 's.spa_id', 's.last_used_at', 'p.role', 'p.email'])
    .where('s.token_hash', '=', hashSessionToken(token))
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', at)
    .where('s.last_used_at', '>', new Date(at.getTime() - idleMs))
    .where('p.disabled_at', 'is', null)
    .executeTakeFirst();
  return row
    ? { sessionId: row.id, personId: row.person_id, spaId: row.spa_id, role: row.role, email: row.email, lastUsedAt: row.last_used_at }
    : undefined;
}

/** Whether a token names a session at all (ended or not): a stale cookie is not a guess. */
export async function sessionExists(db: Db, token: string): Promise<boolean> {
  const row = await db.selectFrom('staff_sessions').select('id').where('token_hash', '=', hashSessionToken(token)).executeTakeFirst();
  return row !== undefined;
}

export async function touchSession(db: Db, sessionId: string, at: Date): Promise<void> {
  await db.updateTable('staff_sessions').set({ last_used_at: at }).where('id', '=', sessionId).where('last_used_at', '<', at).execute();
}

/** Ends a session (only if it is `personId`'s, when given); false when there is no such session in force. */
export async function revokeSession(db: Db, spaId: string, sessionId: string, at: Date, personId?: string): Promise<boolean> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('spa_id', '=', spaId)
    .where('id', '=', sessionId)
    .$if(personId !== undefined, (q) => q.where('person_id', '=', personId as string))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function revokeSessionsOf(db: Db, spaId: string, personId: string, at: Date): Promise<number> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('spa_id', '=', spaId)
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface SessionListing {
  id: string;
  userAgent: string | null;
  address: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

/** A person's sessions still in force, most recently used first. */
export async function listLiveSessions(db: Db, spaId: string, personId: string, at: Date, idleMs: number): Promise<SessionListing[]> {
  const rows = await db
    .selectFrom('staff_sessions')
    .select(['id', 'user_agent', 'address', 'created_at', 'last_used_at', 'expires_at'])
    .where('spa_id', '=', spaId)
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .where('last_used_at', '>', new Date(at.getTime() - idleMs))
    .orderBy('last_used_at', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    userAgent: row.user_agent,
    address: row.address,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  }));
}
