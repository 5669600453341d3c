import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { spaSettingsSchema, type SpaSettings } from './spa-profile.js';

/** Small reads of a spa the staff API needs around its own queries (time zone, existence, day bounds). */

export async function spaTimezone(db: Kysely<Database>, spaId: string): Promise<string> {
  const row = await db.selectFrom('spas').select('timezone').where('id', '=', spaId).executeTakeFirstOrThrow();
  return row.timezone;
}

export async function spaExists(db: Kysely<Database>, spaId: string): Promise<boolean> {
  const spa = await db.selectFrom('spas').select('id').where('id', '=', spaId).executeTakeFirst();
  return spa !== undefined;
}

export interface SpaForReports {
  name: string;
  timezone: string;
  settings: SpaSettings;
}

/** What reports need of a spa: its name, time zone and (parsed) settings. */
export async function spaForReports(db: Kysely<Database>, spaId: string): Promise<SpaForReports> {
  const spa = await db.selectFrom('spas').select(['name', 'timezone', 'settings']).where('id', '=', spaId).executeTakeFirstOrThrow();
  return { name: spa.name, timezone: spa.timezone, settings: spaSettingsSchema.parse(spa.settings) };
}

/** The instants that bound the spa days `from`..`to` (inclusive) in `timezone`, as Postgres reckons them. */
export async function spaDaysBounds(db: Kysely<Database>, timezone: string, from: string, to: string): Promise<{ from: Date; to: Date }> {
  return db
    .selectNoFrom((eb) => [
      eb.fn<Date>('timezone', [eb.val(timezone), eb.cast(eb.val(from), 'timestamp')]).as('from'),
      eb.fn<Date>('timezone', [eb.val(timezone), eb.cast(eb.val(`${to} 24:00`), 'timestamp')]).as('to'),
    ])
    .executeTakeFirstOrThrow();
}

/** The number the spa texts from (its first, by number), or undefined when it has none. */
export async function spaSendingNumber(db: Kysely<Database>, spaId: string): Promise<string | undefined> {
  const row = await db.selectFrom('spa_phone_numbers').select('phone').where('spa_id', '=', spaId).orderBy('phone').executeTakeFirst();
  return row?.phone;
}
