import type { Kysely } from 'kysely';

/**
 * Google consent is finished in the browser that started it, after the owner confirms: the owner's
 * one-time sign-in link (`ticket`), when it was opened, and the grant waiting for the owner's
 * confirmation (the refresh token sealed with ENCRYPTION_KEY, and the Google account it belongs to).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('oauth_states')
    .addColumn('ticket', 'text', (c) => c.unique())
    .addColumn('opened_at', 'timestamptz')
    .addColumn('pending_secret', 'text')
    .addColumn('account_email', 'text')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('oauth_states').dropColumn('ticket').dropColumn('opened_at').dropColumn('pending_secret').dropColumn('account_email').execute();
}
