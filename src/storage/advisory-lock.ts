import { sql } from 'kysely';
import type { Trx } from './database.js';

/**
 * Transaction-scoped Postgres advisory locks: held until the transaction ends, across every
 * process on the database. Each lock has a named key builder here, so what serialises against
 * what is visible in one place.
 *
 * The key strings are frozen like landed migrations: during a rolling deploy old and new machines
 * must still take the same lock for the same thing.
 */

/** A lock key, built only by `lockKeys`. */
export type AdvisoryLockKey = string & { readonly __brand: 'AdvisoryLockKey' };

const key = (text: string) => text as AdvisoryLockKey;

export const lockKeys = {
  /** Opening a call's conversation: concurrent retries of the same voice webhook queue up. */
  voiceCallOpening: (callSid: string) => key(callSid),
  /** A conversation's timeline (messages and events share one `seq`): every writer of it queues up. */
  conversationTimeline: (conversationId: string) => key(`conversation:${conversationId}`),
  /**
   * A conversation's analysis (usage row, daily roll-up, summary): two runs for one conversation
   * queue up. Timeline writers take `conversationTimeline` instead, so they never wait on an analysis.
   */
  conversationAnalysis: (conversationId: string) => key(`analysis:${conversationId}`),
  /** Finding or starting a patient's text thread: two texts at once land in one thread. */
  smsThread: (spaId: string, customerId: string) => key(`sms-thread:${spaId}:${customerId}`),
};

/** Takes the lock for `lockKey`, waiting for whoever holds it; released when `trx` ends. */
export async function lockFor(trx: Trx, lockKey: AdvisoryLockKey): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(trx);
}
