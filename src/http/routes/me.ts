import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findPerson } from '../../storage/people-repository.js';
import { findSpaByIdOrSlug } from '../../storage/spa-repository.js';
import { listLiveSessions, revokeSession } from '../../storage/staff-session-repository.js';
import { requestActor } from '../auth.js';
import { HttpError } from '../errors.js';
import { mySessionListResponse } from '../people-response-schemas.js';
import { idParams } from '../route-schemas.js';
import { audit } from '../staff/audit.js';
import { clearedSessionCookie, csrfTokenFor, sessionTokenFrom } from '../staff/session-cookie.js';

/** /me and DELETE /session: who is signed in, their CSRF token, their sessions (and ending one), signing out. */

const meRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock, staffSessions } = app;

  app.get('/me', {
    schema: { tags: ['sessions'], summary: 'The signed-in person (or API key), their spa and role, and the CSRF token for state-changing requests' },
  }, async (request) => {
    const actor = requestActor(request);
    const spa = await findSpaByIdOrSlug(db, actor.spaId);
    const person = actor.kind === 'person' ? await findPerson(db, actor.spaId, actor.personId) : undefined;
    const token = actor.kind === 'person' ? sessionTokenFrom(request, staffSessions.secureCookie) : undefined;
    return {
      person: person ? { id: person.id, email: person.email, name: person.name, role: person.role } : null,
      apiKey: actor.kind === 'key' ? { id: actor.keyId } : null,
      // The time zone comes with who is signed in, so the console shows times right without waiting for the settings.
      spa: { id: actor.spaId, name: spa?.name ?? '', timezone: spa?.timezone ?? null },
      role: actor.role,
      csrfToken: token ? csrfTokenFor(token) : null,
    };
  });

  app.get('/me/sessions', {
    schema: { tags: ['sessions'], summary: "The signed-in person's sessions in force, with device and last use", response: { 200: mySessionListResponse } },
  }, async (request) => {
    const actor = requestActor(request);
    if (actor.kind !== 'person') throw new HttpError(400, 'NOT_SIGNED_IN', 'An API key has no sessions; sign in as a person.');
    const sessions = await listLiveSessions(db, actor.spaId, actor.personId, clock(), staffSessions.idleMs);
    return { data: sessions.map((s) => ({ ...s, current: s.id === actor.sessionId })) };
  });

  app.delete('/me/sessions/:id', {
    schema: {
      tags: ['sessions'],
      summary: 'End one of your own sessions (a lost phone, a shared computer); ending this one signs you out here',
      params: idParams,
    },
  }, async (request, reply) => {
    const actor = requestActor(request);
    if (actor.kind !== 'person') throw new HttpError(400, 'NOT_SIGNED_IN', 'An API key has no sessions; sign in as a person.');
    if (!(await revokeSession(db, actor.spaId, request.params.id, clock(), actor.personId)))
      throw new HttpError(404, 'NOT_FOUND', 'No such session of yours in force.');
    await audit(request, { action: 'session.ended', recordType: 'session', recordId: request.params.id });
    if (request.params.id === actor.sessionId) void reply.header('set-cookie', clearedSessionCookie(staffSessions.secureCookie));
    return reply.status(204).send();
  });

  app.delete('/session', {
    schema: { tags: ['sessions'], summary: 'Sign out: ends this session on every device that holds it' },
  }, async (request, reply) => {
    const actor = requestActor(request);
    if (actor.kind !== 'person') throw new HttpError(400, 'NOT_SIGNED_IN', 'An API key cannot sign out; revoke it instead.');
    await revokeSession(db, actor.spaId, actor.sessionId, clock());
    await audit(request, { action: 'signed_out', recordType: 'session', recordId: actor.sessionId });
    void reply.header('set-cookie', clearedSessionCookie(staffSessions.secureCookie));
    return reply.status(204).send();
  });
};

export default meRoutes;
