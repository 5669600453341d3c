import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createApiKey } from '../../storage/api-key-repository.js';
import { spaExists } from '../../storage/spa-lookups.js';
import { requireAdminKey } from '../auth.js';
import { HttpError } from '../errors.js';
import { idParams, newApiKeyBody } from '../route-schemas.js';

/** /admin: bootstrap with ADMIN_API_KEY (the first owner key of a spa); a scope with its own key check. */

const adminRoutes: FastifyPluginAsyncZod<{ adminApiKey: string | undefined }> = async (app, { adminApiKey }) => {
  app.addHook('preHandler', requireAdminKey(adminApiKey));

  app.post('/admin/spas/:id/api-keys', {
    schema: {
      tags: ['admin'],
      summary: 'Create an owner or staff key for any spa (ADMIN_API_KEY)',
      params: idParams,
      body: newApiKeyBody,
    },
  }, async (request, reply) => {
    if (!(await spaExists(app.db, request.params.id))) throw new HttpError(404, 'NOT_FOUND', 'No such spa.');
    const created = await createApiKey(app.db, request.params.id, request.body.role, request.body.name);
    return reply.status(201).send({ id: created.id, key: created.key, role: request.body.role, name: request.body.name });
  });
};

export default adminRoutes;
