import { randomUUID } from 'node:crypto';
import { freeSlots, offerSlots, type Interval, type Slot, type TimeOfDay } from '../calendar/availability.js';
import { CalendarError, eventIdFor } from '../calendar/calendar.js';
import type { SpaCalendar, SpaCalendars } from '../calendar/spa-calendars.js';
import { addDays, fromLocal, isoWithOffset, minutesOf, parseLocalDate, spokenDateTime, toLocal, type LocalDate } from '../calendar/zoned-time.js';
import {
  cancelAppointmentRow,
  confirmedAppointmentsOverlapping,
  findAppointment,
  insertConfirmedAppointment,
  isProviderOverlap,
  moveAppointment,
  whyNotChangeable,
  type AppointmentView,
} from '../storage/appointment-repository.js';
import { saveCustomerDetails } from '../storage/customer-repository.js';
import { inTransaction, type Db, type Trx } from '../storage/database.js';
import { addJob, APPOINTMENT_REMINDER_TASK, APPOINTMENT_TEXT_TASK, queueTime, removeJob } from '../storage/job-queue.js';
import { loadSpaProfile, type ProviderInfo, type ServiceInfo, type SpaProfile } from '../storage/spa-repository.js';
import { ToolError } from './tool.js';

/**
 * Booking against two stores at once: Postgres (the truth for double booking, via the exclusion
 * constraint, which holds across machines) and the spa's calendar (what staff see, and busy time
 * they add by hand). A booking is one logical step: the appointment row and the calendar event
 * commit together or not at all.
 */


/** The reminder before an appointment, per the spa's lead time; none when it is already that close. */
async function scheduleReminder(
  trx: Trx,
  spa: SpaProfile,
  appointmentId: string,
  start: Date,
  now: Date,
): Promise<void> {
  const key = `appointment:${appointmentId}:reminder`;
  const runAt = new Date(start.getTime() - spa.settings.reminderLeadHours * 3_600_000);
  if (runAt.getTime() <= now.getTime()) {
    await removeJob(trx, key);
    return;
  }
  await addJob(trx, APPOINTMENT_REMINDER_TASK, { appointmentId }, { jobKey: key, runAt: queueTime(runAt, now) });
}
export const OFFERED_SLOTS = 5;

export interface OfferedSlot {
  start: string;
  spoken: string;
  provider: string;
  providerId: string;
}

export function describeSlot(spa: SpaProfile, slot: Slot): OfferedSlot {
  const provider = spa.providers.find((p) => p.id === slot.providerId);
  return {
    start: isoWithOffset(slot.start, spa.timezone),
    spoken: spokenDateTime(slot.start, spa.timezone),
    provider: provider?.name ?? 'a provider',
    providerId: slot.providerId,
  };
}

function calendarFailure(error: unknown): ToolError {
  if (error instanceof CalendarError)
    return new ToolError(
      error.code,
      error.recoverable
        ? 'The booking calendar is not answering right now. Apologise, and offer to take a message so staff call back to book.'
        : 'The booking calendar is not available. Apologise, and offer to take a message so staff call back to book.',
    );
  throw error;
}

/** The spa's calendar; one that is configured but cannot be used is a structured error. */
export async function spaCalendarFor(calendars: SpaCalendars, spa: SpaProfile): Promise<SpaCalendar> {
  try {
    return await calendars.forSpa(spa);
  } catch (error) {
    throw calendarFailure(error);
  }
}

