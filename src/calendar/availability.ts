import { WEEKDAYS, type WeeklyHours } from '../storage/spa-profile.js';
import { addDays, fromLocal, minutesOf, toLocal, weekdayOf, type LocalDate } from './zoned-time.js';

/**
 * Free appointment slots: inside the spa's hours and the provider's own, clear of busy time
 * (calendar blocks and confirmed appointments) by the spa's buffer, after the minimum notice.
 * Pure: the callers fetch busy time; this only computes.
 */

export interface Interval {
  start: Date;
  end: Date;
}

export interface ProviderSchedule {
  id: string;
  /** Null: the spa's hours. */
  hours: WeeklyHours | null;
  busy: Interval[];
}

export type TimeOfDay = 'morning' | 'afternoon' | 'evening';

export interface AvailabilityQuery {
  timezone: string;
  spaHours: WeeklyHours;
  providers: ProviderSchedule[];
  durationMinutes: number;
  bufferMinutes: number;
  minNoticeMinutes: number;
  slotIntervalMinutes: number;
  from: LocalDate;
  days: number;
  timeOfDay?: TimeOfDay;
  now: Date;
}

export interface Slot {
  providerId: string;
  start: Date;
  end: Date;
}

const TIME_OF_DAY: Record<TimeOfDay, [number, number]> = {
  morning: [0, 12 * 60],
  afternoon: [12 * 60, 17 * 60],
  evening: [17 * 60, 24 * 60],
};

/** Minutes-of-day spans open on a weekday: the spa's hours, narrowed to the provider's. */
function openSpans(spa: WeeklyHours, provider: WeeklyHours | null, weekday: number): [number, number][] {
  const day = WEEKDAYS[weekday]!;
  const spaSpans = spa[day].map((s) => [minutesOf(s.open), minutesOf(s.close)] as [number, number]);
  if (!provider) return spaSpans;
  const out: [number, number][] = [];
  for (const [ps, pe] of provider[day].map((s) => [minutesOf(s.open), minutesOf(s.close)])) {
    for (const [ss, se] of spaSpans) {
      const start = Math.max(ps!, ss);
      const end = Math.min(pe!, se);
      if (end > start) out.push([start, end]);
    }
  }
  return out;
}

function clashes(start: number, end: number, busy: Interval[], bufferMs: number): boolean {
  return busy.some((b) => start < b.end.getTime() + bufferMs && b.start.getTime() - bufferMs < end);
}

/** Every free slot in the range, in time order (providers interleaved). */
export function freeSlots(query: AvailabilityQuery): Slot[] {
  const slots: Slot[] = [];
  const bufferMs = query.bufferMinutes * 60_000;
  const earliest = query.now.getTime() + query.minNoticeMinutes * 60_000;
  const [dayStart, dayEnd] = query.timeOfDay ? TIME_OF_DAY[query.timeOfDay] : [0, 24 * 60];
  for (let d = 0; d < query.days; d += 1) {
    const date = addDays(query.from, d);
    const weekday = weekdayOf(date);
    for (const provider of query.providers) {
      for (const [open, close] of openSpans(query.spaHours, provider.hours, weekday)) {
        for (let m = open; m + query.durationMinutes <= close; m += query.slotIntervalMinutes) {
          if (m < dayStart || m >= dayEnd) continue;
          const start = fromLocal(date, m, query.timezone);
          // The end is counted in real minutes, so a slot across a DST change keeps its length.
          if (!start || start.getTime() < earliest) continue;
          const end = new Date(start.getTime() + query.durationMinutes * 60_000);
          const endLocal = toLocal(end, query.timezone);
          if (endLocal.hour * 60 + endLocal.minute > close && endLocal.day === date.day) continue;
          if (clashes(start.getTime(), end.getTime(), provider.busy, bufferMs)) continue;
          slots.push({ providerId: provider.id, start, end });
        }
      }
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime() || a.providerId.localeCompare(b.providerId));
}

/**
 * A handful of slots a receptionist would offer: spread over the range (not six in one morning),
 * nearest the asked time first when there is one.
 */
export function offerSlots(slots: Slot[], options: { limit: number; near?: Date }): Slot[] {
  if (options.near) {
    const target = options.near.getTime();
    const byDistance = [...slots].sort(
      (a, b) => Math.abs(a.start.getTime() - target) - Math.abs(b.start.getTime() - target) || a.start.getTime() - b.start.getTime(),
    );
    const picked: Slot[] = [];
    for (const slot of byDistance) {
      if (picked.some((p) => p.start.getTime() === slot.start.getTime())) continue;
      picked.push(slot);
      if (picked.length === options.limit) break;
    }
    return picked.sort((a, b) => a.start.getTime() - b.start.getTime());
  }
  // Spread: first the earliest slot of each day, then more per day, never two within half an hour.
  const picked: Slot[] = [];
  const dayOf = (slot: Slot) => Math.floor(slot.start.getTime() / 86_400_000);
  for (let perDay = 1; picked.length < options.limit && perDay <= options.limit; perDay += 1) {
    for (const slot of slots) {
      if (picked.length === options.limit) break;
      if (picked.includes(slot)) continue;
      if (picked.some((p) => Math.abs(p.start.getTime() - slot.start.getTime()) < 30 * 60_000)) continue;
      if (picked.filter((p) => dayOf(p) === dayOf(slot)).length >= perDay) continue;
      picked.push(slot);
    }
  }
  return picked.sort((a, b) => a.start.getTime() - b.start.getTime());
}
