import { z } from 'zod';

/** A day that exists: the pattern alone would let 2026-02-30 through to Postgres, which refuses it. */
export function isCalendarDay(text: string): boolean {
  const [year = 0, month = 0, day = 0] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A day in the spa's calendar, as YYYY-MM-DD, checked to exist. */
export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
  .refine(isCalendarDay, 'not a day of the calendar (YYYY-MM-DD, from 1900)');
