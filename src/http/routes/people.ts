import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countActiveOwners, findPerson, listPeople, updatePerson } from '../../storage/people-repository.js';
import { listLiveSessions, revokeSessionsOf } from '../../storage/staff-session-repository.js';
import { authorisedSpa } from '../auth.js';
import { HttpError } from '../errors.js';
import { peopleListResponse, personResponse, sessionListResponse, sessionsEndedResponse } from '../people-response-schemas.js';
import { idParams } from '../route-schemas.js';
import { audit } from '../staff/audit.js';

/** /people: owners see their spa's people, change roles, disable them and end their sessions. */

const personChange = z
  .object({ role: z.enum(['owner', 'staff']).optional(), disabled: z.boolean().optional(), name: z.string().min(1).max(120).optional() })
  .strict()
  .refine((change) => Object.keys(change).length > 0, 'give role, disabled or name');

const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock, staffSessions } = app;

  app.get('/people', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: "The spa's people, their roles, whether they are disabled and when they last signed in", response: { 200: peopleListResponse } },
  }, async (request) => ({ data: await listPeople(db, authorisedSpa(request)) }));

  app.patch('/people/:id', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: 'Change a role, disable or enable a person (disabling ends their sessions at once)', params: idParams, body: personChange, response: { 200: personResponse } },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const person = await findPerson(db, spaId, request.params.id);
    if (!person) throw new HttpError(404, 'NOT_FOUND', 'No such person.');
    const losesOwner = person.role === 'owner' && !person.disabled && (request.body.disabled === true || request.body.role === 'staff');
    if (losesOwner && (await countActiveOwners(db, spaId)) <= 1) {
      throw new HttpError(409, 'LAST_OWNER', 'The spa needs at least one enabled owner; make someone else owner first.');
    }
    const now = clock();
    const updated = await updatePerson(db, spaId, person.id, request.body, now);
    if (!updated) throw new HttpError(404, 'NOT_FOUND', 'No such person.');
    if (request.body.disabled === true) await revokeSessionsOf(db, spaId, person.id, now);
    await audit(request, { action: 'person.changed', recordType: 'person', recordId: person.id, detail: { ...request.body, previousRole: person.role } });
    return updated;
  });

  app.get('/people/:id/sessions', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: "A person's sessions in force, with device, address and last use", params: idParams, response: { 200: sessionListResponse } },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    if (!(await findPerson(db, spaId, request.params.id))) throw new HttpError(404, 'NOT_FOUND', 'No such person.');
    return { data: await listLiveSessions(db, spaId, request.params.id, clock(), staffSessions.idleMs) };
  });

  app.delete('/people/:id/sessions', {
    config: { role: 'owner' },
    schema: { tags: ['people'], summary: "End all of a person's sessions (they sign in again)", params: idParams, response: { 200: sessionsEndedResponse } },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    if (!(await findPerson(db, spaId, request.params.id))) throw new HttpError(404, 'NOT_FOUND', 'No such person.');
    const ended = await revokeSessionsOf(db, spaId, request.params.id, clock());
    await audit(request, { action: 'sessions.revoked', recordType: 'person', recordId: request.params.id, detail: { ended } });
    return { ended };
  });
};

export default peopleRoutes;
