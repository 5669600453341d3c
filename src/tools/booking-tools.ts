import { z } from 'zod';
import { offerSlots } from '../calendar/availability.js';
import { addDays, formatLocalDate, fromLocal, minutesOf, parseLocalDate, spokenDateTime, toLocal } from '../calendar/zoned-time.js';
import { findAppointment, upcomingAppointments, type AppointmentView } from '../storage/appointment-repository.js';
import { recordOutcome } from '../storage/conversation-repository.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import {
  alternativesNear,
  bookAppointment,
  cancelAppointment,
  describeSlot,
  instantAt,
  moveToFreeSlot,
  noticePolicy,
  OFFERED_SLOTS,
  searchSlots,
  SlotTakenError,
  slotIsFree,
  spaCalendarFor,
  startHasPassed,
} from './booking.js';
import { normalisePhone, providersFor, resolveService } from './spa-lookup.js';
import { verifiedCustomer } from './customer-identity.js';
import { showOnTestLine } from './test-line-texts.js';
import { defineTool, ToolError, type ToolContext } from './tool.js';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');
const isoInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, 'use the start value of a slot from check_availability');

/** A start the spa's clock has already passed is refused outright, never booked or moved to. */
function futureStart(spa: SpaProfile, start: Date, now: Date): Date {
  const passed = startHasPassed(spa, start, now);
  if (!passed) return start;
  throw new ToolError('START_IN_PAST', `${passed} Offer a time from check_availability instead.`);
}

// Several calendar round trips with retries: the time limits cover the calendar's own retry bound
// (a booking abandoned by the registry would carry on unseen), and the caller hears a filler meanwhile.
const BOOKING_TIMEOUT_MS = 30_000;
const SEARCH_TIMEOUT_MS = 15_000;

function today(spa: SpaProfile, now: Date) {
  const local = toLocal(now, spa.timezone);
  return { year: local.year, month: local.month, day: local.day };
}

export function describeAppointment(spa: SpaProfile, appointment: AppointmentView) {
  return {
    appointmentId: appointment.id,
    service: spa.services.find((s) => s.id === appointment.serviceId)?.name ?? 'appointment',
    provider: spa.providers.find((p) => p.id === appointment.providerId)?.name ?? 'a provider',
    start: spokenDateTime(appointment.startsAt, spa.timezone),
  };
}

const identity = {
  phone: z.string().optional().describe('The phone number on the booking, when calling from another number (needs a verified code: send_verification_code, verify_code)'),
  name: z.string().min(2).optional().describe('The name on the booking, with `phone`'),
};

/**
 * The appointment the caller means: the id given, or their next one. Only the patient's own: known
 * by the number they call from, or by the number and name on file given together and a code texted
 * to that number read back (VERIFICATION_REQUIRED until then).
 */
async function targetAppointment(
  context: ToolContext,
  args: { appointmentId?: string | undefined; phone?: string | undefined; name?: string | undefined },
): Promise<AppointmentView> {
  const customerId = await verifiedCustomer(context, args);
  if (!customerId)
    throw new ToolError(
      'CUSTOMER_NOT_VERIFIED',
      'Ask for the phone number and name on the booking. If they do not match, offer to take a message for staff.',
    );
  if (args.appointmentId) {
    const found = await findAppointment(context.db, context.spa.id, args.appointmentId);
    if (!found || found.status !== 'confirmed' || found.customerId !== customerId)
      throw new ToolError('APPOINTMENT_NOT_FOUND', 'No upcoming appointment with that id for this patient. Use find_customer to list them.');
    return found;
  }
  const [next] = await upcomingAppointments(context.db, customerId, context.now());
  if (!next) throw new ToolError('NO_UPCOMING_APPOINTMENT', 'This patient has no upcoming appointment.');
  return next;
}

