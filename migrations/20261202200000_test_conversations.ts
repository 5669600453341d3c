import type { Kysely } from 'kysely';

/**
 * Conversations held on the console's test line: shown to staff with a badge, kept out of the
 * analytics, the cost rollups and the follow-up texts.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('is_test', 'boolean', (col) => col.notNull().defaultTo(false)).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('is_test').execute();
}
