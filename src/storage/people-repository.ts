import type { Db } from './database.js';
import type { StaffRole } from './schema.js';

/** People: staff accounts of one spa. Emails are kept lower case; one email is one person. */

export interface Person {
  id: string;
  spaId: string;
  email: string;
  name: string | null;
  role: StaffRole;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: Date;
}

/** A person with what sign-in needs; never leaves the server. */
export interface PersonCredentials extends Person {
  passwordHash: string | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const COLUMNS = ['id', 'spa_id', 'email', 'name', 'role', 'password_hash', 'disabled_at', 'created_at'] as const;

type Row = { id: string; spa_id: string; email: string; name: string | null; role: StaffRole; password_hash: string | null; disabled_at: Date | null; created_at: Date };

function toCredentials(row: Row): PersonCredentials {
  return {
    id: row.id,
    spaId: row.spa_id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
  };
}

export function publicPerson(person: PersonCredentials): Person {
  const { passwordHash: _secret, ...rest } = person;
  return rest;
}

export async function findPersonByEmail(db: Db, email: string): Promise<PersonCredentials | undefined> {
  const row = await db.selectFrom('people').select(COLUMNS).where('email', '=', normaliseEmail(email)).executeTakeFirst();
  return row ? toCredentials(row) : undefined;
}

export async function findPerson(db: Db, spaId: string, personId: string): Promise<PersonCredentials | undefined> {
  const row = await db.selectFrom('people').select(COLUMNS).where('spa_id', '=', spaId).where('id', '=', personId).executeTakeFirst();
  return row ? toCredentials(row) : undefined;
}

/** A person as the people list shows them: with when they last signed in and last used a session. */
export interface PersonListing extends Person {
  lastSignInAt: Date | null;
  lastActiveAt: Date | null;
}

export async function listPeople(db: Db, spaId: string): Promise<PersonListing[]> {
  const rows = await db
    .selectFrom('people')
    .select(COLUMNS)
    .select((eb) => [
      eb.selectFrom('staff_sessions').whereRef('staff_sessions.person_id', '=', 'people.id').select((s) => s.fn.max('created_at').as('at')).as('last_sign_in_at'),
      eb.selectFrom('staff_sessions').whereRef('staff_sessions.person_id', '=', 'people.id').select((s) => s.fn.max('last_used_at').as('at')).as('last_active_at'),
    ])
    .where('spa_id', '=', spaId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...publicPerson(toCredentials(row)), lastSignInAt: row.last_sign_in_at, lastActiveAt: row.last_active_at }));
}

export class EmailTakenError extends Error {
  readonly code = 'EMAIL_TAKEN';
  readonly recoverable = false;
  constructor() {
    super('That email belongs to a person of another spa.');
    this.name = 'EmailTakenError';
  }
}

/**
 * Creates the person, or updates the one with this email in the same spa (role, name, password,
 * enabled again). A password hash of null leaves an existing password as it is.
 */
export async function upsertPerson(
  db: Db,
  person: { spaId: string; email: string; role: StaffRole; name?: string | null; passwordHash: string | null },
  at: Date,
): Promise<PersonCredentials> {
  const email = normaliseEmail(person.email);
  const existing = await findPersonByEmail(db, email);
  if (existing && existing.spaId !== person.spaId) throw new EmailTakenError();
  if (existing) {
    const row = await db
      .updateTable('people')
      .set({
        role: person.role,
        ...(person.name !== undefined && person.name !== null ? { name: person.name } : {}),
        ...(person.passwordHash !== null ? { password_hash: person.passwordHash } : {}),
        disabled_at: null,
        updated_at: at,
      })
      .where('id', '=', existing.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toCredentials(row);
  }
  const row = await db
    .insertInto('people')
    .values({ spa_id: person.spaId, email, role: person.role, name: person.name ?? null, password_hash: person.passwordHash, updated_at: at })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toCredentials(row);
}

export async function updatePerson(
  db: Db,
  spaId: string,
  personId: string,
  change: { role?: StaffRole; disabled?: boolean; name?: string },
  at: Date,
): Promise<Person | undefined> {
  const row = await db
    .updateTable('people')
    .set({
      ...(change.role ? { role: change.role } : {}),
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.disabled === undefined ? {} : { disabled_at: change.disabled ? at : null }),
      updated_at: at,
    })
    .where('spa_id', '=', spaId)
    .where('id', '=', personId)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? publicPerson(toCredentials(row)) : undefined;
}

/** Enabled owners of the spa (an owner may not remove the last one). */
export async function countActiveOwners(db: Db, spaId: string): Promise<number> {
  const row = await db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('spa_id', '=', spaId)
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
