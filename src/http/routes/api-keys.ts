import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listApiKeys } from '../../storage/api-key-listing.js';
import { createApiKey, revokeApiKey } from '../../storage/api-key-repository.js';
import { authorisedSpa } from '../auth.js';
import { HttpError } from '../errors.js';
import { audit } from '../staff/audit.js';
import { idParams, newApiKeyBody } from '../route-schemas.js';

/** /api-keys: owners list, create and revoke their spa's keys. */

const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app;

  app.get('/api-keys', {
    config: { role: 'owner' },
    schema: { tags: ['api keys'], summary: "The spa's API keys (never the keys themselves)" },
  }, async (request) => ({ data: await listApiKeys(db, authorisedSpa(request)) }));

  app.post('/api-keys', {
    config: { role: 'owner' },
    schema: { tags: ['api keys'], summary: 'Create a key; it is shown once', body: newApiKeyBody },
  }, async (request, reply) => {
    const created = await createApiKey(db, authorisedSpa(request), request.body.role, request.body.name);
    await audit(request, { action: 'api_key.created', recordType: 'api_key', recordId: created.id, detail: { role: request.body.role } });
    return reply.status(201).send({ id: created.id, key: created.key, role: request.body.role, name: request.body.name });
  });

  app.delete('/api-keys/:id', {
    config: { role: 'owner' },
    schema: { tags: ['api keys'], summary: 'Revoke a key', params: idParams },
  }, async (request) => {
    if (!(await revokeApiKey(db, authorisedSpa(request), request.params.id))) throw new HttpError(404, 'NOT_FOUND', 'No such active key.');
    await audit(request, { action: 'api_key.revoked', recordType: 'api_key', recordId: request.params.id });
    return { revoked: true };
  });
};

export default apiKeyRoutes;
