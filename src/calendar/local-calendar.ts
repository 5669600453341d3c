import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Interval } from './availability.js';
import type { Calendar, CalendarEventInput, CalendarWriteOptions } from './calendar.js';

/** The calendar for spas without Google (and development): events in Postgres. */
export class LocalCalendar implements Calendar {
  readonly kind = 'local';

  constructor(private readonly db: Kysely<Database>) {}

  async busy(calendarIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const result = new Map<string, Interval[]>(calendarIds.map((id) => [id, []]));
    if (calendarIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('local_calendar_events')
      .select(['calendar_id', 'starts_at', 'ends_at'])
      .where('calendar_id', 'in', calendarIds)
      .where('status', '=', 'confirmed')
      .where('starts_at', '<', to)
      .where('ends_at', '>', from)
      .execute();
    for (const row of rows) result.get(row.calendar_id)?.push({ start: row.starts_at, end: row.ends_at });
    return result;
  }

  async createEvent(calendarId: string, event: CalendarEventInput, options: CalendarWriteOptions = {}): Promise<void> {
    await (options.transaction ?? this.db)
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

  async moveEvent(
    calendarId: string,
    eventId: string,
    start: Date,
    end: Date,
    _timeZone: string,
    options: CalendarWriteOptions = {},
  ): Promise<void> {
    await (options.transaction ?? this.db)
      .updateTable('local_calendar_events')
      .set({ starts_at: start, ends_at: end, status: 'confirmed', updated_at: new Date() })
      .where('calendar_id', '=', calendarId)
      .where('id', '=', eventId)
      .execute();
  }

  async cancelEvent(calendarId: string, eventId: string, options: CalendarWriteOptions = {}): Promise<void> {
    await (options.transaction ?? this.db)
      .updateTable('local_calendar_events')
      .set({ status: 'cancelled', updated_at: new Date() })
      .where('calendar_id', '=', calendarId)
      .where('id', '=', eventId)
      .execute();
  }
}
