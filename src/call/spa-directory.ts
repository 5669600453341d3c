import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { describeError, isConnectivityError, withDeadline } from '../storage/connectivity.js';
import { spaPhoneNumbers } from '../storage/call-lookups.js';
import { DatabaseUnavailableError } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { findSpaIdByPhone, loadSpaProfile, type SpaProfile } from '../storage/spa-repository.js';

/** A read that takes longer than this is treated as the database being away. */
export const CALL_READ_DEADLINE_MS = 2_000;

/**
 * Which spa answers a number, and what the receptionist knows about it: read from the database on
 * every call (so settings changes apply from the next call), and remembered, so that a call still
 * connects with the spa as last seen when the database cannot be reached. Warmed at start.
 */
export class SpaDirectory {
  private readonly spaByNumber = new Map<string, string>();
  private readonly profiles = new Map<string, SpaProfile>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly deadlineMs = CALL_READ_DEADLINE_MS,
  ) {}

  /** Loads every spa's numbers and profile. Returns how many spas it knows. */
  async warm(): Promise<number> {
    const numbers = await spaPhoneNumbers(this.db);
    for (const { phone, spaId } of numbers) this.spaByNumber.set(phone, spaId);
    for (const spaId of new Set(numbers.map((n) => n.spaId))) {
      const profile = await loadSpaProfile(this.db, spaId);
      if (profile) this.profiles.set(spaId, profile);
    }
    return this.profiles.size;
  }

  /** The spa answering on `phone`; undefined when none does. */
  async spaIdForNumber(phone: string): Promise<string | undefined> {
    return this.read(
      async () => {
        const spaId = await findSpaIdByPhone(this.db, phone);
        if (spaId) this.spaByNumber.set(phone, spaId);
        else this.spaByNumber.delete(phone);
        return spaId;
      },
      () => this.spaByNumber.get(phone),
      'spa lookup',
    );
  }

  async profile(spaId: string): Promise<SpaProfile> {
    const profile = await this.read(
      async () => {
        const loaded = await loadSpaProfile(this.db, spaId);
        if (loaded) this.profiles.set(spaId, loaded);
        else this.profiles.delete(spaId);
        return loaded;
      },
      () => this.profiles.get(spaId),
      'spa profile',
    );
    if (!profile) throw new Error(`spa ${spaId} not found`);
    return profile;
  }

  private async read<T>(fromDatabase: () => Promise<T | undefined>, remembered: () => T | undefined, what: string): Promise<T | undefined> {
    try {
      return await withDeadline(fromDatabase(), this.deadlineMs, what);
    } catch (error) {
      if (!isConnectivityError(error)) throw error;
      const known = remembered();
      if (known === undefined)
        throw new DatabaseUnavailableError(`${what}: not known here and the database is unreachable (${describeError(error)})`, { cause: error });
      this.log.warn({ reason: describeError(error) }, `${what}: database unreachable, using what was last read`);
      return known;
    }
  }
}
