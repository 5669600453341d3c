import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listStaffMessages, markStaffMessageHandled } from '../../storage/staff-queries.js';
import { authorisedSpa, requestActor } from '../auth.js';
import { actorLabel } from '../staff/roles.js';
import { HttpError } from '../errors.js';
import { idParams } from '../route-schemas.js';

/** /messages-for-staff: callback requests the receptionist took, and marking them handled. */

const staffMessageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app;

  app.get('/messages-for-staff', {
    schema: {
      tags: ['messages for staff'],
      summary: 'Callback requests taken by the receptionist',
      querystring: z.object({ handled: z.enum(['true', 'false']).optional() }),
    },
  }, async (request) => ({
    data: await listStaffMessages(db, authorisedSpa(request), request.query.handled === undefined ? undefined : request.query.handled === 'true'),
  }));

  app.post('/messages-for-staff/:id/handled', {
    schema: { tags: ['messages for staff'], summary: 'Mark a callback request handled', params: idParams },
  }, async (request) => {
    const handled = await markStaffMessageHandled(db, authorisedSpa(request), request.params.id, actorLabel(requestActor(request)));
    if (!handled) throw new HttpError(404, 'NOT_FOUND', 'No such message.');
    return { handled: true };
  });
};

export default staffMessageRoutes;
