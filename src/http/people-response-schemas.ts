import { z } from 'zod';

/**
 * What the people, invites, sessions and audit-log routes answer, for the OpenAPI document and so
 * the console's typed client. Exact objects (the listings are interfaces, not loose records): a
 * field the repositories add reaches the API once it is described here.
 */

const role = z.enum(['owner', 'staff']);
const isoTime = z.string().describe('An instant, ISO 8601');

const person = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role,
  disabled: z.boolean(),
  hasPassword: z.boolean().describe('False until the person has set a password (taken an invite)'),
  createdAt: z.date(),
});

export const personResponse = person;

export const peopleListResponse = z.object({
  data: z.array(
    person.extend({
      lastSignInAt: z.date().nullable().describe('When the person last signed in (started a session); null if never'),
      lastActiveAt: z.date().nullable().describe('When the person last used any session'),
    }),
  ),
});

const session = z.object({
  id: z.string(),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: isoTime,
  lastUsedAt: isoTime,
  expiresAt: isoTime,
});

export const sessionListResponse = z.object({ data: z.array(session) });
export const mySessionListResponse = z.object({ data: z.array(session.extend({ current: z.boolean().describe('The session this request came with') })) });
export const sessionsEndedResponse = z.object({ ended: z.number() });

export const inviteListResponse = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      role,
      name: z.string().nullable(),
      invitedBy: z.string().describe('person:<id> or key:<id>'),
      createdAt: isoTime,
      expiresAt: isoTime,
      status: z.enum(['pending', 'used', 'revoked', 'expired']),
    }),
  ),
});

export const newInviteResponse = z.object({
  id: z.string(),
  email: z.string(),
  role,
  link: z.string().describe('The one-time link, shown only in this answer'),
  expiresAt: isoTime,
  texted: z.boolean().describe('Whether the link was also texted to the phone given'),
});

export const inviteRevokedResponse = z.object({ revoked: z.boolean() });

export const auditEventListResponse = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      at: isoTime,
      actor: z.object({ type: z.string().describe('person, key, anonymous or cli'), id: z.string().nullable() }),
      action: z.string(),
      record: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
      address: z.string().nullable(),
      detail: z.unknown(),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page'),
});
