import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../config/clock.js';
import { recordApiKeyUse } from '../storage/api-key-repository.js';
import type { Db } from '../storage/database.js';

/** `lastUsedAt` is this precise: one write per key per minute (per machine), not one per request. */
export const KEY_USE_PRECISION_MS = 60_000;

/**
 * Keeps each API key's `lastUsedAt` about right without a write per request: a key's use is
 * written when this machine has not written it for a minute. The write is off the request's path;
 * a failure only costs the timestamp.
 */
export class ApiKeyUsage {
  private readonly lastWritten = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  record(keyId: string, log: FastifyBaseLogger): void {
    const at = this.clock();
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && Math.abs(at.getTime() - last) < KEY_USE_PRECISION_MS) return;
    this.lastWritten.set(keyId, at.getTime());
    const write = recordApiKeyUse(this.db, keyId, at)
      .catch((error: unknown) => log.debug({ err: error }, 'could not record when an API key was last used'))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once the writes under way have settled. */
  async written(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
