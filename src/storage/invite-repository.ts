import { createHash, randomBytes } from 'node:crypto';
import { inTransaction, type Db } from './database.js';
import { normaliseEmail } from './people-repository.js';
import type { StaffRole } from './schema.js';

/**
 * One-time invites: a random token shown once (in a link), stored as its SHA-256. Taking an
 * invite marks it used in the same statement that checks it, so two tabs cannot both take it.
 */

export const INVITE_TTL_MS = 48 * 3_600_000;

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface InviteListing {
  id: string;
  email: string;
  role: StaffRole;
  name: string | null;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  status: 'pending' | 'used' | 'expired' | 'revoked';
}

export async function createInvite(
  db: Db,
  invite: { spaId: string; email: string; role: StaffRole; name?: string | null; invitedBy: string },
  at: Date,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(at.getTime() + INVITE_TTL_MS);
  const row = await db
    .insertInto('staff_invites')
    .values({
      spa_id: invite.spaId,
      email: normaliseEmail(invite.email),
      role: invite.role,
      name: invite.name ?? null,
      token_hash: hashInviteToken(token),
      invited_by: invite.invitedBy,
      expires_at: expiresAt,
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, expiresAt };
}

export interface TakenInvite {
  id: string;
  spaId: string;
  email: string;
  role: StaffRole;
  name: string | null;
}

/**
 * Uses the invite behind `token` if it is pending (not used, revoked or expired), inside `work`'s
 * transaction: when `work` throws (a password refused, say), the invite stays unused.
 */
export async function takeInvite<T>(db: Db, token: string, at: Date, work: (trx: Db, invite: TakenInvite) => Promise<T & { personId: string }>): Promise<T | undefined> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('staff_invites')
      .set({ used_at: at })
      .where('token_hash', '=', hashInviteToken(token))
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .returning(['id', 'spa_id', 'email', 'role', 'name'])
      .executeTakeFirst();
    if (!row) return undefined;
    const result = await work(trx, { id: row.id, spaId: row.spa_id, email: row.email, role: row.role, name: row.name });
    await trx.updateTable('staff_invites').set({ person_id: result.personId }).where('id', '=', row.id).execute();
    return result;
  });
}

/**
 * Google sign-in by an invited person who has no account yet: takes the pending invite for this
 * email inside `work`'s transaction, as `takeInvite` does with a token. Undefined when there is
 * none, and when pending invites from more than one spa name the email (the link decides then).
 */
export async function takeInviteForEmail<T>(db: Db, email: string, at: Date, work: (trx: Db, invite: TakenInvite) => Promise<T & { personId: string }>): Promise<T | undefined> {
  return inTransaction(db, async (trx) => {
    const pending = await trx
      .selectFrom('staff_invites')
      .select(['id', 'spa_id'])
      .where('email', '=', normaliseEmail(email))
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .orderBy('created_at', 'desc')
      .forUpdate()
      .execute();
    const newest = pending[0];
    if (!newest || pending.some((invite) => invite.spa_id !== newest.spa_id)) return undefined;
    const row = await trx
      .updateTable('staff_invites')
      .set({ used_at: at })
      .where('id', '=', newest.id)
      .where('used_at', 'is', null)
      .returning(['id', 'spa_id', 'email', 'role', 'name'])
      .executeTakeFirst();
    if (!row) return undefined;
    const result = await work(trx, { id: row.id, spaId: row.spa_id, email: row.email, role: row.role, name: row.name });
    await trx.updateTable('staff_invites').set({ person_id: result.personId }).where('id', '=', row.id).execute();
    return result;
  });
}

export async function revokeInvite(db: Db, spaId: string, inviteId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('staff_invites')
    .set({ revoked_at: at })
    .where('spa_id', '=', spaId)
    .where('id', '=', inviteId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listInvites(db: Db, spaId: string, at: Date): Promise<InviteListing[]> {
  const rows = await db
    .selectFrom('staff_invites')
    .select(['id', 'email', 'role', 'name', 'invited_by', 'created_at', 'expires_at', 'used_at', 'revoked_at'])
    .where('spa_id', '=', spaId)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    role: row.role,
    name: row.name,
    invitedBy: row.invited_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    status: row.used_at ? 'used' : row.revoked_at ? 'revoked' : row.expires_at <= at ? 'expired' : 'pending',
  }));
}
