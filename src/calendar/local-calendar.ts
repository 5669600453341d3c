import type { Db } from '../storage/database.js';
import { cancelLocalEvent, confirmedLocalEvents, moveLocalEvent, upsertLocalEvent } from '../storage/local-calendar-repository.js';
import type { Interval } from './availability.js';
import type { Calendar, CalendarEventInput, CalendarWriteOptions } from './calendar.js';

/** The calendar for spas without Google (and development): events in Postgres. */
export class LocalCalendar implements Calendar {
  readonly kind = 'local';

  constructor(private readonly db: Db) {}

  async busy(calendarIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const result = new Map<string, Interval[]>(calendarIds.map((id) => [id, []]));
    if (calendarIds.length === 0) return result;
    const rows = await confirmedLocalEvents(this.db, calendarIds, from, to);
    for (const row of rows) result.get(row.calendar_id)?.push({ start: row.starts_at, end: row.ends_at });
    return result;
  }

  async createEvent(calendarId: string, event: CalendarEventInput, options: CalendarWriteOptions = {}): Promise<void> {
    await upsertLocalEvent(options.transaction ?? this.db, calendarId, event);
  }

  async moveEvent(
    calendarId: string,
    eventId: string,
    start: Date,
    end: Date,
    _timeZone: string,
    options: CalendarWriteOptions = {},
  ): Promise<void> {
    await moveLocalEvent(options.transaction ?? this.db, calendarId, eventId, start, end);
  }

  async cancelEvent(calendarId: string, eventId: string, options: CalendarWriteOptions = {}): Promise<void> {
    await cancelLocalEvent(options.transaction ?? this.db, calendarId, eventId);
  }
}