export const checkAvailability = defineTool({
  name: 'check_availability',
  readOnly: true,
  timeoutMs: SEARCH_TIMEOUT_MS,
  description:
    "Find free appointment times for a service. Give a day (YYYY-MM-DD, in the spa's time zone) or a range, and optionally a provider, a time of day, or the time the caller asked for. Returns a few concrete slots with their start values for booking; when the asked time is taken, says so and offers the nearest alternatives.",
  schema: z.object({
    service: z.string().min(1).describe('Service name as the caller said it, e.g. "Botox" or "HydraFacial"'),
    date: localDate.optional().describe('First day to search; today if omitted'),
    endDate: localDate.optional().describe('Last day to search (at most 14 days after date)'),
    provider: z.string().optional().describe('Provider name, if the caller asked for someone'),
    timeOfDay: z.enum(['morning', 'afternoon', 'evening']).optional(),
    preferredTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM, 24-hour')
      .optional()
      .describe('The exact time the caller asked for, HH:MM 24-hour, on `date`'),
  }),
  async execute(args, context) {
    const { spa } = context;
    const now = context.now();
    const service = resolveService(spa, args.service);
    const providers = providersFor(spa, service, args.provider);
    const from = args.date ? parseLocalDate(args.date) : today(spa, now);
    if (!from) throw new ToolError('INVALID_DATE', `${args.date} is not a date.`);
    const until = args.endDate ? parseLocalDate(args.endDate) : undefined;
    const days = until
      ? Math.min(15, Math.max(1, Math.round((Date.UTC(until.year, until.month - 1, until.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000) + 1))
      : 1;
    const spaCalendar = await spaCalendarFor(context.calendars, spa);
    const slots = await searchSlots(context.db, spaCalendar, {
      spa,
      service,
      providers,
      from,
      days,
      ...(args.timeOfDay ? { timeOfDay: args.timeOfDay } : {}),
      now,
    });
    const preferred = args.preferredTime ? fromLocal(from, minutesOf(args.preferredTime), spa.timezone) : undefined;
    const result: Record<string, unknown> = {
      service: service.name,
      durationMinutes: service.durationMinutes,
      searched: days === 1 ? formatLocalDate(from) : `${formatLocalDate(from)} to ${formatLocalDate(addDays(from, days - 1))}`,
    };
    if (preferred) {
      result.requestedTimeAvailable = slots.some((s) => s.start.getTime() === preferred.getTime());
      result.requestedTime = spokenDateTime(preferred, spa.timezone);
    }
    let offered = offerSlots(slots, { limit: OFFERED_SLOTS, ...(preferred ? { near: preferred } : {}) });
    if (offered.length === 0) {
      // Nothing then: look at the following week so the caller gets alternatives, not a dead end.
      const later = await searchSlots(context.db, spaCalendar, { spa, service, providers, from: addDays(from, days), days: 7, now });
      offered = offerSlots(later, { limit: OFFERED_SLOTS });
      result.note = offered.length > 0 ? 'Nothing free in the range asked; these are the next openings.' : 'Nothing free in the next week.';
    }
    result.slots = offered.map((slot) => describeSlot(spa, slot));
    return result;
  },
});

export const bookAppointmentTool = defineTool({
  name: 'book_appointment',
  readOnly: false,
  description:
    "Book a slot from check_availability after the caller has chosen it and given their full name (and confirmed their phone number). The slot is re-checked live; if it was just taken you get alternatives to offer. A confirmation text is sent to the caller's phone.",
  timeoutMs: BOOKING_TIMEOUT_MS,
  schema: z.object({
    service: z.string().min(1),
    start: isoInstant.describe('The `start` value of the chosen slot'),
    provider: z.string().optional().describe('The provider of the chosen slot (providerId or name)'),
    customerName: z.string().min(2).max(100).describe("The patient's full name"),
    customerPhone: z.string().optional().describe("Only if different from the caller's number, or the caller's number is unknown"),
    email: z.string().email().optional(),
    notes: z.string().max(500).optional(),
  }),
  async execute(args, context) {
    const { spa, db } = context;
    const now = context.now();
    const service = resolveService(spa, args.service);
    const start = futureStart(spa, instantAt(spa, args.start), now);
    const phone = args.customerPhone ? normalisePhone(args.customerPhone) : context.customerPhone;
    if (!phone) throw new ToolError('PHONE_REQUIRED', 'Ask for a phone number we can text the confirmation to.');
    const spaCalendar = await spaCalendarFor(context.calendars, spa);
    const candidates = args.provider ? providersFor(spa, service, args.provider) : providersFor(spa, service);
    // Live re-check: the first provider still free at that time takes it.
    let provider = undefined;
    for (const candidate of candidates) {
      if (await slotIsFree(db, spaCalendar, { spa, service, provider: candidate, start, now })) {
        provider = candidate;
        break;
      }
    }
    const taken = async () => ({
      booked: false,
      reason: 'That time is no longer available.',
      alternatives: await alternativesNear(db, spaCalendar, spa, service, candidates, start, now),
    });
    if (!provider) return taken();
    try {
      const { appointmentId } = await bookAppointment(db, spaCalendar, {
        spa,
        service,
        provider,
        start,
        customerPhone: phone,
        customerName: args.customerName,
        email: args.email,
        notes: args.notes,
        conversationId: context.conversationId,
        now,
        textPatient: !context.testLine,
      });
      if (context.conversationId) await recordOutcome(db, context.conversationId, 'booked');
      await showOnTestLine(context, appointmentId, 'confirmation');
      return {
        booked: true,
        appointmentId,
        service: service.name,
        provider: provider.name,
        start: spokenDateTime(start, spa.timezone),
        confirmationText: `A confirmation text will go to the number ending ${phone.slice(-4)}.`,
      };
    } catch (error) {
      if (error instanceof SlotTakenError) return taken();
      throw error;
    }
  },
});

export const rescheduleAppointmentTool = defineTool({
  name: 'reschedule_appointment',
  readOnly: false,
  description:
    "Move the caller's appointment to a new slot from check_availability. Without an appointmentId, moves their next upcoming appointment. Tell the caller about the notice policy when lateChange is true.",
  timeoutMs: BOOKING_TIMEOUT_MS,
  schema: z.object({
    appointmentId: z.string().uuid().optional(),
    newStart: isoInstant,
    provider: z.string().optional(),
    ...identity,
  }),
  async execute(args, context) {
    const { spa, db } = context;
    const now = context.now();
    const appointment = await targetAppointment(context, args);
    const service = spa.services.find((s) => s.id === appointment.serviceId);
    if (!service) throw new ToolError('SERVICE_RETIRED', 'That service is no longer offered; staff can help.');
    const spaCalendar = await spaCalendarFor(context.calendars, spa);
    const provider = args.provider
      ? providersFor(spa, service, args.provider)[0]
      : spa.providers.find((p) => p.id === appointment.providerId);
    if (!provider) throw new ToolError('UNKNOWN_PROVIDER', 'Which provider should it be with?');
    const start = futureStart(spa, instantAt(spa, args.newStart), now);
    const policy = noticePolicy(spa, appointment, now);
    const outcome = await moveToFreeSlot(db, spaCalendar, { spa, appointment, provider, service, start, now, textPatient: !context.testLine });
    if (!outcome.moved) return { moved: false, reason: 'That time is not available.', alternatives: outcome.alternatives };
    if (context.conversationId) await recordOutcome(db, context.conversationId, 'rescheduled');
    await showOnTestLine(context, appointment.id, 'reschedule');
    return {
      moved: true,
      from: spokenDateTime(appointment.startsAt, spa.timezone),
      to: spokenDateTime(start, spa.timezone),
      provider: provider.name,
      ...policy,
    };
  },
});

export const cancelAppointmentTool = defineTool({
  name: 'cancel_appointment',
  readOnly: false,
  description:
    "Cancel the caller's appointment (their next one if no appointmentId). Before calling, confirm which appointment; if lateChange is true, explain the cancellation policy kindly.",
  timeoutMs: BOOKING_TIMEOUT_MS,
  schema: z.object({ appointmentId: z.string().uuid().optional(), reason: z.string().max(300).optional(), ...identity }),
  async execute(args, context) {
    const { spa } = context;
    const appointment = await targetAppointment(context, args);
    const policy = noticePolicy(spa, appointment, context.now());
    await cancelAppointment(context.db, await spaCalendarFor(context.calendars, spa), { spa, appointment, textPatient: !context.testLine });
    if (context.conversationId) await recordOutcome(context.db, context.conversationId, 'cancelled');
    await showOnTestLine(context, appointment.id, 'cancellation');
    return { cancelled: true, ...describeAppointment(spa, appointment), ...policy };
  },
});
