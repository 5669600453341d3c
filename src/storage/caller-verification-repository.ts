import { inTransaction, type Db } from './database.js';

/**
 * One-time codes that let a caller on another number prove they hold the patient's phone. Rows
 * belong to a conversation and the patient the code was texted to; only a hash of the code is kept.
 */

export interface NewVerificationCode {
  spaId: string;
  conversationId: string;
  customerId: string;
  codeHash: string;
  createdAt: Date;
  expiresAt: Date;
}

export async function saveVerificationCode(db: Db, code: NewVerificationCode): Promise<string> {
  const row = await db
    .insertInto('caller_verifications')
    .values({
      spa_id: code.spaId,
      conversation_id: code.conversationId,
      customer_id: code.customerId,
      code_hash: code.codeHash,
      created_at: code.createdAt,
      expires_at: code.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A code whose text never went out is forgotten, so it neither counts nor can be guessed. */
export async function discardVerificationCode(db: Db, id: string): Promise<void> {
  await db.deleteFrom('caller_verifications').where('id', '=', id).execute();
}

/** The conversation has proved, by a code read back, that the caller holds this patient's phone. */
export async function isCustomerVerified(db: Db, conversationId: string, customerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('caller_verifications')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('customer_id', '=', customerId)
    .where('verified_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Codes sent and wrong codes tried so far in a conversation, for its limits. */
export async function verificationTally(db: Db, conversationId: string): Promise<{ codesSent: number; failedAttempts: number }> {
  const row = await db
    .selectFrom('caller_verifications')
    .select((eb) => [eb.fn.countAll<string>().as('sent'), eb.fn.coalesce(eb.fn.sum<string>('failed_attempts'), eb.lit(0)).as('failed')])
    .where('conversation_id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return { codesSent: Number(row.sent), failedAttempts: Number(row.failed) };
}

export type CodeCheck =
  | { status: 'verified'; customerId: string }
  /** A wrong code; with no attempts left the conversation is now locked. */
  | { status: 'incorrect'; customerId: string; attemptsLeft: number }
  | { status: 'locked' }
  | { status: 'expired'; customerId: string }
  | { status: 'none' };

/**
 * Checks a code read back against the conversation's live codes. The conversation's rows are
 * locked meanwhile, so tries made at the same moment are counted one after the other; once
 * `maxFailures` wrong codes have been tried, nothing more is checked in that conversation.
 */
export async function checkVerificationCode(
  db: Db,
  conversationId: string,
  options: { now: Date; maxFailures: number; matches: (codeHash: string) => Promise<boolean> },
): Promise<CodeCheck> {
  return inTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('caller_verifications')
      .select(['id', 'customer_id', 'code_hash', 'expires_at', 'failed_attempts', 'verified_at'])
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at', 'desc')
      .forUpdate()
      .execute();
    const failed = rows.reduce((sum, r) => sum + r.failed_attempts, 0);
    if (failed >= options.maxFailures) return { status: 'locked' };
    const open = rows.filter((r) => r.verified_at === null);
    const live = open.filter((r) => r.expires_at.getTime() > options.now.getTime());
    const latest = live[0];
    if (!latest) return open[0] ? { status: 'expired', customerId: open[0].customer_id } : { status: 'none' };
    for (const row of live) {
      if (await options.matches(row.code_hash)) {
        await trx.updateTable('caller_verifications').set({ verified_at: options.now }).where('id', '=', row.id).execute();
        return { status: 'verified', customerId: row.customer_id };
      }
    }
    await trx
      .updateTable('caller_verifications')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', latest.id)
      .execute();
    return { status: 'incorrect', customerId: latest.customer_id, attemptsLeft: options.maxFailures - failed - 1 };
  });
}