/** Busy time per provider: the calendar's (blocks staff added, other bookings) and confirmed appointments. */
export async function busyByProvider(
  db: Db,
  spaCalendar: SpaCalendar,
  providers: ProviderInfo[],
  from: Date,
  to: Date,
  ignoreAppointment?: AppointmentView,
): Promise<Map<string, Interval[]>> {
  const calendarIds = [...new Set(providers.map((p) => spaCalendar.calendarIdFor(p)))];
  let calendarBusy: Map<string, Interval[]>;
  try {
    calendarBusy = await spaCalendar.calendar.busy(calendarIds, from, to);
  } catch (error) {
    throw calendarFailure(error);
  }
  const booked = await confirmedAppointmentsOverlapping(
    db,
    providers.map((p) => p.id),
    from,
    to,
    ignoreAppointment?.id,
  );
  const result = new Map<string, Interval[]>();
  for (const provider of providers) {
    const own = (calendarBusy.get(spaCalendar.calendarIdFor(provider)) ?? []).filter(
      // The appointment being moved shows as busy in the calendar; it does not block itself.
      (b) =>
        !ignoreAppointment ||
        b.start.getTime() < ignoreAppointment.startsAt.getTime() ||
        b.end.getTime() > ignoreAppointment.endsAt.getTime(),
    );
    result.set(provider.id, [
      ...own,
      ...booked.filter((a) => a.providerId === provider.id).map((a) => ({ start: a.startsAt, end: a.endsAt })),
    ]);
  }
  return result;
}

export interface SlotSearch {
  spa: SpaProfile;
  service: ServiceInfo;
  providers: ProviderInfo[];
  from: LocalDate;
  days: number;
  timeOfDay?: TimeOfDay;
  now: Date;
  ignoreAppointment?: AppointmentView;
}

export async function searchSlots(db: Db, spaCalendar: SpaCalendar, search: SlotSearch): Promise<Slot[]> {
  const { spa } = search;
  // Busy time for the whole range, padded by a day each side for buffers and time zones.
  const from = new Date(Date.UTC(search.from.year, search.from.month - 1, search.from.day) - 86_400_000);
  const end = addDays(search.from, search.days);
  const to = new Date(Date.UTC(end.year, end.month - 1, end.day) + 86_400_000);
  const busy = await busyByProvider(db, spaCalendar, search.providers, from, to, search.ignoreAppointment);
  return freeSlots({
    timezone: spa.timezone,
    spaHours: spa.hours,
    providers: search.providers.map((p) => ({ id: p.id, hours: p.hours, busy: busy.get(p.id) ?? [] })),
    durationMinutes: search.service.durationMinutes,
    bufferMinutes: spa.settings.bufferMinutes,
    minNoticeMinutes: spa.settings.minNoticeMinutes,
    slotIntervalMinutes: spa.settings.slotIntervalMinutes,
    from: search.from,
    days: search.days,
    ...(search.timeOfDay ? { timeOfDay: search.timeOfDay } : {}),
    now: search.now,
  });
}

/** Slots near `start` for the service, for when the asked time is taken. */
export async function alternativesNear(
  db: Db,
  spaCalendar: SpaCalendar,
  spa: SpaProfile,
  service: ServiceInfo,
  providers: ProviderInfo[],
  start: Date,
  now: Date,
): Promise<OfferedSlot[]> {
  const local = toLocal(start, spa.timezone);
  const slots = await searchSlots(db, spaCalendar, {
    spa,
    service,
    providers,
    from: { year: local.year, month: local.month, day: local.day },
    days: 3,
    now,
  });
  return offerSlots(slots, { limit: 3, near: start }).map((s) => describeSlot(spa, s));
}

/** Is this exact slot free for this provider, live, right now? */
export async function slotIsFree(
  db: Db,
  spaCalendar: SpaCalendar,
  search: Omit<SlotSearch, 'from' | 'days' | 'timeOfDay' | 'providers'> & { provider: ProviderInfo; start: Date },
): Promise<boolean> {
  const local = toLocal(search.start, search.spa.timezone);
  const slots = await searchSlots(db, spaCalendar, {
    ...search,
    providers: [search.provider],
    from: { year: local.year, month: local.month, day: local.day },
    days: 1,
  });
  return slots.some((s) => s.start.getTime() === search.start.getTime());
}

export interface BookingRequest {
  spa: SpaProfile;
  service: ServiceInfo;
  provider: ProviderInfo;
  start: Date;
  customerPhone: string;
  customerName: string;
  email: string | undefined;
  notes: string | undefined;
  conversationId: string | null;
  now: Date;
  /** False on a test-line call: no confirmation or reminder is queued for the patient's phone. */
  textPatient?: boolean;
}

export class SlotTakenError extends ToolError {
  constructor() {
    super('SLOT_TAKEN', 'That time was just taken.');
  }
}

