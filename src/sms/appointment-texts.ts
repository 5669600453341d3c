import { appointmentTextDetails } from '../storage/appointment-repository.js';
import type { Db } from '../storage/database.js';
import { customerTextTemplates } from './templates/text-language.js';

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
  // In the patient's language (from their calls and texts), when the spa serves it.
  const { texts } = await customerTextTemplates(db, row.spaId, row.customerId);
  const facts = {
    spaName: row.spaName,
    service: row.service,
    provider: row.provider,
    when: texts.dateTime(row.startsAt, row.timezone),
    street: row.address.split(',').slice(0, 2).join(','),
  };
  const body = texts[purpose](facts);
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
