import { sql } from 'kysely';
import type { Db } from './database.js';

/** How a range of spa days broke down: outcomes, and when patients get in touch (spa-local weekday × hour). */

export interface AnalyticsBreakdown {
  outcomes: { outcome: string; count: number }[];
  /** Conversations started per spa-local weekday (1 Monday … 7 Sunday) and hour (0–23); only non-zero cells. */
  busiestHours: { weekday: number; hour: number; count: number }[];
}

export async function analyticsBreakdown(db: Db, spaId: string, timezone: string, from: string, to: string): Promise<AnalyticsBreakdown> {
  const inRange = sql<boolean>`c.spa_id = ${spaId}
    and c.started_at >= (${from}::date::timestamp at time zone ${timezone})
    and c.started_at < ((${to}::date + 1)::timestamp at time zone ${timezone})`;
  const [outcomes, hours] = await Promise.all([
    sql<{ outcome: string; count: number }>`
      select coalesce(c.outcome, 'not_analysed') as outcome, count(*)::int as count
      from conversations c where ${inRange} group by 1 order by 2 desc`.execute(db),
    sql<{ weekday: number; hour: number; count: number }>`
      select extract(isodow from c.started_at at time zone ${timezone})::int as weekday,
        extract(hour from c.started_at at time zone ${timezone})::int as hour, count(*)::int as count
      from conversations c where ${inRange} group by 1, 2 order by 1, 2`.execute(db),
  ]);
  return { outcomes: outcomes.rows, busiestHours: hours.rows };
}
