import type { Db } from './database.js';
import type { AppointmentStatus } from './schema.js';

export interface AppointmentView {
  id: string;
  spaId: string;
  customerId: string;
  providerId: string;
  serviceId: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  calendarEventId: string | null;
}

const columns = [
  'id',
  'spa_id as spaId',
  'customer_id as customerId',
  'provider_id as providerId',
  'service_id as serviceId',
  'starts_at as startsAt',
  'ends_at as endsAt',
  'status',
  'calendar_event_id as calendarEventId',
] as const;

/** Confirmed appointments of these providers that overlap [from, to), as busy time per provider. */
export async function confirmedAppointmentsOverlapping(
  db: Db,
  providerIds: string[],
  from: Date,
  to: Date,
  exceptAppointmentId?: string,
): Promise<AppointmentView[]> {
  if (providerIds.length === 0) return [];
  let query = db
    .selectFrom('appointments')
    .select(columns)
    .where('provider_id', 'in', providerIds)
    .where('status', '=', 'confirmed')
    .where('starts_at', '<', to)
    .where('ends_at', '>', from);
  if (exceptAppointmentId) query = query.where('id', '!=', exceptAppointmentId);
  return query.execute();
}

export async function upcomingAppointments(db: Db, customerId: string, now: Date): Promise<AppointmentView[]> {
  return db
    .selectFrom('appointments')
    .select(columns)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'confirmed')
    .where('ends_at', '>', now)
    .orderBy('starts_at')
    .limit(10)
    .execute();
}

/**
 * Why staff can no longer change an appointment (cancel or move it) at `now`, in words; undefined
 * when they can: it must be pending or confirmed and not yet over. One rule for the staff routes
 * and the list's `cancellable`, so the console offers only what the server will do.
 */
export function whyNotChangeable(appointment: { status: string; endsAt: Date }, now: Date, done: 'cancelled' | 'moved'): string | undefined {
  if (appointment.status !== 'confirmed' && appointment.status !== 'pending')
    return `This appointment is ${appointment.status.replace('_', ' ')}; only a pending or confirmed one can be ${done}.`;
  if (appointment.endsAt.getTime() <= now.getTime()) return `This appointment is over; it can no longer be ${done}.`;
  return undefined;
}

export async function findAppointment(db: Db, spaId: string, appointmentId: string): Promise<AppointmentView | undefined> {
  return db.selectFrom('appointments').select(columns).where('spa_id', '=', spaId).where('id', '=', appointmentId).executeTakeFirst();
}

export interface NewAppointment {
  id: string;
  spaId: string;
  customerId: string;
  providerId: string;
  serviceId: string;
  startsAt: Date;
  endsAt: Date;
  calendarEventId: string;
  sourceConversationId: string | null;
  notes: string | null;
}

/** Throws Postgres 23P01 (appointments_no_provider_overlap) when the provider is already booked. */
export async function insertConfirmedAppointment(db: Db, appointment: NewAppointment): Promise<void> {
  await db
    .insertInto('appointments')
    .values({
      id: appointment.id,
      spa_id: appointment.spaId,
      customer_id: appointment.customerId,
      provider_id: appointment.providerId,
      service_id: appointment.serviceId,
      starts_at: appointment.startsAt,
      ends_at: appointment.endsAt,
      status: 'confirmed',
      calendar_event_id: appointment.calendarEventId,
      source_conversation_id: appointment.sourceConversationId,
      notes: appointment.notes,
    })
    .execute();
}

export async function moveAppointment(db: Db, id: string, providerId: string, startsAt: Date, endsAt: Date): Promise<void> {
  await db
    .updateTable('appointments')
    .set({ provider_id: providerId, starts_at: startsAt, ends_at: endsAt, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export async function cancelAppointmentRow(db: Db, id: string): Promise<void> {
  await db
    .updateTable('appointments')
    .set({ status: 'cancelled', cancelled_at: new Date(), updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** True for Postgres' refusal of an overlapping booking. */
export function isProviderOverlap(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error as { code?: unknown }).code === '23P01' &&
    (error as { constraint?: unknown }).constraint === 'appointments_no_provider_overlap'
  );
}

/** What a text about an appointment says: its state and time, the spa, service and provider. */
export async function appointmentTextDetails(db: Db, appointmentId: string) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('spas as sp', 'sp.id', 'a.spa_id')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .innerJoin('providers as p', 'p.id', 'a.provider_id')
    .select([
      'a.spa_id as spaId',
      'a.customer_id as customerId',
      'a.status',
      'a.starts_at as startsAt',
      'a.updated_at as updatedAt',
      'sp.name as spaName',
      'sp.address',
      'sp.timezone',
      's.name as service',
      'p.name as provider',
    ])
    .where('a.id', '=', appointmentId)
    .executeTakeFirst();
}
