import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../staff/audit.js';
import { checkPassword, SignInFailed, startSession } from '../staff/sign-in.js';

/** POST /session: sign in with email and password (no credential needed, so its own scope). */

const signInBody = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) }).strict();

const sessionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/session', {
    schema: {
      tags: ['sessions'],
      summary: 'Sign in: 204 and the session cookie; 401 for a wrong email or password alike',
      body: signInBody,
      security: [],
    },
  }, async (request, reply) => {
    const person = await checkPassword(request, reply, request.body.email, request.body.password).catch(async (error: unknown) => {
      if (error instanceof SignInFailed) {
        // Recorded against the account tried (its spa sees it); never the password, nor an unknown email.
        const tried = error.person;
        await audit(request, { action: 'sign_in.failed', ...(tried ? { recordType: 'person', recordId: tried.id } : {}), as: { spaId: tried?.spaId ?? null, personId: null } });
      }
      throw error;
    });
    const sessionId = await startSession(request, reply, person);
    await audit(request, { action: 'sign_in.succeeded', recordType: 'session', recordId: sessionId, as: { spaId: person.spaId, personId: person.id } });
    return reply.status(204).send();
  });
};

export default sessionRoutes;
