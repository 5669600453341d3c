import type { UsageTotals, WeekHighlights } from '../storage/analytics-queries.js';

/** The owner's weekly digest: figures for the week, what patients asked, and who to call back, as JSON and as an email body. */

export interface WeeklyDigest {
  spa: string;
  week: { from: string; to: string };
  calls: number;
  texts: number;
  bookings: number;
  conversionRate: number | null;
  averageSatisfaction: number | null;
  costUsd: number;
  costPerBookingUsd: number | null;
  outcomes: Record<string, number>;
  topQuestions: WeekHighlights['topQuestions'];
  topServices: WeekHighlights['topServices'];
  callBacks: (WeekHighlights['callBacks'][number] & { why: 'unhappy' | 'follow_up' })[];
  subject: string;
  text: string;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const money = (usd: number) => `$${usd.toFixed(2)}`;

function longDay(day: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

const OUTCOME_WORDS: Record<string, string> = {
  booked: 'booked',
  rescheduled: 'rescheduled',
  cancelled: 'cancelled',
  question_answered: 'questions answered',
  message_taken: 'messages taken',
  transferred: 'transferred to staff',
  abandoned: 'ended early',
  spam_or_wrong_number: 'spam or wrong number',
  unknown: 'not readable',
  not_analysed: 'not analysed yet',
};

export function buildWeeklyDigest(spa: string, week: { from: string; to: string }, totals: UsageTotals, highlights: WeekHighlights): WeeklyDigest {
  const costPerBooking = totals.bookings > 0 ? round(totals.cost_total_usd / totals.bookings, 4) : null;
  const averageSatisfaction = totals.satisfaction_count > 0 ? round(totals.satisfaction_sum / totals.satisfaction_count, 2) : null;
  const callBacks = highlights.callBacks.map((c) => ({ ...c, why: c.satisfaction !== null && c.satisfaction <= 2 ? ('unhappy' as const) : ('follow_up' as const) }));
  const period = `${longDay(week.from)}–${longDay(week.to)}`;
  const subject = `${spa}: your receptionist's week of ${period} — ${totals.calls} call${totals.calls === 1 ? '' : 's'}, ${totals.bookings} booking${totals.bookings === 1 ? '' : 's'}`;

  const lines = [
    `${spa} — week of ${period}`,
    '',
    `Calls: ${totals.calls}   Text threads: ${totals.text_threads}   Bookings: ${totals.bookings}`,
    `Cost: ${money(totals.cost_total_usd)}${costPerBooking === null ? '' : ` (${money(costPerBooking)} per booking)`}` +
      (averageSatisfaction === null ? '' : `   Average satisfaction: ${averageSatisfaction} / 5`),
  ];
  const outcomes = Object.entries(highlights.outcomes).filter(([, n]) => n > 0);
  if (outcomes.length > 0) lines.push(`Outcomes: ${outcomes.map(([o, n]) => `${n} ${OUTCOME_WORDS[o] ?? o}`).join(', ')}`);
  if (highlights.topQuestions.length > 0) {
    lines.push('', 'What patients asked most:');
    for (const q of highlights.topQuestions) lines.push(`  - ${q.question} (${q.count})`);
  }
  if (highlights.topServices.length > 0) lines.push('', `Services asked about: ${highlights.topServices.map((s) => `${s.service} (${s.count})`).join(', ')}`);
  lines.push('', callBacks.length > 0 ? 'Worth a call back:' : 'Nobody left unhappy or waiting for a call back.');
  for (const c of callBacks) {
    const who = [c.customerName, c.customerPhone].filter(Boolean).join(', ') || 'unknown caller';
    const feeling = c.satisfaction === null ? '' : ` — satisfaction ${c.satisfaction}/5${c.satisfactionReason ? `: ${c.satisfactionReason}` : ''}`;
    lines.push(`  - ${who} (${c.channel === 'voice' ? 'call' : 'texts'}, ${c.startedAt.toISOString().slice(0, 10)})${feeling}`);
    if (c.summary) lines.push(`    ${c.summary.replace(/\n/g, ' ')}`);
  }

  return {
    spa,
    week,
    calls: totals.calls,
    texts: totals.text_threads,
    bookings: totals.bookings,
    conversionRate: totals.calls > 0 ? round(totals.bookings / totals.calls, 3) : null,
    averageSatisfaction,
    costUsd: round(totals.cost_total_usd, 6),
    costPerBookingUsd: costPerBooking,
    outcomes: highlights.outcomes,
    topQuestions: highlights.topQuestions,
    topServices: highlights.topServices,
    callBacks,
    subject,
    text: lines.join('\n'),
  };
}
