/** How the console writes times, durations, money and outcomes: one place, the same everywhere. */

const timeFormat = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric' });

export const time = (iso: string) => timeFormat.format(new Date(iso));
export const dayTime = (iso: string) => dayTimeFormat.format(new Date(iso));
export const day = (isoDay: string) => dayFormat.format(new Date(`${isoDay}T12:00:00`));

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

/** Today in the browser's calendar, as YYYY-MM-DD. */
export function isoDay(date = new Date()): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T12:00:00`);
  date.setDate(date.getDate() + days);
  return isoDay(date);
}

export const words = (value: string) => value.replace(/_/g, ' ');
