import { sql } from 'kysely';
import t from 'tap';
import { migrateToLatest, pendingMigrations } from '../../src/storage/migrations.js';
import { createEmptyDatabase } from '../support/database.js';

t.test('migrations build the whole data model on an empty database', async (t) => {
  const { db } = await createEmptyDatabase(t);
  t.ok((await pendingMigrations(db)).length > 0, 'an empty database has pending migrations');
  const applied = await migrateToLatest(db);
  t.ok(applied.length > 0);
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(db);
  const names = tables.rows.map((r) => r.table_name);
  for (const table of [
    'spas',
    'spa_phone_numbers',
    'services',
    'providers',
    'provider_services',
    'customers',
    'conversations',
    'messages',
    'voice_call_details',
    'sms_details',
    'conversation_events',
    'appointments',
    'staff_messages',
    'api_keys',
  ]) {
    t.ok(names.includes(table), `${table} exists`);
  }
  t.same(await pendingMigrations(db), []);
});

t.test('running migrations again applies nothing', async (t) => {
  const { db } = await createEmptyDatabase(t);
  await migrateToLatest(db);
  t.same(await migrateToLatest(db), []);
});
