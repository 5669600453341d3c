import { sql } from 'kysely';
import type { Db } from './database.js';
import { USAGE_COSTS, USAGE_COUNTERS, type UsageCost, type UsageCounter } from './usage-repository.js';

/**
 * Analytics read the daily usage rows (kept by the analysis job), never messages. Days are the
 * spa's local days. Outcome counts, questions and call-backs for the weekly digest come from the
 * week's analysed conversations.
 */

export interface DailyAnalyticsRow {
  day: string;
  calls: number;
  texts: number;
  bookings: number;
  averageCallSeconds: number | null;
  medianReplyLatencyMs: number | null;
  /** 95th percentile of reply latency that day (nearest rank, to its 10 ms bucket's middle). */
  p95ReplyLatencyMs: number | null;
  /** Stream start → first greeting audio, the day's calls: median and 95th percentile, from their 10 ms histogram. */
  medianGreetingLatencyMs: number | null;
  p95GreetingLatencyMs: number | null;
  /** Replies callers talked over that day. */
  bargeIns: number;
  voiceMinutes: number;
  costUsd: number;
  averageSatisfaction: number | null;
}

/** Per day in the spa's time zone: calls, text threads, bookings, call length, reply and greeting latency, barge-ins, minutes, cost, satisfaction. */
export async function dailyAnalytics(
  db: Db,
  spaId: string,
  timezone: string,
  from: string,
  to: string,
): Promise<DailyAnalyticsRow[]> {
  const result = await sql<{
    day: string;
    calls: number;
    texts: number;
    bookings: number;
    average_call_seconds: number | null;
    reply_latency_histogram: number[] | null;
    greeting_latency_histogram: number[] | null;
    barge_ins: number;
    voice_minutes: number;
    cost_usd: number;
    average_satisfaction: number | null;
  }>`
    with days as (
      select d::date as day from generate_series(${from}::date, ${to}::date, interval '1 day') as d
    )
    select to_char(days.day, 'YYYY-MM-DD') as day,
      coalesce(u.calls, 0) as calls,
      coalesce(u.text_threads, 0) as texts,
      coalesce(u.bookings, 0) as bookings,
      case when u.calls > 0 then round(u.voice_seconds::numeric / u.calls)::float8 end as average_call_seconds,
      u.reply_latency_histogram,
      u.greeting_latency_histogram,
      coalesce(u.barge_ins, 0) as barge_ins,
      round(coalesce(u.voice_seconds, 0) / 60.0, 1)::float8 as voice_minutes,
      coalesce(u.cost_total_usd, 0)::float8 as cost_usd,
      case when u.satisfaction_count > 0 then round(u.satisfaction_sum::numeric / u.satisfaction_count, 2)::float8 end as average_satisfaction
    from days
      left join daily_usage u on u.spa_id = ${spaId} and u.day = days.day
    order by days.day`.execute(db);
  return result.rows.map((r) => ({
    day: r.day,
    calls: r.calls,
    texts: r.texts,
    bookings: r.bookings,
    averageCallSeconds: r.average_call_seconds,
    medianReplyLatencyMs: histogramMedian(r.reply_latency_histogram ?? []),
    p95ReplyLatencyMs: histogramPercentile(r.reply_latency_histogram ?? [], 95),
    medianGreetingLatencyMs: histogramMedian(r.greeting_latency_histogram ?? []),
    p95GreetingLatencyMs: histogramPercentile(r.greeting_latency_histogram ?? [], 95),
    bargeIns: r.barge_ins,
    voiceMinutes: r.voice_minutes,
    costUsd: r.cost_usd,
    averageSatisfaction: r.average_satisfaction,
  }));
}

/** Width of the latency histograms' buckets; the last bucket holds 5 s and over. */
const LATENCY_BUCKET_MS = 10;

/** The median (as percentile_cont: the mean of the middle two) from a histogram, to its bucket's middle. */
export function histogramMedian(histogram: number[]): number | null {
  const n = histogram.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [bucket, count] of histogram.entries()) {
      seen += count;
      if (seen > rank) return bucket === histogram.length - 1 ? bucket * LATENCY_BUCKET_MS : bucket * LATENCY_BUCKET_MS + LATENCY_BUCKET_MS / 2;
    }
    return (histogram.length - 1) * LATENCY_BUCKET_MS;
  };
  return (valueAt(Math.floor((n - 1) / 2)) + valueAt(Math.ceil((n - 1) / 2))) / 2;
}

/** The nearest-rank percentile from a histogram, to its bucket's middle (the last bucket: its floor). */
export function histogramPercentile(histogram: number[], p: number): number | null {
  const n = histogram.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  let seen = 0;
  for (const [bucket, count] of histogram.entries()) {
    seen += count;
    if (seen >= rank) return bucket === histogram.length - 1 ? bucket * LATENCY_BUCKET_MS : bucket * LATENCY_BUCKET_MS + LATENCY_BUCKET_MS / 2;
  }
  return (histogram.length - 1) * LATENCY_BUCKET_MS;
}

export type UsageTotals = Record<UsageCounter, number> & Record<UsageCost, number>;

