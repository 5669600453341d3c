import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createInvite, listInvites, revokeInvite } from '../../storage/invite-repository.js';
import { findPersonByEmail } from '../../storage/people-repository.js';
import { authorisedSpa, requestActor } from '../auth.js';
import { HttpError } from '../errors.js';
import { inviteListResponse, inviteRevokedResponse, newInviteResponse } from '../people-response-schemas.js';
import { idParams } from '../route-schemas.js';
import { audit } from '../staff/audit.js';
import { inviteLink } from '../staff/invite-link.js';
import { actorLabel } from '../staff/roles.js';

/** /invites: owners invite people by email; the one-time link is shown to them (and texted, if asked). */

export interface InviteTexts {
  /** Texts `body` to `to` from the spa's number; false when it could not be sent. Absent without Twilio. */
  send(spaId: string, to: string, body: string): Promise<boolean>;
}

const newInviteBody = z
  .object({
    email: z.string().trim().toLowerCase().email().max(320),
    role: z.enum(['owner', 'staff']),
    name: z.string().min(1).max(120).optional(),
    /** E.164; the link is also texted there when Twilio is configured. */
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +12025550123').optional(),
  })
  .strict();

const inviteRoutes: FastifyPluginAsyncZod<{ publicBaseUrl: string; texts: InviteTexts | undefined }> = async (app, options) => {
  const { db, clock } = app;

  app.get('/invites', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: "The spa's invites, newest first, with their status (never their links)", response: { 200: inviteListResponse } },
  }, async (request) => ({ data: await listInvites(db, authorisedSpa(request), clock()) }));

  app.post('/invites', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: 'Invite a person: a one-time link valid 48 h, shown once (and texted when a phone is given)', body: newInviteBody, response: { 201: newInviteResponse } },
  }, async (request, reply) => {
    const spaId = authorisedSpa(request);
    const existing = await findPersonByEmail(db, request.body.email);
    if (existing && existing.spaId !== spaId) throw new HttpError(409, 'EMAIL_TAKEN', 'That email already has an account elsewhere.');
    if (existing && !existing.disabled && existing.hasPassword) throw new HttpError(409, 'ALREADY_A_MEMBER', 'That person already has an account here.');
    const invite = await createInvite(
      db,
      { spaId, email: request.body.email, role: request.body.role, name: request.body.name ?? null, invitedBy: actorLabel(requestActor(request)) },
      clock(),
    );
    const link = inviteLink(options.publicBaseUrl, invite.token);
    let texted = false;
    if (request.body.phone && options.texts) {
      texted = await options.texts.send(spaId, request.body.phone, `You're invited to the spa's staff console. Set your password within 48 hours: ${link}`);
    }
    await audit(request, { action: 'invite.created', recordType: 'invite', recordId: invite.id, detail: { email: request.body.email, role: request.body.role, texted } });
    return reply.status(201).send({
      id: invite.id,
      email: request.body.email,
      role: request.body.role,
      link,
      expiresAt: invite.expiresAt.toISOString(),
      texted,
    });
  });

  app.delete('/invites/:id', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: 'Withdraw an invite that has not been used', params: idParams, response: { 200: inviteRevokedResponse } },
  }, async (request) => {
    if (!(await revokeInvite(db, authorisedSpa(request), request.params.id, clock()))) throw new HttpError(404, 'NOT_FOUND', 'No such pending invite.');
    await audit(request, { action: 'invite.revoked', recordType: 'invite', recordId: request.params.id });
    return { revoked: true };
  });
};

export default inviteRoutes;