/**
 * Books in both stores as one step. The appointment row is inserted first, in a transaction that
 * stays open while the calendar event is created: a concurrent booking of the same provider and
 * time waits on the exclusion constraint and fails once this one commits. If the calendar fails,
 * the transaction rolls back (no orphan row) and the event, should a timed-out insert have landed,
 * is cancelled.
 */
export async function bookAppointment(
  db: Db,
  spaCalendar: SpaCalendar,
  request: BookingRequest,
): Promise<{ appointmentId: string; customerId: string }> {
  const appointmentId = randomUUID();
  const eventId = eventIdFor(appointmentId);
  const calendarId = spaCalendar.calendarIdFor(request.provider);
  const end = new Date(request.start.getTime() + request.service.durationMinutes * 60_000);
  let eventMayExist = false;
  try {
    return await inTransaction(db, async (trx) => {
      const customer = await saveCustomerDetails(trx, request.spa.id, request.customerPhone, {
        name: request.customerName,
        email: request.email,
      });
      const customerId = customer.id;
      // Booked for someone else from this phone: the record keeps its name, the booking says who comes.
      const bookedFor =
        customer.name && customer.name.toLowerCase() !== request.customerName.toLowerCase() ? `Patient: ${request.customerName}` : undefined;
      const notes = [bookedFor, request.notes].filter(Boolean).join('\n') || null;
      await insertConfirmedAppointment(trx, {
        id: appointmentId,
        spaId: request.spa.id,
        customerId,
        providerId: request.provider.id,
        serviceId: request.service.id,
        startsAt: request.start,
        endsAt: end,
        calendarEventId: eventId,
        sourceConversationId: request.conversationId,
        notes,
      });
      if (request.textPatient !== false) {
        await addJob(trx, APPOINTMENT_TEXT_TASK, { appointmentId, purpose: 'confirmation' }, { jobKey: `appointment:${appointmentId}:notice` });
        await scheduleReminder(trx, request.spa, appointmentId, request.start, request.now);
      }
      eventMayExist = true;
      await spaCalendar.calendar.createEvent(
        calendarId,
        {
        id: eventId,
        summary: `${request.service.name}: ${request.customerName}`,
        description: `Booked by the AI receptionist.\nPatient: ${request.customerName} ${request.customerPhone}${
          request.email ? ` ${request.email}` : ''
        }\nProvider: ${request.provider.name}${request.notes ? `\nNotes: ${request.notes}` : ''}`,
        start: request.start,
        end,
        timeZone: request.spa.timezone,
        appointmentId,
        },
        { transaction: trx },
      );
      return { appointmentId, customerId };
    });
  } catch (error) {
    if (isProviderOverlap(error)) throw new SlotTakenError();
    if (eventMayExist) await spaCalendar.calendar.cancelEvent(calendarId, eventId).catch(() => {});
    throw calendarFailure(error);
  }
}

/** Moves an appointment in both stores; the old time stays if either refuses. */
export async function rescheduleAppointment(
  db: Db,
  spaCalendar: SpaCalendar,
  request: {
    spa: SpaProfile;
    appointment: AppointmentView;
    provider: ProviderInfo;
    service: ServiceInfo;
    start: Date;
    now: Date;
    /** False on a test-line call, or when staff told the patient themselves: no text about the new time. */
    textPatient?: boolean;
    /** Re-plan the reminder for the new time; by default only when the patient is texted (a test-line call leaves it as it was). */
    planReminder?: boolean;
  },
): Promise<void> {
  const { appointment } = request;
  const end = new Date(request.start.getTime() + request.service.durationMinutes * 60_000);
  const oldProvider = request.spa.providers.find((p) => p.id === appointment.providerId);
  const oldCalendarId = oldProvider ? spaCalendar.calendarIdFor(oldProvider) : undefined;
  const newCalendarId = spaCalendar.calendarIdFor(request.provider);
  const eventId = appointment.calendarEventId ?? eventIdFor(appointment.id);
  try {
    await inTransaction(db, async (trx) => {
      await moveAppointment(trx, appointment.id, request.provider.id, request.start, end);
      if (request.textPatient !== false)
        await addJob(trx, APPOINTMENT_TEXT_TASK, { appointmentId: appointment.id, purpose: 'reschedule' }, { jobKey: `appointment:${appointment.id}:notice` });
      if (request.planReminder ?? request.textPatient !== false) await scheduleReminder(trx, request.spa, appointment.id, request.start, request.now);
      if (oldCalendarId === newCalendarId) {
        await spaCalendar.calendar.moveEvent(newCalendarId, eventId, request.start, end, request.spa.timezone, { transaction: trx });
      } else {
        // A different provider's calendar: the event moves across.
        await spaCalendar.calendar.createEvent(newCalendarId, {
          id: eventId,
          summary: `${request.service.name} (moved)`,
          description: 'Moved by the AI receptionist.',
          start: request.start,
          end,
          timeZone: request.spa.timezone,
          appointmentId: appointment.id,
        }, { transaction: trx });
        if (oldCalendarId) await spaCalendar.calendar.cancelEvent(oldCalendarId, eventId, { transaction: trx });
      }
    });
  } catch (error) {
    if (isProviderOverlap(error)) throw new SlotTakenError();
    throw calendarFailure(error);
  }
}

