import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * Failed authentications counted in Postgres, so every machine behind the one address shares a
 * budget and a restart forgets nothing. A counter is keyed by a SHA-256 of its kind and key (an
 * email, a client address): the raw value is never stored. A counter's window starts at its first
 * failure; a failure after the window has ended starts a new one.
 */

/** What a counter counts failures of. */
export type AuthFailureKind = 'address' | 'email';

export interface AuthFailureWindow {
  failures: number;
  windowEndsAt: Date;
}

function counterKey(kind: AuthFailureKind, key: string): string {
  return createHash('sha256').update(`${kind}\n${key}`).digest('hex');
}

/**
 * Counts one failure and returns the window it now stands at. One statement: concurrent failures
 * on several machines queue on the row, each adds one, and the first one after the window has
 * ended starts the next window at 1.
 */
export async function countAuthFailure(db: Db, kind: AuthFailureKind, key: string, now: Date, windowMs: number): Promise<AuthFailureWindow> {
  const row = await db
    .insertInto('auth_failure_counters')
    .values({ key_hash: counterKey(kind, key), failures: 1, window_started_at: now, window_ends_at: new Date(now.getTime() + windowMs) })
    .onConflict((oc) =>
      oc.column('key_hash').doUpdateSet({
        failures: sql<number>`case when auth_failure_counters.window_ends_at <= excluded.window_started_at then 1 else auth_failure_counters.failures + 1 end`,
        window_started_at: sql<Date>`case when auth_failure_counters.window_ends_at <= excluded.window_started_at then excluded.window_started_at else auth_failure_counters.window_started_at end`,
        window_ends_at: sql<Date>`case when auth_failure_counters.window_ends_at <= excluded.window_started_at then excluded.window_ends_at else auth_failure_counters.window_ends_at end`,
      }),
    )
    .returning(['failures', 'window_ends_at'])
    .executeTakeFirstOrThrow();
  return { failures: row.failures, windowEndsAt: row.window_ends_at };
}

/** The counter's window if it is still running at `now` (a primary-key read); none otherwise. */
export async function currentAuthFailures(db: Db, kind: AuthFailureKind, key: string, now: Date): Promise<AuthFailureWindow | undefined> {
  const row = await db
    .selectFrom('auth_failure_counters')
    .select(['failures', 'window_ends_at'])
    .where('key_hash', '=', counterKey(kind, key))
    .where('window_ends_at', '>', now)
    .executeTakeFirst();
  return row ? { failures: row.failures, windowEndsAt: row.window_ends_at } : undefined;
}

/** Deletes the counters whose window ended before `now`; returns how many. */
export async function deleteEndedAuthFailures(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('auth_failure_counters').where('window_ends_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Takes back one failure counted in advance (an attempt counted before it was checked, which then
 * succeeded); only in the window it was counted in, so a new window is never lowered.
 */
export async function uncountAuthFailure(db: Db, kind: AuthFailureKind, key: string, window: AuthFailureWindow): Promise<void> {
  await db
    .updateTable('auth_failure_counters')
    .set({ failures: sql<number>`greatest(failures - 1, 0)` })
    .where('key_hash', '=', counterKey(kind, key))
    .where('window_ends_at', '=', window.windowEndsAt)
    .execute();
}
