import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listLiveCalls } from '../../storage/staff-queries.js';
import { authorisedSpa } from '../auth.js';

/** /calls/live: calls in progress on every machine (from their heartbeats in Postgres). */

const callRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/calls/live', {
    schema: { tags: ['calls'], summary: 'Calls in progress right now, on every machine' },
  }, async (request) => ({ data: await listLiveCalls(app.db, authorisedSpa(request)) }));
};

export default callRoutes;