/** The daily rows of a range of spa days, summed. */
export async function usageTotals(db: Db, spaId: string, from: string, to: string): Promise<UsageTotals> {
  const row = await db
    .selectFrom('daily_usage')
    .select([
      ...USAGE_COUNTERS.map((c) => sql<number>`coalesce(sum(${sql.ref(c)}), 0)::int`.as(c)),
      ...USAGE_COSTS.map((c) => sql<number>`coalesce(sum(${sql.ref(c)}), 0)::float8`.as(c)),
    ])
    .where('spa_id', '=', spaId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .executeTakeFirstOrThrow();
  return row as UsageTotals;
}

export interface SpaCalendarToday {
  today: string;
  monthStart: string;
  monthEnd: string;
  dayOfMonth: number;
  daysInMonth: number;
  /** Monday and Sunday of the week before this one. */
  lastWeekStart: string;
  lastWeekEnd: string;
}

/** Today, this month and last week, in the spa's time zone, as of `now`. */
export async function spaCalendarToday(db: Db, timezone: string, now: Date): Promise<SpaCalendarToday> {
  const result = await sql<SpaCalendarToday>`
    select to_char(d, 'YYYY-MM-DD') as "today",
      to_char(date_trunc('month', d), 'YYYY-MM-DD') as "monthStart",
      to_char(date_trunc('month', d) + interval '1 month - 1 day', 'YYYY-MM-DD') as "monthEnd",
      extract(day from d)::int as "dayOfMonth",
      extract(day from date_trunc('month', d) + interval '1 month - 1 day')::int as "daysInMonth",
      to_char(date_trunc('week', d) - interval '7 days', 'YYYY-MM-DD') as "lastWeekStart",
      to_char(date_trunc('week', d) - interval '1 day', 'YYYY-MM-DD') as "lastWeekEnd"
    from (select (${now}::timestamptz at time zone ${timezone})::date as d) as x`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('no calendar row');
  return row;
}

/** Monday to Sunday of the week holding a spa day. */
export async function weekOf(db: Db, day: string): Promise<{ from: string; to: string }> {
  const result = await sql<{ from: string; to: string }>`
    select to_char(date_trunc('week', ${day}::date), 'YYYY-MM-DD') as "from",
      to_char(date_trunc('week', ${day}::date) + interval '6 days', 'YYYY-MM-DD') as "to"`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('no week row');
  return row;
}

export interface ConversationHighlight {
  conversationId: string;
  channel: 'voice' | 'sms';
  startedAt: Date;
  customerName: string | null;
  customerPhone: string | null;
  summary: string | null;
  satisfaction: number | null;
  satisfactionReason: string | null;
  followUpNeeded: boolean;
  outcome: string | null;
}

export interface WeekHighlights {
  outcomes: Record<string, number>;
  topQuestions: { question: string; count: number }[];
  topServices: { service: string; count: number }[];
  /** Unhappy patients (satisfaction 1–2) first, then those the summary says need a follow-up. */
  callBacks: ConversationHighlight[];
}

/** What the week's analysed conversations say: outcomes, the questions and services asked about most, and who to call back. */
export async function weekHighlights(
  db: Db,
  spaId: string,
  timezone: string,
  from: string,
  to: string,
): Promise<WeekHighlights> {
  const inWeek = sql<boolean>`c.spa_id = ${spaId} and not c.is_test
    and c.started_at >= (${from}::date::timestamp at time zone ${timezone})
    and c.started_at < ((${to}::date + 1)::timestamp at time zone ${timezone})`;
  const [outcomes, questions, services, callBacks] = await Promise.all([
    sql<{ outcome: string; count: number }>`
      select coalesce(c.outcome, 'not_analysed') as outcome, count(*)::int as count
      from conversations c where ${inWeek} group by 1 order by 2 desc`.execute(db),
    // The model phrases questions as short general ones; case and trailing punctuation are not
    // differences. Byte order ("C") keeps this a quick hash aggregate over a week of conversations.
    sql<{ question: string; count: number }>`
      select min(q collate "C") as question, count(*)::int as count
      from conversations c, unnest(c.questions) q
      where ${inWeek}
      group by lower(rtrim(q, '?.! ')) collate "C"
      order by 2 desc, 1 limit 5`.execute(db),
    sql<{ service: string; count: number }>`
      select s collate "C" as service, count(*)::int as count
      from conversations c, unnest(c.services) s
      where ${inWeek}
      group by s collate "C" order by 2 desc, 1 limit 5`.execute(db),
    sql<ConversationHighlight>`
      select c.id as "conversationId", c.channel, c.started_at as "startedAt", cu.name as "customerName", cu.phone as "customerPhone",
        c.summary, c.satisfaction, c.satisfaction_reason as "satisfactionReason", coalesce(c.follow_up_needed, false) as "followUpNeeded", c.outcome
      from conversations c left join customers cu on cu.id = c.customer_id
      where ${inWeek} and (c.satisfaction <= 2 or c.follow_up_needed)
      order by (c.satisfaction <= 2) desc nulls last, c.satisfaction nulls last, c.started_at desc
      limit 25`.execute(db),
  ]);
  return {
    outcomes: Object.fromEntries(outcomes.rows.map((r) => [r.outcome, r.count])),
    topQuestions: questions.rows,
    topServices: services.rows,
    callBacks: callBacks.rows,
  };
}
