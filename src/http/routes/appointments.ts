import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { spaDaysBounds, spaTimezone } from '../../storage/spa-lookups.js';
import { listAppointments } from '../../storage/staff-queries.js';
import { audit } from '../staff/audit.js';
import { authorisedSpa } from '../auth.js';
import { calendarDay } from '../calendar-day.js';
import { appointmentListResponse } from '../response-schemas.js';
import { uuid } from '../route-schemas.js';

/** /appointments: the spa's bookings over a range of its days. */

const appointmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app;

  app.get('/appointments', {
    schema: {
      tags: ['appointments'],
      summary: "Appointments in a date range (spa's time zone)",
      querystring: z.object({
        from: calendarDay,
        to: calendarDay,
        providerId: uuid.optional(),
        status: z.enum(['pending', 'confirmed', 'cancelled', 'completed', 'no_show']).optional(),
      }),
      response: { 200: appointmentListResponse },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const bounds = await spaDaysBounds(db, await spaTimezone(db, spaId), request.query.from, request.query.to);
    const data = await listAppointments(db, spaId, {
      from: bounds.from,
      to: bounds.to,
      providerId: request.query.providerId,
      status: request.query.status,
    });
    // Patients' names and numbers: a read of patient data, on the record like the patient list.
    await audit(request, { action: 'appointments.listed', detail: { from: request.query.from, to: request.query.to, results: data.length } });
    return { data };
  });
};

export default appointmentRoutes;
