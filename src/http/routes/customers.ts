import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isIso6391 } from '../../language/iso-639-1.js';
import { customerTimeline, listCustomers, updateCustomer } from '../../storage/staff-queries.js';
import { authorisedSpa } from '../auth.js';
import { HttpError } from '../errors.js';
import { customer, customerListResponse, customerTimelineResponse } from '../response-schemas.js';
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
      response: { 200: customerListResponse },
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
    schema: { tags: ['customers'], summary: 'A patient with their calls, texts and appointments', params: idParams, response: { 200: customerTimelineResponse } },
  }, async (request) => {
    const timeline = await customerTimeline(db, authorisedSpa(request), request.params.id, clock());
    if (!timeline) throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
    await audit(request, { action: 'customer.viewed', recordType: 'customer', recordId: request.params.id });
    return timeline;
  });

  app.patch('/customers/:id', {
    schema: {
      tags: ['customers'],
      summary: "Correct a patient's name, email, notes or preferred language",
      params: idParams,
      body: z
        .object({
          name: z.string().min(1).max(100).nullable(),
          email: z.string().email().max(200).nullable(),
          notes: z.string().max(2000).nullable(),
          preferredLanguage: z
            .string()
            .refine(isIso6391, 'must be an ISO 639-1 language code, such as en or es')
            .nullable()
            .describe('The language the patient is spoken and written to in (ISO 639-1); null: the spa\'s primary'),
        })
        .partial()
        .strict(),
      response: { 200: customer },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const updated = await updateCustomer(db, spaId, request.params.id, request.body);
    if (updated === 'missing') throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
    if (updated === 'erased') throw new HttpError(409, 'PATIENT_ERASED', 'This patient was erased at their request; their details are not kept.');
    await audit(request, { action: 'customer.updated', recordType: 'customer', recordId: request.params.id, detail: { fields: Object.keys(request.body) } });
    return (await customerTimeline(db, spaId, request.params.id, clock()))?.customer;
  });
};

export default customerRoutes;
