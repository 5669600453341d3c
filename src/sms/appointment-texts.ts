import { appointmentTextDetails } from '../storage/appointment-repository.js';
import type { Db } from '../storage/database.js';
import { spokenDateTime } from '../tools/spa-facts.js';

/** The texts a patient gets about an appointment: short, plain, and with a way to reply. */

export type AppointmentTextPurpose = 'confirmation' | 'reschedule' | 'cancellation' | 'reminder';

export interface AppointmentText {
  spaId: string;
  customerId: string;
  body: string;
  /** Unique per version of the appointment and purpose: a retried job does not text twice. */
  idempotencyKey: string;
  startsAt: Date;
  timezone: string;
}

export async function composeAppointmentText(
  db: Db,
  appointmentId: string,
  purpose: AppointmentTextPurpose,
): Promise<AppointmentText | undefined> {
  const row = await appointmentTextDetails(db, appointmentId);
  if (!row) return undefined;
  // A text about a state the appointment is no longer in would mislead.
  const cancelled = row.status === 'cancelled';
  if ((purpose === 'cancellation') !== cancelled) return undefined;
  if (purpose === 'reminder' && row.status !== 'confirmed') return undefined;
  const when = spokenDateTime(row.startsAt, row.timezone);
  const street = row.address.split(',').slice(0, 2).join(',');
  const body = {
    confirmation: `${row.spaName}: you're booked for ${row.service} with ${row.provider} on ${when}, ${street}. Need to change it? Just reply to this text. Reply STOP to opt out.`,
    reschedule: `${row.spaName}: your ${row.service} with ${row.provider} is now on ${when}. Reply to this text if you need anything else.`,
    cancellation: `${row.spaName}: your ${row.service} on ${when} is cancelled. Reply to this text whenever you'd like to book again.`,
    reminder: `Reminder from ${row.spaName}: ${row.service} with ${row.provider} on ${when}, ${street}. Reply to this text if you need to reschedule.`,
  }[purpose];
  const version = purpose === 'reminder' ? row.startsAt.getTime() : row.updatedAt.getTime();
  return {
    spaId: row.spaId,
    customerId: row.customerId,
    body,
    idempotencyKey: `appointment:${appointmentId}:${purpose}:${version}`,
    startsAt: row.startsAt,
    timezone: row.timezone,
  };
}
