import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { inTransaction, type Db } from './database.js';
import { spaCatalogSchema, type SpaCatalog } from './spa-profile.js';

// fixtures/ sits at the project root; from dist/src/storage it is three levels up as well,
// because the build does not copy it (it is data, read at run time).
const DEMO_SPA_CANDIDATES = ['../../fixtures/demo-spa.json', '../../../fixtures/demo-spa.json'];

export async function loadDemoSpaCatalog(): Promise<SpaCatalog> {
  for (const candidate of DEMO_SPA_CANDIDATES) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return spaCatalogSchema.parse(JSON.parse(text));
  }
  throw new Error('fixtures/demo-spa.json not found');
}

export interface SeedResult {
  spaId: string;
  created: boolean;
}

/**
 * Inserts a spa catalog. Idempotent: rows that exist already (by slug, phone) are left exactly as
 * they are, so seeding twice changes nothing and never overwrites what staff edited since.
 */
export async function seedSpa(db: Db, catalog: SpaCatalog): Promise<SeedResult> {
  return inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto('spas')
      .values({
        slug: catalog.slug,
        name: catalog.name,
        address: catalog.address,
        timezone: catalog.timezone,
        website: catalog.website,
        transfer_number: catalog.transferNumber,
        persona: JSON.stringify(catalog.persona),
        hours: JSON.stringify(catalog.hours),
        settings: JSON.stringify(catalog.settings),
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx.selectFrom('spas').select('id').where('slug', '=', catalog.slug).executeTakeFirstOrThrow();
      return { spaId: existing.id, created: false };
    }
    const spaId = inserted.id;

    await trx
      .insertInto('spa_phone_numbers')
      .values(catalog.phoneNumbers.map((phone) => ({ phone, spa_id: spaId, label: 'main' })))
      .onConflict((oc) => oc.column('phone').doNothing())
      .execute();

    const services = await trx
      .insertInto('services')
      .values(
        catalog.services.map((s) => ({
          spa_id: spaId,
          slug: s.slug,
          name: s.name,
          description: s.description,
          duration_minutes: s.durationMinutes,
          price_cents: s.priceCents,
          price_note: s.priceNote,
        })),
      )
      .returning(['id', 'slug'])
      .execute();
    const serviceIds = new Map(services.map((s) => [s.slug, s.id]));

    for (const p of catalog.providers) {
      const provider = await trx
        .insertInto('providers')
        .values({
          spa_id: spaId,
          slug: p.slug,
          name: p.name,
          title: p.title,
          bio: p.bio,
          hours: p.hours === null ? null : JSON.stringify(p.hours),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const links = p.services.map((slug) => {
        const serviceId = serviceIds.get(slug);
        if (!serviceId) throw new Error(`provider ${p.slug} performs unknown service ${slug}`);
        return { provider_id: provider.id, service_id: serviceId };
      });
      await trx.insertInto('provider_services').values(links).execute();
    }
    return { spaId, created: true };
  });
}
