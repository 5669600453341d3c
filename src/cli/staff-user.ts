import { parseArgs } from 'node:util';
import { hashPassword } from '../http/staff/password-hash.js';
import { describePasswordProblem, passwordProblem } from '../http/staff/password-policy.js';
import { inviteLink } from '../http/staff/invite-link.js';
import { prepareDatabase } from '../storage/bootstrap.js';
import { createInvite } from '../storage/invite-repository.js';
import { upsertPerson } from '../storage/people-repository.js';
import { revokeSessionsOf } from '../storage/staff-session-repository.js';
import { findSpaByIdOrSlug } from '../storage/spa-repository.js';
import { runWithDatabase } from './run-with-database.js';

/**
 * npm run staff-user -- --spa <spa id or slug> --email <email> --role owner|staff [--password <pw>] [--name "Jo"]
 * Creates the person or resets them (role, password; enabled again; their sessions ended when the
 * password changes). Without --password it prints a one-time invite link (48 h) instead.
 * Works beside a running service on the embedded database (it uses that server).
 */
const { values } = parseArgs({
  options: {
    spa: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
  },
});

await runWithDatabase(async ({ config, logger, database }) => {
  if (!values.spa) throw new Error('--spa <spa id or slug> is required');
  if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) throw new Error('--email <email> is required');
  if (values.role !== 'owner' && values.role !== 'staff') throw new Error('--role must be owner or staff');
  await prepareDatabase(database, logger);
  const spa = await findSpaByIdOrSlug(database.db, values.spa);
  if (!spa) throw new Error(`no spa ${values.spa}`);
  const now = new Date();
  if (values.password !== undefined) {
    const problem = passwordProblem(values.password, { email: values.email });
    if (problem) throw new Error(describePasswordProblem(problem));
    const person = await upsertPerson(
      database.db,
      { spaId: spa.id, email: values.email, role: values.role, name: values.name ?? null, passwordHash: await hashPassword(values.password) },
      now,
    );
    const ended = await revokeSessionsOf(database.db, spa.id, person.id, now);
    process.stdout.write(`${person.role} ${person.email} of ${spa.name} can sign in (id ${person.id})${ended > 0 ? `; ${ended} session(s) ended` : ''}\n`);
    return;
  }
  const invite = await createInvite(
    database.db,
    { spaId: spa.id, email: values.email, role: values.role, name: values.name ?? null, invitedBy: 'cli' },
    now,
  );
  process.stdout.write(
    `Invite for ${values.email} (${values.role}) to ${spa.name}, valid until ${invite.expiresAt.toISOString()}, usable once:\n` +
      `${inviteLink(config.publicBaseUrl, invite.token)}\n`,
  );
});
