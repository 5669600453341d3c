import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { takeInvite } from '../../storage/invite-repository.js';
import { EmailTakenError, upsertPerson } from '../../storage/people-repository.js';
import { HttpError } from '../errors.js';
import { refuseLockedOutAddress, countFailedAuth } from '../auth.js';
import { audit } from '../staff/audit.js';
import { hashPassword } from '../staff/password-hash.js';
import { describePasswordProblem, passwordProblem } from '../staff/password-policy.js';
import { startSession } from '../staff/sign-in.js';

/**
 * POST /invites/accept: the invited person sets their password with the link's token and is
 * signed in. The token works once and for 48 hours; a refused password leaves it unused.
 */

const acceptBody = z
  .object({ token: z.string().min(20).max(200), password: z.string().min(1).max(1000), name: z.string().min(1).max(120).optional() })
  .strict();

const inviteAcceptanceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app;

  app.post('/invites/accept', {
    schema: { tags: ['people'], summary: "Take an invite: set the password (and name); 204 and the session cookie", body: acceptBody, security: [] },
  }, async (request, reply) => {
    await refuseLockedOutAddress(request, reply);
    const now = clock();
    const early = passwordProblem(request.body.password);
    if (early) throw new HttpError(400, `PASSWORD_${early}`, describePasswordProblem(early));
    // Hashing is slow: do it before the transaction that holds the invite row.
    const passwordHash = await hashPassword(request.body.password);
    const person = await takeInvite(db, request.body.token, now, async (trx, invite) => {
      const problem = passwordProblem(request.body.password, { email: invite.email });
      if (problem) throw new HttpError(400, `PASSWORD_${problem}`, describePasswordProblem(problem));
      try {
        const created = await upsertPerson(trx, { spaId: invite.spaId, email: invite.email, role: invite.role, name: request.body.name ?? invite.name, passwordHash }, now);
        return { ...created, personId: created.id, inviteId: invite.id };
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpError(409, 'EMAIL_TAKEN', 'That email already has an account with another spa.');
        throw error;
      }
    });
    if (!person) {
      await countFailedAuth(request);
      throw new HttpError(410, 'INVITE_INVALID', 'This invite link has expired, was withdrawn or has already been used; ask the owner for a new one.');
    }
    await startSession(request, reply, person);
    await audit(request, { action: 'invite.accepted', recordType: 'invite', recordId: person.inviteId, as: { spaId: person.spaId, personId: person.id } });
    return reply.status(204).send();
  });
};

export default inviteAcceptanceRoutes;
