import { WEEKDAYS, type WeeklyHours } from '../storage/spa-profile.js';
import type { ServiceInfo } from '../storage/spa-repository.js';

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
