import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { customerTimeline, listCustomers, updateCustomer } from '../../storage/staff-queries.js';
import { authorisedSpa } from '../auth.js';
import { HttpError } from '../errors.js';
import { audit } from '../staff/audit.js';
import { idParams, uuid } from '../route-schemas.js';

/** /customers: patients, one with their history, and staff corrections. */

const customerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app;

  app.get('/customers', {
    schema: {
      tags: ['customers'],
      summary: 'Patients, by name or number',
      querystring: z.object({
        q: z.string().min(1).max(100).optional(),
        after: uuid.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
  }, async (request) => {
    const rows = await listCustomers(db, authorisedSpa(request), {
      search: request.query.q,
      after: request.query.after,
      limit: request.query.limit,
    });
    await audit(request, { action: 'customers.listed', detail: { searched: request.query.q !== undefined, results: rows.length } });
    return { data: rows, nextAfter: rows.length === request.query.limit ? (rows.at(-1)?.id ?? null) : null };
  });

  app.get('/customers/:id', {
    schema: { tags: ['customers'], summary: 'A patient with their calls, texts and appointments', params: idParams },
  }, async (request) => {
    const timeline = await customerTimeline(db, authorisedSpa(request), request.params.id, clock());
    if (!timeline) throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
    await audit(request, { action: 'customer.viewed', recordType: 'customer', recordId: request.params.id });
    return timeline;
  });

  app.patch('/customers/:id', {
    schema: {
      tags: ['customers'],
      summary: "Correct a patient's name, email or notes",
      params: idParams,
      body: z
        .object({
          name: z.string().min(1).max(100).nullable(),
          email: z.string().email().max(200).nullable(),
          notes: z.string().max(2000).nullable(),
        })
        .partial()
        .strict(),
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    if (!(await updateCustomer(db, spaId, request.params.id, request.body))) throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
    await audit(request, { action: 'customer.updated', recordType: 'customer', recordId: request.params.id, detail: { fields: Object.keys(request.body) } });
    return (await customerTimeline(db, spaId, request.params.id, clock()))?.customer;
  });
};

export default customerRoutes;
