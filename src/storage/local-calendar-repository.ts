import type { Db } from './database.js';

/** The local calendar's events (spas without Google, and development). */

export interface LocalCalendarEvent {
  id: string;
  summary: string;
  description: string;
  start: Date;
  end: Date;
  appointmentId: string;
}

/** Confirmed events of these calendars that overlap [from, to). */
export async function confirmedLocalEvents(db: Db, calendarIds: string[], from: Date, to: Date) {
  return db
    .selectFrom('local_calendar_events')
    .select(['calendar_id', 'starts_at', 'ends_at'])
    .where('calendar_id', 'in', calendarIds)
    .where('status', '=', 'confirmed')
    .where('starts_at', '<', to)
    .where('ends_at', '>', from)
    .execute();
}

/** Creates the event, or confirms the one with this id again at the given times. */
export async function upsertLocalEvent(db: Db, calendarId: string, event: LocalCalendarEvent): Promise<void> {
  await db
    .insertInto('local_calendar_events')
    .values({
      calendar_id: calendarId,
      id: event.id,
      status: 'confirmed',
      summary: event.summary,
      description: event.description,
      starts_at: event.start,
      ends_at: event.end,
      appointment_id: event.appointmentId,
    })
    .onConflict((oc) =>
      oc.columns(['calendar_id', 'id']).doUpdateSet({
        status: 'confirmed',
        starts_at: event.start,
        ends_at: event.end,
        updated_at: new Date(),
      }),
    )
    .execute();
}

export async function moveLocalEvent(db: Db, calendarId: string, eventId: string, start: Date, end: Date): Promise<void> {
  await db
    .updateTable('local_calendar_events')
    .set({ starts_at: start, ends_at: end, status: 'confirmed', updated_at: new Date() })
    .where('calendar_id', '=', calendarId)
    .where('id', '=', eventId)
    .execute();
}

export async function cancelLocalEvent(db: Db, calendarId: string, eventId: string): Promise<void> {
  await db
    .updateTable('local_calendar_events')
    .set({ status: 'cancelled', updated_at: new Date() })
    .where('calendar_id', '=', calendarId)
    .where('id', '=', eventId)
    .execute();
}
