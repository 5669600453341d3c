import type { Kysely } from 'kysely';

/**
 * Languages: the patient's preferred language (set from a call or a text, or by staff), and the
 * language each conversation was held in (shown to staff, and filtered on).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('preferred_language', 'text').execute();
  await db.schema.alterTable('conversations').addColumn('language', 'text').execute();
  await db.schema.createIndex('conversations_spa_language_idx').on('conversations').columns(['spa_id', 'language', 'started_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_spa_language_idx').execute();
  await db.schema.alterTable('conversations').dropColumn('language').execute();
  await db.schema.alterTable('customers').dropColumn('preferred_language').execute();
}
