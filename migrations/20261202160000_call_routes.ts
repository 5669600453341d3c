import type { Kysely } from 'kysely';

/**
 * Which way each call went (the receptionist at once, the front desk, the front desk and then the
 * receptionist or voicemail), how the front desk's ringing ended and how long it rang.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('voice_call_details')
    .addColumn('route', 'text')
    .addColumn('front_desk_dial_status', 'text')
    .addColumn('front_desk_ring_seconds', 'integer')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('voice_call_details')
    .dropColumn('route')
    .dropColumn('front_desk_dial_status')
    .dropColumn('front_desk_ring_seconds')
    .execute();
}
