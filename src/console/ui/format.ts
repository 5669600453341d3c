/** How the console writes times, durations, money and outcomes: one place, the same everywhere. */

/** Times are the spa's, wherever the browser is: set once the spa's settings are known. */
let zone: string | undefined;
let formats = makeFormats(undefined);

function makeFormats(timeZone: string | undefined) {
  const z = timeZone ? { timeZone } : {};
  return {
    time: new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', ...z }),
    dayTime: new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', ...z }),
    day: new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }),
    isoDay: new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...z }),
    clock: new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...z }),
  };
}

export function setSpaTimeZone(timeZone: string): void {
  if (timeZone === zone) return;
  zone = timeZone;
  formats = makeFormats(timeZone);
}

export const time = (iso: string) => formats.time.format(new Date(iso));
export const dayTime = (iso: string) => formats.dayTime.format(new Date(iso));
/** The spa's wall-clock time of an instant as HH:MM, 24-hour (what a time field holds). */
export const clock = (iso: string) => formats.clock.format(new Date(iso));
/** A calendar day (YYYY-MM-DD) as "Wed, Dec 2". */
export const day = (isoDay: string) => formats.day.format(new Date(`${isoDay}T12:00:00Z`));

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function usd(value: string | number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—';
  const n = typeof value === 'string' ? Number(value) : value;
  if (n > 0 && n < 0.01 && digits === 2) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(digits)}`;
}

/** +12025550123 → (202) 555-0123 for US numbers; others as given. */
export function phone(value: string | null | undefined): string {
  if (!value) return '—';
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value);
  return us ? `(${us[1]}) ${us[2]}-${us[3]}` : value;
}

export const OUTCOMES: Record<string, string> = {
  booked: 'Booked',
  rescheduled: 'Rescheduled',
  cancelled: 'Cancelled',
  question_answered: 'Question answered',
  message_taken: 'Message taken',
  transferred: 'Transferred',
  abandoned: 'Ended early',
  spam_or_wrong_number: 'Spam / wrong number',
  unknown: 'Unclear',
};

export const outcome = (value: string | null | undefined) => (value ? (OUTCOMES[value] ?? value.replace(/_/g, ' ')) : 'Not analysed yet');

/** The spa's calendar day of an instant (default now), as YYYY-MM-DD. */
export function isoDay(date = new Date()): string {
  return formats.isoDay.format(date);
}

/** Calendar arithmetic on YYYY-MM-DD, independent of any time zone. */
export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export const words = (value: string) => value.replace(/_/g, ' ');
