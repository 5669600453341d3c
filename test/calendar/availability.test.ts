import t from 'tap';
import { freeSlots, offerSlots, type AvailabilityQuery } from '../../src/calendar/availability.js';
import { fromLocal, isoWithOffset, spokenDateTime } from '../../src/calendar/zoned-time.js';
import type { WeeklyHours } from '../../src/storage/spa-profile.js';

const TZ = 'America/New_York';
const closed = { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };
const everyDay = (open: string, close: string): WeeklyHours => ({
  monday: [{ open, close }],
  tuesday: [{ open, close }],
  wednesday: [{ open, close }],
  thursday: [{ open, close }],
  friday: [{ open, close }],
  saturday: [{ open, close }],
  sunday: [{ open, close }],
});

function query(overrides: Partial<AvailabilityQuery> = {}): AvailabilityQuery {
  return {
    timezone: TZ,
    spaHours: everyDay('10:00', '13:00'),
    providers: [{ id: 'p1', hours: null, busy: [] }],
    durationMinutes: 60,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    slotIntervalMinutes: 30,
    from: { year: 2026, month: 12, day: 1 },
    days: 1,
    now: new Date('2026-11-01T00:00:00Z'),
    ...overrides,
  };
}

const local = (iso: string) => new Date(iso);
const starts = (q: AvailabilityQuery) => freeSlots(q).map((s) => isoWithOffset(s.start, TZ).slice(11, 16));

t.test('slots fill the opening hours and end by closing time', async (t) => {
  t.same(starts(query()), ['10:00', '10:30', '11:00', '11:30', '12:00']);
});

t.test('busy time in the calendar is not offered', async (t) => {
  const busy = [{ start: local('2026-12-01T11:00:00-05:00'), end: local('2026-12-01T11:30:00-05:00') }];
  t.same(starts(query({ providers: [{ id: 'p1', hours: null, busy }] })), ['10:00', '11:30', '12:00']);
});

t.test('the buffer keeps appointments apart', async (t) => {
  const busy = [{ start: local('2026-12-01T11:00:00-05:00'), end: local('2026-12-01T11:30:00-05:00') }];
  t.same(starts(query({ providers: [{ id: 'p1', hours: null, busy }], bufferMinutes: 15 })), ['12:00']);
});

t.test('minimum notice hides slots too soon to book', async (t) => {
  t.same(starts(query({ now: local('2026-12-01T09:45:00-05:00'), minNoticeMinutes: 60 })), ['11:00', '11:30', '12:00']);
});

t.test("a provider's own hours narrow the spa's", async (t) => {
  const hours = { ...closed, tuesday: [{ open: '11:30', close: '18:00' }] };
  t.same(starts(query({ providers: [{ id: 'p1', hours, busy: [] }] })), ['11:30', '12:00']);
  const off = { ...closed };
  t.same(starts(query({ providers: [{ id: 'p1', hours: off, busy: [] }] })), [], 'a day off has no slots');
});

t.test('a closed day has no slots', async (t) => {
  t.same(starts(query({ spaHours: closed })), []);
});

t.test('time of day filters slots', async (t) => {
  t.same(starts(query({ timeOfDay: 'afternoon' })), ['12:00']);
  t.same(starts(query({ timeOfDay: 'morning' })), ['10:00', '10:30', '11:00', '11:30']);
});

t.test('on the day clocks spring forward, slots are at the right instants', async (t) => {
  // 2026-03-08: 2:00 AM EST becomes 3:00 AM EDT.
  const before = freeSlots(query({ from: { year: 2026, month: 3, day: 7 }, now: new Date('2026-01-01T00:00:00Z') }));
  const on = freeSlots(query({ from: { year: 2026, month: 3, day: 8 }, now: new Date('2026-01-01T00:00:00Z') }));
  t.equal(before[0]?.start.toISOString(), '2026-03-07T15:00:00.000Z', '10 AM EST');
  t.equal(on[0]?.start.toISOString(), '2026-03-08T14:00:00.000Z', '10 AM EDT');
  t.equal(on.length, before.length, 'the same number of slots');
  t.equal((on[0]!.end.getTime() - on[0]!.start.getTime()) / 60_000, 60);
});

t.test('on the day clocks fall back, slots are at the right instants', async (t) => {
  const on = freeSlots(query({ from: { year: 2026, month: 11, day: 1 }, now: new Date('2026-01-01T00:00:00Z') }));
  t.equal(on[0]?.start.toISOString(), '2026-11-01T15:00:00.000Z', '10 AM EST, the day clocks went back');
  t.equal(spokenDateTime(on[0]!.start, TZ), 'Sunday, November 1 at 10 AM');
});

t.test('a local time that does not exist has no instant', async (t) => {
  t.equal(fromLocal({ year: 2026, month: 3, day: 8 }, 2 * 60 + 30, TZ), undefined);
  t.equal(fromLocal({ year: 2026, month: 11, day: 1 }, 60 + 30, TZ)?.toISOString(), '2026-11-01T05:30:00.000Z', 'first of two 1:30s');
});

t.test('times are spoken the way a receptionist says them', async (t) => {
  t.equal(spokenDateTime(new Date('2026-03-03T19:30:00Z'), TZ), 'Tuesday, March 3 at 2:30 PM');
  t.equal(isoWithOffset(new Date('2026-03-03T19:30:00Z'), TZ), '2026-03-03T14:30:00-05:00');
  t.equal(isoWithOffset(new Date('2026-07-03T19:30:00Z'), TZ), '2026-07-03T15:30:00-04:00');
});

t.test('offers spread over the day, or cluster around the asked time', async (t) => {
  const slots = freeSlots(query({ spaHours: everyDay('09:00', '17:00'), slotIntervalMinutes: 15 }));
  const spread = offerSlots(slots, { limit: 3 }).map((s) => isoWithOffset(s.start, TZ).slice(11, 16));
  t.same(spread, ['09:00', '09:30', '10:00']);
  const near = offerSlots(slots, { limit: 3, near: local('2026-12-01T14:00:00-05:00') }).map((s) => isoWithOffset(s.start, TZ).slice(11, 16));
  t.same(near, ['13:45', '14:00', '14:15']);
});
