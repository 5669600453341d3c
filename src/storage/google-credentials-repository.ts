import { sql } from 'kysely';
import { inTransaction, type Db } from './database.js';
import type { GoogleCredentialsTable } from './schema.js';

/**
 * A spa's Google Calendar connection: the one-time `state`s of the consent flow, and the sealed
 * credential (refresh token or service-account key) with the spa's switch to Google.
 */

export async function saveOAuthState(db: Db, state: { state: string; spaId: string; calendarId: string; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('oauth_states')
    .values({ state: state.state, spa_id: state.spaId, calendar_id: state.calendarId, expires_at: state.expiresAt })
    .execute();
}

/** Uses up a consent `state` that is ours, unexpired at `now` and unused; undefined otherwise. */
export async function claimOAuthState(db: Db, state: string, now: Date): Promise<{ spa_id: string; calendar_id: string } | undefined> {
  return db
    .updateTable('oauth_states')
    .set({ used_at: now })
    .where('state', '=', state)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['spa_id', 'calendar_id'])
    .executeTakeFirst();
}

export interface SealedGoogleCredential {
  kind: GoogleCredentialsTable['kind'];
  /** Sealed with the ENCRYPTION_KEY (secret-box). */
  secret: string;
  /** A service account's email; a refresh token leaves the stored one as it is. */
  accountEmail?: string;
}

/** Stores the spa's credential (replacing any earlier one) and switches the spa to that Google calendar, together. */
export async function connectGoogleCalendar(
  db: Db,
  spaId: string,
  credential: SealedGoogleCredential,
  calendar: { calendarId: string; auth: 'oauth' | 'service_account' },
): Promise<void> {
  const email = credential.accountEmail === undefined ? {} : { account_email: credential.accountEmail };
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('google_credentials')
      .values({ spa_id: spaId, kind: credential.kind, secret: credential.secret, ...email })
      .onConflict((oc) => oc.column('spa_id').doUpdateSet({ kind: credential.kind, secret: credential.secret, ...email, updated_at: sql`now()` }))
      .execute();
    await trx
      .updateTable('spas')
      .set({ calendar: JSON.stringify({ type: 'google', calendarId: calendar.calendarId, auth: calendar.auth }), updated_at: new Date() })
      .where('id', '=', spaId)
      .execute();
  });
}

export async function findGoogleCredential(db: Db, spaId: string) {
  return db.selectFrom('google_credentials').selectAll().where('spa_id', '=', spaId).executeTakeFirst();
}
