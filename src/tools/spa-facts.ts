import { WEEKDAYS, type WeeklyHours } from '../storage/spa-profile.js';
import type { ServiceInfo, SpaProfile } from '../storage/spa-repository.js';

/** The spa's facts in the words a receptionist would use (shared by the instructions and the tools). */

export function formatPrice(service: Pick<ServiceInfo, 'priceCents' | 'priceNote'>): string {
  if (service.priceCents === 0) return 'free';
  const amount =
    service.priceCents === null
      ? undefined
      : `$${(service.priceCents / 100).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;
  if (amount && service.priceNote) return `${amount} (${service.priceNote})`;
  return amount ?? service.priceNote ?? 'price on consultation';
}

function to12h(time: string): string {
  const [h = 0, m = 0] = time.split(':').map(Number);
  const suffix = h >= 12 && h < 24 ? 'PM' : 'AM';
  const hour = h % 12 === 0 ? 12 : h % 12;
  return m === 0 ? `${hour} ${suffix}` : `${hour}:${String(m).padStart(2, '0')} ${suffix}`;
}

export function describeHours(hours: WeeklyHours): string {
  return WEEKDAYS.map((day) => {
    const spans = hours[day];
    const name = day[0]!.toUpperCase() + day.slice(1);
    return spans.length === 0
      ? `${name}: closed`
      : `${name}: ${spans.map((s) => `${to12h(s.open)} to ${to12h(s.close)}`).join(', ')}`;
  }).join('\n');
}

export { spokenDateTime, toLocal, fromLocal } from '../calendar/zoned-time.js';

export function todayInTimezone(now: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(now);
}

/** Holidays, closures and special hours in the next four weeks (the spa's local dates), as lines of the facts. */
function upcomingExceptions(spa: SpaProfile, now: Date): string[] {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: spa.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const until = new Date(now.getTime() + 28 * 86_400_000);
  const last = new Intl.DateTimeFormat('en-CA', { timeZone: spa.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(until);
  const soon = spa.settings.hoursExceptions.filter((e) => e.date >= today && e.date <= last).sort((a, b) => a.date.localeCompare(b.date));
  if (soon.length === 0) return [];
  return [
    'Exceptions to these hours:',
    ...soon.map(
      (e) =>
        `- ${e.date}${e.note ? ` (${e.note})` : ''}: ${e.hours.length === 0 ? 'closed' : e.hours.map((h) => `${h.open}–${h.close}`).join(', ')}`,
    ),
  ];
}

/** What the receptionist knows of the spa, for the instructions of every channel. */
export function spaFactsText(spa: SpaProfile, now: Date): string {
  const services = spa.services.map((s) => `- ${s.name}: ${s.durationMinutes} minutes, ${formatPrice(s)}. ${s.description}`);
  const providers = spa.providers.map((p) => {
    const performs = spa.services.filter((s) => p.serviceIds.includes(s.id)).map((s) => s.name);
    return `- ${p.name}, ${p.title}. Performs: ${performs.join(', ')}.`;
  });
  return [
    '# The spa',
    `Name: ${spa.name}`,
    `Address: ${spa.address}`,
    `Local time now: ${todayInTimezone(now, spa.timezone)} (${spa.timezone}).`,
    'Opening hours:',
    describeHours(spa.hours),
    ...upcomingExceptions(spa, now),
    '',
    '# Services',
    ...services,
    '',
    '# Providers',
    ...providers,
    '',
    '# Policies',
    ...spa.persona.policies.map((p) => `- ${p}`),
    `- Cancellations and changes need ${spa.persona.cancellationNoticeHours} hours' notice.`,
  ].join('\n');
}
