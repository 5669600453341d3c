import { inTransaction, type Db } from './database.js';
import type { SettingsPatch } from './settings-patch.js';
import { personaSchema, spaSettingsSchema, type SpaSettings } from './spa-profile.js';
import { loadSpaProfile } from './spa-repository.js';

/** The spa settings staff can read and owners change; applied from the next call on. */

export async function readSettings(db: Db, spaId: string) {
  const spa = await loadSpaProfile(db, spaId, { withInactive: true });
  if (!spa) return undefined;
  return {
    name: spa.name,
    address: spa.address,
    timezone: spa.timezone,
    website: spa.website,
    transferNumber: spa.transferNumber,
    persona: spa.persona,
    hours: spa.hours,
    settings: spa.settings,
    calendar: spa.calendar,
    services: spa.services.map(({ id: _id, ...s }) => s),
    providers: spa.providers.map((p) => ({
      slug: p.slug,
      name: p.name,
      title: p.title,
      hours: p.hours,
      calendarId: p.calendarId,
      active: p.active,
      services: spa.services.filter((s) => p.serviceIds.includes(s.id)).map((s) => s.slug),
    })),
  };
}

/**
 * The patch applied, `language` and `languages` kept in step: `language` is the primary (the
 * first of `languages`), so a patch naming either moves the other.
 */
function withPrimaryLanguage(current: SpaSettings, patch: NonNullable<SettingsPatch['settings']>): SpaSettings {
  const languages = patch.languages ?? (patch.language ? [patch.language, ...current.languages.filter((code) => code !== patch.language)] : current.languages);
  return spaSettingsSchema.parse({
    ...current,
    ...patch,
    routing: { ...current.routing, ...patch.routing },
    recording: { ...current.recording, ...patch.recording },
    languages,
    language: languages[0] ?? current.language,
  });
}

export class SettingsError extends Error {
  readonly code = 'INVALID_SETTINGS';
}

/** Applies a validated patch in one transaction; services and providers are upserted by slug. */
export async function applySettings(db: Db, spaId: string, patch: SettingsPatch): Promise<void> {
  await inTransaction(db, async (trx) => {
    const current = await trx.selectFrom('spas').select(['persona', 'settings']).where('id', '=', spaId).executeTakeFirstOrThrow();
    const persona = patch.persona ? personaSchema.parse({ ...personaSchema.parse(current.persona), ...patch.persona }) : undefined;
    const settings = patch.settings ? withPrimaryLanguage(spaSettingsSchema.parse(current.settings), patch.settings) : undefined;
    const spaChanges = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.address !== undefined ? { address: patch.address } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
      ...(patch.transferNumber !== undefined ? { transfer_number: patch.transferNumber } : {}),
      ...(persona ? { persona: JSON.stringify(persona) } : {}),
      ...(patch.hours ? { hours: JSON.stringify(patch.hours) } : {}),
      ...(settings ? { settings: JSON.stringify(settings) } : {}),
    };
    if (Object.keys(spaChanges).length > 0)
      await trx.updateTable('spas').set({ ...spaChanges, updated_at: new Date() }).where('id', '=', spaId).execute();

    for (const s of patch.services ?? []) {
      const values = {
        name: s.name,
        description: s.description,
        duration_minutes: s.durationMinutes,
        price_cents: s.priceCents,
        price_note: s.priceNote,
        active: s.active ?? true,
      };
      await trx
        .insertInto('services')
        .values({ spa_id: spaId, slug: s.slug, ...values })
        .onConflict((oc) => oc.columns(['spa_id', 'slug']).doUpdateSet(values))
        .execute();
    }
    if (patch.providers?.length) {
      const services = await trx.selectFrom('services').select(['id', 'slug']).where('spa_id', '=', spaId).execute();
      for (const p of patch.providers) {
        const values = {
          name: p.name,
          title: p.title,
          hours: p.hours === null ? null : JSON.stringify(p.hours),
          active: p.active ?? true,
          ...(p.calendarId !== undefined ? { calendar_id: p.calendarId } : {}),
        };
        const provider = await trx
          .insertInto('providers')
          .values({ spa_id: spaId, slug: p.slug, ...values })
          .onConflict((oc) => oc.columns(['spa_id', 'slug']).doUpdateSet(values))
          .returning('id')
          .executeTakeFirstOrThrow();
        const ids = p.services.map((slug) => {
          const found = services.find((s) => s.slug === slug);
          if (!found) throw new SettingsError(`provider ${p.slug}: unknown service ${slug}`);
          return found.id;
        });
        await trx.deleteFrom('provider_services').where('provider_id', '=', provider.id).execute();
        if (ids.length > 0)
          await trx.insertInto('provider_services').values(ids.map((service_id) => ({ provider_id: provider.id, service_id }))).execute();
      }
    }
  });
}
