import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditEvents } from '../../storage/audit-repository.js';
import { authorisedSpa } from '../auth.js';
import { auditEventListResponse } from '../people-response-schemas.js';
import { uuid } from '../route-schemas.js';

/** GET /audit-events: the spa's audit log for owners, newest first, filtered, in cursor pages. Read-only. */

const auditQuery = z.object({
  personId: uuid.optional(),
  /** A person's or an API key's id. */
  actorId: z.string().min(1).max(100).optional(),
  action: z.string().regex(/^[a-z_.]{1,60}$/, 'an action such as conversation.viewed').optional(),
  recordId: z.string().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().regex(/^\d{1,18}$/, 'the nextCursor of the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/audit-events', {
    config: { role: 'owner' },
    schema: { tags: ['audit log'], summary: 'Who viewed or changed what, when, from where (owner); filters person, action, record, date range', querystring: auditQuery, response: { 200: auditEventListResponse } },
  }, async (request) => {
    const q = request.query;
    const rows = await listAuditEvents(app.db, authorisedSpa(request), {
      personId: q.personId,
      actorId: q.actorId,
      action: q.action,
      recordId: q.recordId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: q.cursor,
      limit: q.limit,
    });
    return { data: rows, nextCursor: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null };
  });
};

export default auditRoutes;
