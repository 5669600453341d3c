import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listStaffMessages, markStaffMessageHandled } from '../../storage/staff-queries.js';
import { authorisedSpa, requestActor } from '../auth.js';
import { audit } from '../staff/audit.js';
import { actorLabel } from '../staff/roles.js';
import { HttpError } from '../errors.js';
import { staffMessagesResponse } from '../response-schemas.js';
import { idParams } from '../route-schemas.js';

/** /messages-for-staff: callback requests the receptionist took, and marking them handled. */

const staffMessageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app;

  app.get('/messages-for-staff', {
    schema: {
      tags: ['messages for staff'],
      summary: 'Callback requests taken by the receptionist',
      querystring: z.object({ handled: z.enum(['true', 'false']).optional() }),
      response: { 200: staffMessagesResponse },
    },
  }, async (request) => {
    const data = await listStaffMessages(db, authorisedSpa(request), request.query.handled === undefined ? undefined : request.query.handled === 'true');
    // Callers' names, numbers and reasons: a read of patient data, on the record.
    await audit(request, { action: 'staff_messages.listed', detail: { results: data.length } });
    return { data };
  });

  app.post('/messages-for-staff/:id/handled', {
    schema: { tags: ['messages for staff'], summary: 'Mark a callback request handled', params: idParams },
  }, async (request) => {
    const handled = await markStaffMessageHandled(db, authorisedSpa(request), request.params.id, actorLabel(requestActor(request)));
    if (!handled) throw new HttpError(404, 'NOT_FOUND', 'No such message.');
    await audit(request, { action: 'staff_message.handled', recordType: 'staff_message', recordId: request.params.id });
    return { handled: true };
  });
};

export default staffMessageRoutes;
