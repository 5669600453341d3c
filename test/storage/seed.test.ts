import t from 'tap';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { createTestDatabase } from '../support/database.js';

t.test('the demo spa is a complete, realistic med spa', async (t) => {
  const catalog = await loadDemoSpaCatalog();
  t.equal(catalog.persona.name, 'Ava');
  t.ok(catalog.phoneNumbers.includes('+12025550100'));
  t.ok(catalog.services.length >= 9);
  t.equal(catalog.providers.length, 3);
  t.ok(catalog.transferNumber);
  const slugs = new Set(catalog.services.map((s) => s.slug));
  for (const provider of catalog.providers) for (const s of provider.services) t.ok(slugs.has(s), `${provider.slug} → ${s}`);
});

t.test('seeding twice changes nothing', async (t) => {
  const { db } = await createTestDatabase(t);
  const catalog = await loadDemoSpaCatalog();
  const first = await seedSpa(db, catalog);
  t.ok(first.created);
  // Staff edit something after the first seed; a second seed must not undo it.
  await db.updateTable('services').set({ price_cents: 99_00 }).where('slug', '=', 'hydrafacial').execute();

  const snapshot = async () => ({
    spas: await db.selectFrom('spas').selectAll().execute(),
    numbers: await db.selectFrom('spa_phone_numbers').selectAll().execute(),
    services: await db.selectFrom('services').selectAll().orderBy('slug').execute(),
    providers: await db.selectFrom('providers').selectAll().orderBy('slug').execute(),
    links: await db.selectFrom('provider_services').selectAll().orderBy("provider_id").orderBy("service_id").execute(),
  });
  const before = await snapshot();
  const second = await seedSpa(db, catalog);
  t.notOk(second.created);
  t.equal(second.spaId, first.spaId);
  t.same(await snapshot(), before);
  t.equal(before.services.find((s) => s.slug === 'hydrafacial')?.price_cents, 99_00);
});
