import { toLocal, fromLocal, addDays, formatLocalDate, minutesOf, spokenDateTime, weekdayOf, type LocalDate } from '../calendar/zoned-time.js';
import { WEEKDAYS, type WeeklyHours } from '../storage/spa-profile.js';
import type { ProviderInfo, ServiceInfo, SpaProfile } from '../storage/spa-repository.js';
import { ToolError } from './tool.js';

/** Finding what the caller means in the spa's own catalog, and the spa's clock. */

const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

export function resolveService(spa: SpaProfile, asked: string): ServiceInfo {
  const wanted = normalise(asked);
  const match =
    spa.services.find((s) => s.id === asked || s.slug === asked || normalise(s.name) === wanted) ??
    spa.services.find((s) => normalise(s.name).includes(wanted) || normalise(s.slug).includes(wanted)) ??
    spa.services.find((s) => wanted.split(' ').some((word) => word.length > 3 && normalise(s.name).includes(word)));
  if (!match)
    throw new ToolError('UNKNOWN_SERVICE', `We do not offer "${asked}". Services: ${spa.services.map((s) => s.name).join('; ')}.`);
  return match;
}

export function resolveProvider(spa: SpaProfile, asked: string): ProviderInfo {
  const wanted = normalise(asked).replace(/^dr /, '');
  const match = spa.providers.find(
    (p) => p.id === asked || p.slug === asked || normalise(p.name).replace(/^dr /, '').includes(wanted) || normalise(p.name).split(' ').includes(wanted),
  );
  if (!match) throw new ToolError('UNKNOWN_PROVIDER', `No provider called "${asked}". Providers: ${spa.providers.map((p) => p.name).join('; ')}.`);
  return match;
}

export function providersFor(spa: SpaProfile, service: ServiceInfo, asked?: string): ProviderInfo[] {
  const able = spa.providers.filter((p) => p.serviceIds.includes(service.id));
  if (!asked) return able;
  const provider = resolveProvider(spa, asked);
  if (!able.includes(provider)) throw new ToolError('PROVIDER_DOES_NOT_PERFORM', `${provider.name} does not perform ${service.name}.`);
  return [provider];
}

/** US numbers as people say them (10 digits) or E.164. */
export function normalisePhone(text: string): string | undefined {
  const digits = text.replace(/[^\d+]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(digits)) return digits;
  const bare = digits.replace(/\D/g, '');
  if (bare.length === 10) return `+1${bare}`;
  if (bare.length === 11 && bare.startsWith('1')) return `+${bare}`;
  return undefined;
}

/** The opening spans of a local date: its exception (a holiday, a closure, special hours) if it has one, else the weekly hours. */
export function openingSpansOn(spa: Pick<SpaProfile, 'hours' | 'settings'>, date: LocalDate): WeeklyHours[keyof WeeklyHours] {
  const key = formatLocalDate(date);
  const exception = spa.settings.hoursExceptions.find((e) => e.date === key);
  return exception ? exception.hours : spa.hours[WEEKDAYS[weekdayOf(date)]!];
}

/** Whether the spa is open right now, and if not, when it next opens (spoken). Exception days win over the weekly hours. */
export function openingState(spa: SpaProfile, now: Date): { open: boolean; nextOpening: string | null } {
  const local = toLocal(now, spa.timezone);
  const minute = local.hour * 60 + local.minute;
  const today = { year: local.year, month: local.month, day: local.day };
  const spans = openingSpansOn(spa, today);
  if (spans.some((s) => minutesOf(s.open) <= minute && minute < minutesOf(s.close))) return { open: true, nextOpening: null };
  // Far enough ahead to pass a closure of a couple of weeks.
  for (let d = 0; d < 22; d += 1) {
    const date = addDays(today, d);
    for (const span of openingSpansOn(spa, date)) {
      const opens = minutesOf(span.open);
      if (d === 0 && opens <= minute) continue;
      const at = fromLocal(date, opens, spa.timezone);
      if (at) return { open: false, nextOpening: spokenDateTime(at, spa.timezone) };
    }
  }
  return { open: false, nextOpening: null };
}
