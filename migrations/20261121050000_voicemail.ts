import { sql, type Kysely } from 'kysely';

/**
 * Voicemail: when the receptionist cannot take a call (the model is unreachable and the front
 * desk is closed), the caller leaves a recorded message. It lands with the other messages for
 * staff, with its recording; a withheld number still leaves a message, so the callback number may
 * be unknown. The RecordingSid makes Twilio's retried callbacks harmless.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('staff_messages')
    .addColumn('recording_sid', 'text', (c) => c.unique())
    .addColumn('recording_url', 'text')
    .addColumn('recording_seconds', 'integer')
    .execute();
  await sql`alter table staff_messages alter column callback_number drop not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from staff_messages where callback_number is null`.execute(db);
  await sql`alter table staff_messages alter column callback_number set not null`.execute(db);
  await db.schema.alterTable('staff_messages').dropColumn('recording_sid').dropColumn('recording_url').dropColumn('recording_seconds').execute();
}
