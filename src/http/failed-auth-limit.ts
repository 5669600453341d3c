/**
 * Failed authentication per client address: a wrong admin key, a wrong or revoked API key, and
 * (when it comes) a wrong staff password all count against the address they came from. Once an
 * address has failed `maxFailures` times within `windowMs` of its first failure, every attempt
 * from it is refused until the window ends, a right credential included: otherwise the answer to
 * a guess would still tell a right one from a wrong one. Success never clears the count, so a
 * holder of one valid key cannot keep guessing another by interleaving it.
 *
 * In memory, per machine: a client spread over N machines gets N budgets, still nowhere near
 * enough to guess a key.
 */

export interface FailedAuthLimitOptions {
  maxFailures: number;
  windowMs: number;
  /** Milliseconds; tests move it. */
  now?: () => number;
}

export const FAILED_AUTH_LIMIT: Pick<FailedAuthLimitOptions, 'maxFailures' | 'windowMs'> = { maxFailures: 10, windowMs: 15 * 60_000 };

/** Addresses tracked at most; beyond it expired ones are dropped, then the oldest. */
const MAX_TRACKED_ADDRESSES = 50_000;

interface Failures {
  count: number;
  resetAt: number;
}

export class FailedAuthLimit {
  private readonly failures = new Map<string, Failures>();
  private readonly now: () => number;

  constructor(private readonly options: FailedAuthLimitOptions = FAILED_AUTH_LIMIT) {
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `address` may try again; 0 when it may now. */
  lockedOutFor(address: string): number {
    const entry = this.current(address);
    if (!entry || entry.count < this.options.maxFailures) return 0;
    return Math.max(1, Math.ceil((entry.resetAt - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const entry = this.current(address);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.prune();
    this.failures.set(address, { count: 1, resetAt: this.now() + this.options.windowMs });
  }

  private current(address: string): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry && entry.resetAt <= this.now()) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }

  private prune(): void {
    const now = this.now();
    for (const [address, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(address);
    // Still full: the oldest windows go first (a Map iterates in insertion order).
    for (const address of this.failures.keys()) {
      if (this.failures.size < MAX_TRACKED_ADDRESSES) break;
      this.failures.delete(address);
    }
  }
}
