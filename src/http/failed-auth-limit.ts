import type { Clock } from '../config/clock.js';
import { countAuthFailure, currentAuthFailures, uncountAuthFailure, type AuthFailureKind } from '../storage/auth-failure-repository.js';
import type { Db } from '../storage/database.js';

/**
 * Failed authentication per key of one kind: per client address (a wrong admin key, a wrong or
 * revoked API key, an unknown session cookie, a wrong staff password, a failed Google sign-in) or
 * per email (wrong passwords). Once a key has failed `maxFailures` times within `windowMs` of its
 * first failure, every attempt with it is refused until the window ends, a right credential
 * included: otherwise the answer to a guess would still tell a right one from a wrong one.
 * Success never clears the count, so a holder of one valid key cannot keep guessing another by
 * interleaving it, and an email's budget is the same 5 a window whoever signs in meanwhile.
 *
 * The counters live in Postgres (storage/auth-failure-repository.ts), so every machine behind the
 * one address shares them and a restart forgets nothing; time is the app's clock.
 */

export interface FailedAuthLimits {
  maxFailures: number;
  windowMs: number;
}

export interface FailedAuthLimitOptions extends FailedAuthLimits {
  db: Db;
  clock: Clock;
  kind: AuthFailureKind;
}

/** An attempt counted before its credential is checked (see `FailedAuthLimit.beginAttempt`). */
export interface CountedAttempt {
  /** Seconds until the key may try again; 0: this attempt may go ahead. */
  refusedFor: number;
  /** The attempt was no failure (the credential was right, or was never checked): its count is taken back. */
  release(): Promise<void>;
}

export const FAILED_AUTH_LIMIT: FailedAuthLimits = { maxFailures: 10, windowMs: 15 * 60_000 };

export class FailedAuthLimit {
  constructor(private readonly options: FailedAuthLimitOptions) {}

  /** Seconds until `key` may try again; 0 when it may now. One primary-key read. */
  async lockedOutFor(key: string): Promise<number> {
    const now = this.options.clock();
    const window = await currentAuthFailures(this.options.db, this.options.kind, key, now);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.windowEndsAt.getTime() - now.getTime()) / 1000));
  }

  /** Counts a failure against `key`, on every machine at once. */
  async recordFailure(key: string): Promise<void> {
    await countAuthFailure(this.options.db, this.options.kind, key, this.options.clock(), this.options.windowMs);
  }

  /**
   * Counts the attempt as a failure before its credential is checked, and refuses it if that puts
   * the key over the limit. For slow checks (a password hash): attempts arriving together on
   * several machines cannot all pass a check made before any of them has failed, so the limit
   * holds however many are sent at once. A right credential takes its count back.
   */
  async beginAttempt(key: string): Promise<CountedAttempt> {
    const { db, kind, clock, windowMs, maxFailures } = this.options;
    const now = clock();
    const window = await countAuthFailure(db, kind, key, now, windowMs);
    if (window.failures > maxFailures) {
      const refusedFor = Math.max(1, Math.ceil((window.windowEndsAt.getTime() - now.getTime()) / 1000));
      return { refusedFor, release: async () => {} };
    }
    return { refusedFor: 0, release: () => uncountAuthFailure(db, kind, key, window) };
  }
}
