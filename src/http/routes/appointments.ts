import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { whyNotChangeable } from '../../storage/appointment-repository.js';
import { spaDaysBounds, spaTimezone } from '../../storage/spa-lookups.js';
import { findStaffAppointment, listAppointments } from '../../storage/staff-queries.js';
import { audit } from '../staff/audit.js';
import { authorisedSpa } from '../auth.js';
import { calendarDay } from '../calendar-day.js';
import { appointmentListResponse } from '../response-schemas.js';
import { idParams, uuid } from '../route-schemas.js';
import { HttpError } from '../errors.js';

/** Cancelling and moving for staff, supplied by the composition root (the calendar and the texts live outside http/). */
export interface StaffAppointmentHandlers {
  cancel(request: {
    spaId: string;
    appointmentId: string;
    textPatient: boolean;
  }): Promise<{ outcome: 'cancelled' } | { outcome: 'missing' } | { outcome: 'not_cancellable'; reason: string } | { outcome: 'calendar_unavailable'; message: string }>;
  reschedule(request: {
    spaId: string;
    appointmentId: string;
    /** As the API was given it: with an offset, or the spa's wall-clock time. */
    startsAt: string;
    textPatient: boolean;
  }): Promise<
    | { outcome: 'rescheduled'; from: Date; to: Date }
    | { outcome: 'missing' }
    | { outcome: 'not_reschedulable'; reason: string }
    | { outcome: 'slot_taken'; alternatives: string[] }
    | { outcome: 'calendar_unavailable'; message: string }
  >;
}

/** A start as the receptionist's tools take it: an offset, or none meaning the spa's local time. */
const startTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, 'use an ISO date-time, e.g. 2026-12-10T14:30 (spa time) or 2026-12-10T14:30:00-05:00')
  .refine((text) => !Number.isNaN(new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`).getTime()), 'not a real date and time');

/** /appointments: the spa's bookings over a range of its days; staff cancel or move one. */

/** Whether staff may still cancel (or move) it, by the service's clock: the rule the changes themselves apply. */
function withCancellable<T extends { status: string; endsAt: Date }>(row: T, now: Date): T & { cancellable: boolean } {
  return { ...row, cancellable: whyNotChangeable(row, now, 'cancelled') === undefined };
}

const appointmentRoutes: FastifyPluginAsyncZod<{ handlers: StaffAppointmentHandlers }> = async (app, { handlers }) => {
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
    const now = app.clock();
    const rows = await listAppointments(db, spaId, {
      from: bounds.from,
      to: bounds.to,
      providerId: request.query.providerId,
      status: request.query.status,
    });
    const data = rows.map((row) => withCancellable(row, now));
    // Patients' names and numbers: a read of patient data, on the record like the patient list.
    await audit(request, { action: 'appointments.listed', detail: { from: request.query.from, to: request.query.to, results: data.length } });
    return { data };
  });

  app.post('/appointments/:id/cancel', {
    schema: {
      tags: ['appointments'],
      summary: 'Cancel an appointment (staff): the calendar event and reminder go; the patient is texted unless textPatient is false',
      params: idParams,
      // No body at all is the usual case: the patient is texted.
      body: z
        .object({ textPatient: z.boolean().optional().describe('Text the patient that it is cancelled (default true; false: staff told them already)') })
        .strict()
        .nullish(),
      response: { 200: appointmentListResponse.shape.data.element },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const textPatient = request.body?.textPatient ?? true;
    const result = await handlers.cancel({ spaId, appointmentId: request.params.id, textPatient });
    if (result.outcome === 'missing') throw new HttpError(404, 'NOT_FOUND', 'No such appointment.');
    if (result.outcome === 'not_cancellable') throw new HttpError(409, 'NOT_CANCELLABLE', result.reason);
    if (result.outcome === 'calendar_unavailable') throw new HttpError(503, 'CALENDAR_UNAVAILABLE', result.message);
    await audit(request, { action: 'appointment.cancelled', recordType: 'appointment', recordId: request.params.id, detail: { textPatient } });
    const row = await findStaffAppointment(db, spaId, request.params.id);
    if (!row) throw new HttpError(404, 'NOT_FOUND', 'No such appointment.');
    return withCancellable(row, app.clock());
  });

  app.post('/appointments/:id/reschedule', {
    schema: {
      tags: ['appointments'],
      summary:
        'Move an appointment (staff) to another start, same provider and service: checked free and bookable as the receptionist does; the calendar event and reminder move; the patient is texted the new time unless textPatient is false. 409 SLOT_TAKEN carries error.alternatives (the nearest free starts)',
      params: idParams,
      body: z
        .object({
          startsAt: startTime.describe("The new start: ISO date-time with an offset, or without one meaning the spa's local time"),
          textPatient: z.boolean().optional().describe('Text the patient the new time (default true; false: staff told them already)'),
        })
        .strict(),
      response: { 200: appointmentListResponse.shape.data.element },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const textPatient = request.body.textPatient ?? true;
    const result = await handlers.reschedule({ spaId, appointmentId: request.params.id, startsAt: request.body.startsAt, textPatient });
    if (result.outcome === 'missing') throw new HttpError(404, 'NOT_FOUND', 'No such appointment.');
    if (result.outcome === 'not_reschedulable') throw new HttpError(409, 'NOT_RESCHEDULABLE', result.reason);
    if (result.outcome === 'slot_taken')
      throw new HttpError(
        409,
        'SLOT_TAKEN',
        result.alternatives.length > 0 ? 'That time is not free. The nearest free times are in alternatives.' : 'That time is not free, and nothing is free near it.',
        { alternatives: result.alternatives },
      );
    if (result.outcome === 'calendar_unavailable') throw new HttpError(503, 'CALENDAR_UNAVAILABLE', result.message);
    await audit(request, {
      action: 'appointment.rescheduled',
      recordType: 'appointment',
      recordId: request.params.id,
      detail: { from: result.from.toISOString(), to: result.to.toISOString(), textPatient },
    });
    const row = await findStaffAppointment(db, spaId, request.params.id);
    if (!row) throw new HttpError(404, 'NOT_FOUND', 'No such appointment.');
    return withCancellable(row, app.clock());
  });
};

export default appointmentRoutes;