/** A slot start; without an offset it is the spa's wall-clock time (models sometimes drop it, and the console sends it so). */
export function instantAt(spa: SpaProfile, text: string): Date {
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) return new Date(text);
  const date = parseLocalDate(text.slice(0, 10));
  const at = date ? fromLocal(date, minutesOf(text.slice(11, 16)), spa.timezone) : undefined;
  if (!at) throw new ToolError('INVALID_TIME', `${text} is not a time that exists at the spa.`);
  return at;
}

/** Why a start cannot be booked or moved to because the spa's clock has passed it; undefined when it is ahead. */
export function startHasPassed(spa: SpaProfile, start: Date, now: Date): string | undefined {
  if (start.getTime() > now.getTime()) return undefined;
  return `${spokenDateTime(start, spa.timezone)} has already passed (it is now ${spokenDateTime(now, spa.timezone)} at the spa).`;
}

/**
 * Why a start is no slot at all for this provider and service, whatever is booked: too soon for
 * the spa's notice, or outside the hours or off the spa's grid of start times. Undefined when it is
 * one (then only other bookings can be in its way).
 */
export function unbookableStart(spa: SpaProfile, service: ServiceInfo, provider: ProviderInfo, start: Date, now: Date): string | undefined {
  const when = spokenDateTime(start, spa.timezone);
  if (start.getTime() < now.getTime() + spa.settings.minNoticeMinutes * 60_000)
    return `${when} is too soon: the spa books at least ${spa.settings.minNoticeMinutes} minutes ahead.`;
  const local = toLocal(start, spa.timezone);
  const slots = freeSlots({
    timezone: spa.timezone,
    spaHours: spa.hours,
    providers: [{ id: provider.id, hours: provider.hours, busy: [] }],
    durationMinutes: service.durationMinutes,
    bufferMinutes: spa.settings.bufferMinutes,
    minNoticeMinutes: spa.settings.minNoticeMinutes,
    slotIntervalMinutes: spa.settings.slotIntervalMinutes,
    from: { year: local.year, month: local.month, day: local.day },
    days: 1,
    now,
  });
  if (slots.some((s) => s.start.getTime() === start.getTime())) return undefined;
  return `${when} is not a time ${provider.name} can be booked for ${service.name} (${service.durationMinutes} minutes): it is outside the opening hours, or not one of the spa's start times (every ${spa.settings.slotIntervalMinutes} minutes).`;
}

/** What came of moving an appointment to a start: moved, or not free then, with the nearest free times. */
export type MoveOutcome = { moved: true } | { moved: false; alternatives: OfferedSlot[] };

/**
 * Moves an appointment to `start` if that is free for the provider right now (the appointment does
 * not block itself), else offers the nearest free times; a booking that lands first between the
 * check and the move is the same "not free". The one reschedule the receptionist and staff share.
 */
