import type { SpaCalendars } from '../calendar/spa-calendars.js';
import { findAppointment, whyNotChangeable } from '../storage/appointment-repository.js';
import type { Db } from '../storage/database.js';
import { loadSpaProfile } from '../storage/spa-repository.js';
import { instantAt, moveToFreeSlot, spaCalendarFor, startHasPassed, unbookableStart } from './booking.js';
import { ToolError } from './tool.js';

/** What came of moving an appointment at staff's request (the console's Appointments page). */
export type StaffReschedule =
  | { outcome: 'rescheduled'; from: Date; to: Date }
  | { outcome: 'missing' }
  | { outcome: 'not_reschedulable'; reason: string }
  | { outcome: 'slot_taken'; alternatives: string[] }
  | { outcome: 'calendar_unavailable'; message: string };

const CALENDAR_UNAVAILABLE: StaffReschedule = {
  outcome: 'calendar_unavailable',
  message: 'The booking calendar could not be reached; nothing was changed. Try again in a moment.',
};

/**
 * Staff move an appointment the way the receptionist does (reschedule_appointment, through the same
 * moveToFreeSlot): the start must be ahead of the spa's clock, bookable and free; the row, the
 * calendar event and the reminder move together; the patient is texted the new time unless staff
 * told them themselves (the reminder is re-planned either way). Same provider, same service. Only
 * a pending or confirmed appointment that is not over can be moved.
 */
export async function rescheduleForStaff(
  db: Db,
  calendars: SpaCalendars,
  request: { spaId: string; appointmentId: string; startsAt: string; textPatient: boolean; now: Date },
): Promise<StaffReschedule> {
  const { now } = request;
  const [spa, appointment] = await Promise.all([loadSpaProfile(db, request.spaId), findAppointment(db, request.spaId, request.appointmentId)]);
  if (!spa || !appointment) return { outcome: 'missing' };
  const refuse = (reason: string): StaffReschedule => ({ outcome: 'not_reschedulable', reason });
  const notChangeable = whyNotChangeable(appointment, now, 'moved');
  if (notChangeable) return refuse(notChangeable);
  const service = spa.services.find((s) => s.id === appointment.serviceId);
  if (!service) return refuse('Its service is no longer offered, so it cannot be moved; cancel it and book another.');
  const provider = spa.providers.find((p) => p.id === appointment.providerId);
  if (!provider) return refuse('Its provider no longer takes bookings, so it cannot be moved; cancel it and book another.');
  let start: Date;
  try {
    start = instantAt(spa, request.startsAt);
  } catch (error) {
    if (error instanceof ToolError) return refuse(error.message);
    throw error;
  }
  const why = startHasPassed(spa, start, now) ?? unbookableStart(spa, service, provider, start, now);
  if (why) return refuse(why);
  try {
    const spaCalendar = await spaCalendarFor(calendars, spa);
    const moved = await moveToFreeSlot(db, spaCalendar, { spa, appointment, provider, service, start, now, textPatient: request.textPatient, planReminder: true });
    if (!moved.moved) return { outcome: 'slot_taken', alternatives: moved.alternatives.map((a) => a.start) };
  } catch (error) {
    if (error instanceof ToolError) return CALENDAR_UNAVAILABLE;
    throw error;
  }
  return { outcome: 'rescheduled', from: appointment.startsAt, to: start };
}
