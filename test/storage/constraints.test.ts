import type { Kysely } from 'kysely';
import t from 'tap';
import type { Database } from '../../src/storage/schema.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { createTestDatabase } from '../support/database.js';

async function demo(t: Parameters<typeof createTestDatabase>[0]) {
  const { db } = await createTestDatabase(t);
  const { spaId } = await seedSpa(db, await loadDemoSpaCatalog());
  const provider = await db.selectFrom('providers').select('id').where('slug', '=', 'jordan-ellis').executeTakeFirstOrThrow();
  const other = await db.selectFrom('providers').select('id').where('slug', '=', 'sofia-ramirez').executeTakeFirstOrThrow();
  const service = await db.selectFrom('services').select('id').where('slug', '=', 'neurotoxin').executeTakeFirstOrThrow();
  const customer = await db
    .insertInto('customers')
    .values({ spa_id: spaId, phone: '+12025550123', name: 'Test Patient' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const book = (providerId: string, start: string, end: string, status: 'confirmed' | 'cancelled' = 'confirmed') =>
    db
      .insertInto('appointments')
      .values({
        spa_id: spaId,
        customer_id: customer.id,
        provider_id: providerId,
        service_id: service.id,
        starts_at: start,
        ends_at: end,
        status,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  return { db, spaId, provider: provider.id, other: other.id, book };
}

t.test('Postgres refuses two overlapping confirmed appointments for one provider', async (t) => {
  const { provider, book } = await demo(t);
  await book(provider, '2026-12-01T15:00:00Z', '2026-12-01T15:30:00Z');
  await t.rejects(book(provider, '2026-12-01T15:15:00Z', '2026-12-01T15:45:00Z'), {
    code: '23P01',
    constraint: 'appointments_no_provider_overlap',
  });
});

t.test('back-to-back appointments and other providers are allowed', async (t) => {
  const { provider, other, book } = await demo(t);
  await book(provider, '2026-12-01T15:00:00Z', '2026-12-01T15:30:00Z');
  await t.resolves(book(provider, '2026-12-01T15:30:00Z', '2026-12-01T16:00:00Z'));
  await t.resolves(book(other, '2026-12-01T15:00:00Z', '2026-12-01T15:30:00Z'));
});

t.test('a cancelled appointment frees its time', async (t) => {
  const { provider, book } = await demo(t);
  await book(provider, '2026-12-01T15:00:00Z', '2026-12-01T15:30:00Z', 'cancelled');
  await t.resolves(book(provider, '2026-12-01T15:00:00Z', '2026-12-01T15:30:00Z'));
});

t.test('an appointment must end after it starts', async (t) => {
  const { provider, book } = await demo(t);
  await t.rejects(book(provider, '2026-12-01T15:00:00Z', '2026-12-01T15:00:00Z'), { code: '23514' });
});

t.test('customer phones must be E.164 and unique per spa', async (t) => {
  const { db, spaId } = await demo(t);
  await t.rejects(
    db.insertInto('customers').values({ spa_id: spaId, phone: '202-555-0199' }).execute(),
    { code: '23514' },
  );
  await t.rejects(
    db.insertInto('customers').values({ spa_id: spaId, phone: '+12025550123' }).execute(),
    { code: '23505', constraint: 'customers_spa_phone_key' },
  );
});

t.test('a CallSid is recorded once only', async (t) => {
  const { db, spaId } = await demo(t);
  const conversation = (kysely: Kysely<Database>) =>
    kysely.insertInto('conversations').values({ spa_id: spaId, channel: 'voice' }).returning('id').executeTakeFirstOrThrow();
  const a = await conversation(db);
  const b = await conversation(db);
  await db
    .insertInto('voice_call_details')
    .values({ conversation_id: a.id, call_sid: 'CA123', to_number: '+12025550100', twilio_status: 'ringing' })
    .execute();
  await t.rejects(
    db
      .insertInto('voice_call_details')
      .values({ conversation_id: b.id, call_sid: 'CA123', to_number: '+12025550100', twilio_status: 'ringing' })
      .execute(),
    { code: '23505' },
  );
});