export async function moveToFreeSlot(
  db: Db,
  spaCalendar: SpaCalendar,
  request: Parameters<typeof rescheduleAppointment>[2],
): Promise<MoveOutcome> {
  const { spa, service, provider, start, now, appointment } = request;
  const taken = async (): Promise<MoveOutcome> => ({
    moved: false,
    alternatives: await alternativesNear(db, spaCalendar, spa, service, [provider], start, now),
  });
  if (!(await slotIsFree(db, spaCalendar, { spa, service, provider, start, now, ignoreAppointment: appointment }))) return taken();
  try {
    await rescheduleAppointment(db, spaCalendar, request);
  } catch (error) {
    if (error instanceof SlotTakenError) return taken();
    throw error;
  }
  return { moved: true };
}

export async function cancelAppointment(
  db: Db,
  spaCalendar: SpaCalendar,
  request: { spa: SpaProfile; appointment: AppointmentView; textPatient?: boolean },
): Promise<void> {
  const { appointment } = request;
  const provider = request.spa.providers.find((p) => p.id === appointment.providerId);
  try {
    await inTransaction(db, async (trx) => {
      await cancelAppointmentRow(trx, appointment.id);
      // The cancellation text takes the place of a confirmation not sent yet; without one, that goes too.
      if (request.textPatient !== false)
        await addJob(trx, APPOINTMENT_TEXT_TASK, { appointmentId: appointment.id, purpose: 'cancellation' }, { jobKey: `appointment:${appointment.id}:notice` });
      else await removeJob(trx, `appointment:${appointment.id}:notice`);
      await removeJob(trx, `appointment:${appointment.id}:reminder`);
      if (provider)
        await spaCalendar.calendar.cancelEvent(
          spaCalendar.calendarIdFor(provider),
          appointment.calendarEventId ?? eventIdFor(appointment.id),
          { transaction: trx },
        );
    });
  } catch (error) {
    throw calendarFailure(error);
  }
}

/** What the spa's notice policy means for changing this appointment now. */
export function noticePolicy(spa: SpaProfile, appointment: AppointmentView, now: Date) {
  const hoursUntil = (appointment.startsAt.getTime() - now.getTime()) / 3_600_000;
  const required = spa.persona.cancellationNoticeHours;
  const late = hoursUntil < required;
  return {
    hoursUntilAppointment: Math.max(0, Math.round(hoursUntil * 10) / 10),
    requiredNoticeHours: required,
    lateChange: late,
    policy: spa.persona.policies.find((p) => /cancel|notice/i.test(p)) ?? `We ask for ${required} hours' notice.`,
  };
}

/** What came of a cancellation asked for by staff (the console's Appointments page). */
export type StaffCancellation =
  | { outcome: 'cancelled' }
  | { outcome: 'missing' }
  | { outcome: 'not_cancellable'; reason: string }
  | { outcome: 'calendar_unavailable'; message: string };

/**
 * Staff cancel an appointment the way the receptionist does (cancel_appointment): the row, the
 * calendar event and the reminder go in one transaction, and the patient is texted that it is
 * cancelled unless staff say not to (they told the patient themselves). A provider switched off
 * since the booking still has their event removed. Only a pending or confirmed appointment that is
 * not over can be cancelled; a calendar that cannot be reached changes nothing.
 */
export async function cancelForStaff(
  db: Db,
  calendars: SpaCalendars,
  request: { spaId: string; appointmentId: string; textPatient: boolean; now: Date },
): Promise<StaffCancellation> {
  const [spa, appointment] = await Promise.all([
    loadSpaProfile(db, request.spaId, { withInactive: true }),
    findAppointment(db, request.spaId, request.appointmentId),
  ]);
  if (!spa || !appointment) return { outcome: 'missing' };
  const why = whyNotChangeable(appointment, request.now, 'cancelled');
  if (why) return { outcome: 'not_cancellable', reason: why };
  try {
    await cancelAppointment(db, await spaCalendarFor(calendars, spa), { spa, appointment, textPatient: request.textPatient });
  } catch (error) {
    if (error instanceof ToolError) return { outcome: 'calendar_unavailable', message: 'The booking calendar could not be reached; nothing was changed. Try again in a moment.' };
    throw error;
  }
  return { outcome: 'cancelled' };
}
