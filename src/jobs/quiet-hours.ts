import { fromLocal, toLocal } from '../tools/spa-facts.js';

/** No unsolicited texts at night in the spa's time zone: 9 PM to 8 AM. */
export const QUIET_FROM_HOUR = 21;
export const QUIET_UNTIL_HOUR = 8;

/** When a text due at `at` may go out: `at` itself, or 8 AM after a quiet night. */
export function nextSendableTime(at: Date, timezone: string): Date {
  const local = toLocal(at, timezone);
  if (local.hour >= QUIET_UNTIL_HOUR && local.hour < QUIET_FROM_HOUR) return at;
  const day = { year: local.year, month: local.month, day: local.day };
  const morning = local.hour < QUIET_UNTIL_HOUR ? day : (() => {
    const next = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
    return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
  })();
  return fromLocal(morning, QUIET_UNTIL_HOUR * 60, timezone) ?? at;
}
