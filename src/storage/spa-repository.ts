import type { Db } from './database.js';
import {
  calendarConfigSchema,
  personaSchema,
  spaSettingsSchema,
  weeklyHoursSchema,
  type CalendarConfig,
  type Persona,
  type SpaSettings,
  type WeeklyHours,
} from './spa-profile.js';

export interface ServiceInfo {
  id: string;
  slug: string;
  name: string;
  description: string;
  durationMinutes: number;
  priceCents: number | null;
  priceNote: string | null;
  /** Offered to patients; a service no longer offered is kept for its history and its settings. */
  active: boolean;
}

export interface ProviderInfo {
  id: string;
  slug: string;
  name: string;
  title: string;
  /** Null: works the spa's hours. */
  hours: WeeklyHours | null;
  calendarId: string | null;
  serviceIds: string[];
  /** Bookable; a provider who left is kept for the appointments they had. */
  active: boolean;
}

/** Everything the receptionist knows about a spa, parsed and typed. */
export interface SpaProfile {
  id: string;
  name: string;
  address: string;
  timezone: string;
  website: string | null;
  transferNumber: string | null;
  persona: Persona;
  hours: WeeklyHours;
  settings: SpaSettings;
  calendar: CalendarConfig;
  services: ServiceInfo[];
  providers: ProviderInfo[];
}

export async function findSpaIdByPhone(db: Db, phone: string): Promise<string | undefined> {
  const row = await db.selectFrom('spa_phone_numbers').select('spa_id').where('phone', '=', phone).executeTakeFirst();
  return row?.spa_id;
}

/**
 * The spa as the receptionist sees it: only the services it offers and the providers who can be
 * booked, unless `withInactive` (the settings page, which must show what was switched off so it
 * can be switched back on).
 */
export async function loadSpaProfile(db: Db, spaId: string, options: { withInactive?: boolean } = {}): Promise<SpaProfile | undefined> {
  const spa = await db.selectFrom('spas').selectAll().where('id', '=', spaId).executeTakeFirst();
  if (!spa) return undefined;
  const onlyActive = !options.withInactive;
  const [services, providers, links] = await Promise.all([
    db.selectFrom('services').selectAll().where('spa_id', '=', spaId).$if(onlyActive, (q) => q.where('active', '=', true)).orderBy('name').execute(),
    db.selectFrom('providers').selectAll().where('spa_id', '=', spaId).$if(onlyActive, (q) => q.where('active', '=', true)).orderBy('name').execute(),
    db
      .selectFrom('provider_services')
      .innerJoin('providers', 'providers.id', 'provider_services.provider_id')
      .select(['provider_services.provider_id', 'provider_services.service_id'])
      .where('providers.spa_id', '=', spaId)
      .execute(),
  ]);
  return {
    id: spa.id,
    name: spa.name,
    address: spa.address,
    timezone: spa.timezone,
    website: spa.website,
    transferNumber: spa.transfer_number,
    persona: personaSchema.parse(spa.persona),
    hours: weeklyHoursSchema.parse(spa.hours),
    settings: spaSettingsSchema.parse(spa.settings),
    calendar: calendarConfigSchema.parse(spa.calendar),
    services: services.map((s) => ({
      id: s.id,
      slug: s.slug,
      name: s.name,
      description: s.description,
      durationMinutes: s.duration_minutes,
      priceCents: s.price_cents,
      priceNote: s.price_note,
      active: s.active,
    })),
    providers: providers.map((p) => ({
      id: p.id,
      slug: p.slug,
      name: p.name,
      title: p.title,
      hours: p.hours === null ? null : weeklyHoursSchema.parse(p.hours),
      calendarId: p.calendar_id,
      serviceIds: links.filter((l) => l.provider_id === p.id).map((l) => l.service_id),
      active: p.active,
    })),
  };
}

/** The spa's settings, parsed. Throws for an unknown spa. */
export async function loadSpaSettings(db: Db, spaId: string): Promise<SpaSettings> {
  const spa = await db.selectFrom('spas').select('settings').where('id', '=', spaId).executeTakeFirstOrThrow();
  return spaSettingsSchema.parse(spa.settings);
}

/** The number a spa's texts go out from (its first, in order), with its settings as stored. Throws for a spa without one. */
export async function findSpaTextSender(db: Db, spaId: string): Promise<{ from: string; settings: unknown }> {
  return db
    .selectFrom('spas')
    .innerJoin('spa_phone_numbers', 'spa_phone_numbers.spa_id', 'spas.id')
    .select(['spa_phone_numbers.phone as from', 'spas.settings'])
    .where('spas.id', '=', spaId)
    .orderBy('spa_phone_numbers.phone')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** A spa by its id or its slug (whichever `idOrSlug` looks like). */
export async function findSpaByIdOrSlug(db: Db, idOrSlug: string): Promise<{ id: string; name: string; timezone: string } | undefined> {
  return db
    .selectFrom('spas')
    .select(['id', 'name', 'timezone'])
    .where((eb) => (/^[0-9a-f-]{36}$/.test(idOrSlug) ? eb('id', '=', idOrSlug) : eb('slug', '=', idOrSlug)))
    .executeTakeFirst();
}
