import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface DailyAnalyticsRow {
  day: string;
  calls: number;
  texts: number;
  bookings: number;
  averageCallSeconds: number | null;
  medianReplyLatencyMs: number | null;
  voiceMinutes: number;
  costUsd: number;
}

/** Per day in the spa's time zone: calls, text threads, bookings, call length, reply latency, minutes, cost. */
export async function dailyAnalytics(
  db: Kysely<Database>,
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
    median_reply_latency_ms: number | null;
    voice_minutes: number;
    cost_usd: number;
  }>`
    with days as (
      select d::date as day from generate_series(${from}::date, ${to}::date, interval '1 day') as d
    ),
    convo as (
      select (c.started_at at time zone ${timezone})::date as day, c.channel, c.cost_usd, v.duration_seconds, v.reply_latencies_ms
      from conversations c left join voice_call_details v on v.conversation_id = c.id
      where c.spa_id = ${spaId}
        and c.started_at >= (${from}::date::timestamp at time zone ${timezone})
        and c.started_at < ((${to}::date + 1)::timestamp at time zone ${timezone})
    ),
    booked as (
      select (a.created_at at time zone ${timezone})::date as day, count(*)::int as bookings
      from appointments a
      where a.spa_id = ${spaId}
        and a.created_at >= (${from}::date::timestamp at time zone ${timezone})
        and a.created_at < ((${to}::date + 1)::timestamp at time zone ${timezone})
      group by 1
    )
    select to_char(days.day, 'YYYY-MM-DD') as day,
      count(*) filter (where convo.channel = 'voice')::int as calls,
      count(*) filter (where convo.channel = 'sms')::int as texts,
      coalesce(max(booked.bookings), 0)::int as bookings,
      round(avg(convo.duration_seconds) filter (where convo.channel = 'voice'))::float8 as average_call_seconds,
      (select percentile_cont(0.5) within group (order by l)
         from convo c2, unnest(c2.reply_latencies_ms) l where c2.day = days.day)::float8 as median_reply_latency_ms,
      round(coalesce(sum(convo.duration_seconds), 0) / 60.0, 1)::float8 as voice_minutes,
      coalesce(sum(convo.cost_usd), 0)::float8 as cost_usd
    from days
      left join convo on convo.day = days.day
      left join booked on booked.day = days.day
    group by days.day
    order by days.day`.execute(db);
  return result.rows.map((r) => ({
    day: r.day,
    calls: r.calls,
    texts: r.texts,
    bookings: r.bookings,
    averageCallSeconds: r.average_call_seconds,
    medianReplyLatencyMs: r.median_reply_latency_ms,
    voiceMinutes: r.voice_minutes,
    costUsd: r.cost_usd,
  }));
}
