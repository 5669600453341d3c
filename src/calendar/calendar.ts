import type { Trx } from '../storage/database.js';
import type { Interval } from './availability.js';

/** A booking calendar, whether the spa's Google Calendar or the local one in Postgres. */

export interface CalendarEventInput {
  /** Ours, stable for the appointment, so a retried insert finds the first one. base32hex (a–v, 0–9). */
  id: string;
  summary: string;
  description: string;
  start: Date;
  end: Date;
  timeZone: string;
  appointmentId: string;
}

/**
 * Writes may run inside the booking's database transaction. Only the local calendar (which lives
 * in Postgres) uses it: writing through the same connection keeps a booking that waits on another
 * from starving the pool.
 */
export interface CalendarWriteOptions {
  transaction?: Trx;
}

export interface Calendar {
  readonly kind: 'local' | 'google';
  /** Busy intervals per calendar id. A calendar we cannot read is an error, never free time. */
  busy(calendarIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>>;
  /** Creates the event; calling it again with the same id is safe (it confirms the one that exists). */
  createEvent(calendarId: string, event: CalendarEventInput, options?: CalendarWriteOptions): Promise<void>;
  moveEvent(calendarId: string, eventId: string, start: Date, end: Date, timeZone: string, options?: CalendarWriteOptions): Promise<void>;
  /** Cancels the event; an event already gone is fine. */
  cancelEvent(calendarId: string, eventId: string, options?: CalendarWriteOptions): Promise<void>;
}

export type CalendarErrorCode =
  | 'CALENDAR_NOT_FOUND'
  | 'CALENDAR_UNAVAILABLE'
  | 'CALENDAR_AUTH'
  | 'CALENDAR_NOT_CONNECTED'
  | 'CALENDAR_ERROR';

export class CalendarError extends Error {
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
    readonly recoverable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CalendarError';
  }
}

/** Google event ids: base32hex, 5–1024 chars. A UUID without dashes is one. */
export function eventIdFor(appointmentId: string): string {
  return `appt${appointmentId.replaceAll('-', '').toLowerCase()}`;
}
