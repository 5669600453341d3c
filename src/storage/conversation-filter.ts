import { sql, type RawBuilder } from 'kysely';
import type { ConversationChannel, ConversationStatus } from './schema.js';

/** Which conversations a staff list asks for: the spa, filters, text, and where the page starts. */

export interface ConversationCursor {
  startedAt: Date;
  id: string;
}

export interface ConversationFilter {
  spaId: string;
  timezone: string;
  channel?: ConversationChannel | undefined;
  status?: ConversationStatus | undefined;
  outcome?: string | undefined;
  customerId?: string | undefined;
  /** ISO 639-1: only conversations held in this language. */
  language?: string | undefined;
  /** Local dates (YYYY-MM-DD) in the spa's time zone, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Words to find in transcripts and summaries (Postgres full-text search, web-search syntax). */
  text?: string | undefined;
  followUpNeeded?: boolean | undefined;
  /** Satisfaction at most this (1–5): the unhappy ones. */
  maxSatisfaction?: number | undefined;
  /** Only test-line calls (true) or only real ones (false); both when absent. */
  test?: boolean | undefined;
  cursor?: ConversationCursor | undefined;
  limit: number;
}

/** The filter's conditions, text search aside, on `conversations` under the given alias. */
export function conditions(filter: ConversationFilter, alias: string): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  const parts: RawBuilder<boolean>[] = [sql`${col('spa_id')} = ${filter.spaId}`];
  if (filter.channel) parts.push(sql`${col('channel')} = ${filter.channel}`);
  if (filter.status) parts.push(sql`${col('status')} = ${filter.status}`);
  if (filter.outcome) parts.push(sql`${col('outcome')} = ${filter.outcome}`);
  if (filter.customerId) parts.push(sql`${col('customer_id')} = ${filter.customerId}`);
  if (filter.language) parts.push(sql`${col('language')} = ${filter.language}`);
  if (filter.followUpNeeded !== undefined) parts.push(sql`${col('follow_up_needed')} = ${filter.followUpNeeded}`);
  if (filter.test !== undefined) parts.push(sql`${col('is_test')} = ${filter.test}`);
  if (filter.maxSatisfaction !== undefined) parts.push(sql`${col('satisfaction')} <= ${filter.maxSatisfaction}`);
  if (filter.from) parts.push(sql`${col('started_at')} >= (${filter.from}::date::timestamp at time zone ${filter.timezone})`);
  if (filter.to) parts.push(sql`${col('started_at')} < ((${filter.to}::date + 1)::timestamp at time zone ${filter.timezone})`);
  if (filter.cursor) parts.push(sql`(${col('started_at')}, ${col('id')}) < (${filter.cursor.startedAt}::timestamptz, ${filter.cursor.id}::uuid)`);
  return sql<boolean>`(${sql.join(parts, sql` and `)})`;
}
