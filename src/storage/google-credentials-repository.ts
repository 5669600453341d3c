import { sql } from 'kysely';
import { inTransaction, type Db } from './database.js';
import type { GoogleCredentialsTable } from './schema.js';

/**
 * A spa's Google Calendar connection: the one-time consent flows (the owner's sign-in link, the
 * `state` sent to Google, the grant waiting for confirmation), and the sealed credential (refresh
 * token or service-account key) with the spa's switch to Google.
 */

export async function saveOAuthState(
  db: Db,
  state: { state: string; ticket: string; spaId: string; calendarId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('oauth_states')
    .values({ state: state.state, ticket: state.ticket, spa_id: state.spaId, calendar_id: state.calendarId, expires_at: state.expiresAt })
    .execute();
}

/** Opens a sign-in link once, unexpired at `now`: the flow's `state`, or undefined. */
export async function openOAuthTicket(
  db: Db,
  ticket: string,
  now: Date,
): Promise<{ state: string; spa_id: string; calendar_id: string } | undefined> {
  return db
    .updateTable('oauth_states')
    .set({ opened_at: now })
    .where('ticket', '=', ticket)
    .where('opened_at', 'is', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['state', 'spa_id', 'calendar_id'])
    .executeTakeFirst();
}

/** A flow whose link was opened and that waits for Google's answer (no grant held yet), unexpired at `now`. */
export async function findOAuthStateAwaitingGrant(db: Db, state: string, now: Date): Promise<{ spa_id: string; calendar_id: string } | undefined> {
  return db
    .selectFrom('oauth_states')
    .select(['spa_id', 'calendar_id'])
    .where('state', '=', state)
    .where('opened_at', 'is not', null)
    .where('pending_secret', 'is', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Holds Google's grant (sealed) until the owner confirms; false if the flow moved on meanwhile. */
export async function holdOAuthGrant(db: Db, state: string, now: Date, grant: { secret: string; accountEmail: string | null }): Promise<boolean> {
  const held = await db
    .updateTable('oauth_states')
    .set({ pending_secret: grant.secret, account_email: grant.accountEmail })
    .where('state', '=', state)
    .where('opened_at', 'is not', null)
    .where('pending_secret', 'is', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return held.numUpdatedRows > 0n;
}

/**
 * Uses up a flow whose grant waits for confirmation, unexpired at `now` and unused: the sealed
 * grant (cleared from the row), or undefined.
 */
export async function claimOAuthGrant(
  db: Db,
  state: string,
  now: Date,
): Promise<{ spa_id: string; calendar_id: string; secret: string; account_email: string | null } | undefined> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('oauth_states')
      .select(['spa_id', 'calendar_id', 'pending_secret', 'account_email'])
      .where('state', '=', state)
      .where('pending_secret', 'is not', null)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .forUpdate()
      .executeTakeFirst();
    if (!row?.pending_secret) return undefined;
    await trx.updateTable('oauth_states').set({ used_at: now, pending_secret: null }).where('state', '=', state).execute();
    return { spa_id: row.spa_id, calendar_id: row.calendar_id, secret: row.pending_secret, account_email: row.account_email };
  });
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
