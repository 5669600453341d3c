import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { ConversationChannel, ConversationStatus, ConversationUsageTable } from './schema.js';
import { servingProviders } from './serving-providers.js';
import { appointmentsWithNames } from './staff-queries.js';

/** Read models for the staff API: conversations, their timelines, and search. */

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

export interface ConversationSummaryRow {
  id: string;
  channel: ConversationChannel;
  status: ConversationStatus;
  /** The language the conversation was held in (ISO 639-1); null while unknown. */
  language: string | null;
  outcome: string | null;
  outcomeSource: string | null;
  summary: string | null;
  satisfaction: number | null;
  satisfactionReason: string | null;
  services: string[];
  followUpNeeded: boolean | null;
  analysedAt: Date | null;
  costUsd: string | null;
  startedAt: Date;
  endedAt: Date | null;
  customerId: string | null;
  customerName: string | null;
  customerPhone: string | null;
  durationSeconds: number | null;
  messageCount: number;
  /** Held on the console's test line. */
  isTest: boolean;
}

/** What staff see of a conversation in lists and in detail. */
const CONVERSATION_COLUMNS = [
  'c.id',
  'c.channel',
  'c.status',
  'c.language',
  'c.outcome',
  'c.outcome_source as outcomeSource',
  'c.summary',
  'c.satisfaction',
  'c.satisfaction_reason as satisfactionReason',
  'c.services',
  'c.follow_up_needed as followUpNeeded',
  'c.analysed_at as analysedAt',
  'c.cost_usd as costUsd',
  'c.started_at as startedAt',
  'c.ended_at as endedAt',
  'c.customer_id as customerId',
  'cu.name as customerName',
  'cu.phone as customerPhone',
  'c.is_test as isTest',
] as const;

/** The filter's conditions, text search aside, on `conversations` under the given alias. */
function conditions(filter: ConversationFilter, alias: string): RawBuilder<boolean> {
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

/**
 * The page's worth of conversations whose transcript or summary has the words. Each side is its
 * own newest-first query with the page's limit, so each keeps its best plan (a word common in
 * messages stops early; summaries use their own index) and only the two short lists are merged.
 */
function matchingText(filter: ConversationFilter, text: string): RawBuilder<boolean> {
  const words = sql`websearch_to_tsquery('english', ${text})`;
  const newest = (alias: string) => sql`order by ${sql.ref(`${alias}.started_at`)} desc, ${sql.ref(`${alias}.id`)} desc limit ${filter.limit}`;
  return sql<boolean>`c.id in (
    (select t.id from conversations t
      where ${conditions(filter, 't')} and t.id in (select conversation_id from messages where search @@ ${words}) ${newest('t')})
    union all
    (select s.id from conversations s where ${conditions(filter, 's')} and s.summary_search @@ ${words} ${newest('s')}))`;
}

/** Newest first, keyset-paginated on (started_at, id): pages stay stable while new calls arrive. */
export async function listConversations(db: Db, filter: ConversationFilter): Promise<ConversationSummaryRow[]> {
  let query = db
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .leftJoin('voice_call_details as v', 'v.conversation_id', 'c.id')
    .select([
      ...CONVERSATION_COLUMNS,
      'v.duration_seconds as durationSeconds',
      sql<number>`(select count(*)::int from messages m where m.conversation_id = c.id)`.as('messageCount'),
    ])
    .where(conditions(filter, 'c'));
  if (filter.text) query = query.where(matchingText(filter, filter.text));
  return query.orderBy('c.started_at', 'desc').orderBy('c.id', 'desc').limit(filter.limit).execute();
}

export async function conversationDetail(db: Db, spaId: string, id: string) {
  const conversation = await db
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select([...CONVERSATION_COLUMNS, 'c.questions', 'c.analysis_error as analysisError', 'c.ai_paused as aiPaused'])
    .where('c.spa_id', '=', spaId)
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!conversation) return undefined;
  const [messages, events, voice, appointments, usage] = await Promise.all([
    db
      .selectFrom('messages')
      .select(['seq', 'role', 'text', 'interrupted', 'spoken_at as at'])
      .where('conversation_id', '=', id)
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('conversation_events')
      .select(['seq', 'type', 'name', 'data', 'created_at as at'])
      .where('conversation_id', '=', id)
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('voice_call_details')
      .select([
        'call_sid as callSid',
        'from_number as fromNumber',
        'twilio_status as twilioStatus',
        'duration_seconds as durationSeconds',
        'ended_by as endedBy',
        'transferred_to as transferredTo',
        'greeting_latency_ms as greetingLatencyMs',
        'reply_latency_p50_ms as replyLatencyP50Ms',
        'reply_latency_p95_ms as replyLatencyP95Ms',
        'barge_ins as bargeIns',
        'route',
        'front_desk_dial_status as frontDeskDialStatus',
        'front_desk_ring_seconds as frontDeskRingSeconds',
        'reply_latency_max_ms as replyLatencyMaxMs',
        'model',
        'usage',
        'cost_usd as costUsd',
      ])
      .where('conversation_id', '=', id)
      .executeTakeFirst(),
    appointmentsWithNames(db).where('a.source_conversation_id', '=', id).orderBy('a.starts_at').execute(),
    db.selectFrom('conversation_usage').selectAll().where('conversation_id', '=', id).executeTakeFirst(),
  ]);
  // Which realtime provider served which part of the call, why it switched, and what each cost.
  const providers = conversation.channel === 'voice' ? servingProviders(events) : [];
  return { conversation, messages, events, voice: voice ?? null, providers, appointments, cost: usage ? costBreakdown(usage) : null };
}

/** What the conversation used and cost, per component (micro-dollar precision, as stored). */
function costBreakdown(u: Selectable<ConversationUsageTable>) {
  return {
    totalUsd: u.cost_total_usd,
    components: {
      realtimeAudioInUsd: u.cost_realtime_audio_in_usd,
      realtimeAudioOutUsd: u.cost_realtime_audio_out_usd,
      realtimeCachedInputUsd: u.cost_realtime_cached_input_usd,
      realtimeTextUsd: u.cost_realtime_text_usd,
      transcriptionUsd: u.cost_transcription_usd,
      textRepliesUsd: u.cost_text_replies_usd,
      summaryUsd: u.cost_summary_usd,
      twilioVoiceUsd: u.cost_twilio_voice_usd,
      twilioSmsUsd: u.cost_twilio_sms_usd,
    },
    usage: {
      voiceSeconds: u.voice_seconds,
      voiceBilledMinutes: u.voice_billed_minutes,
      textsIn: u.texts_in,
      textsOut: u.texts_out,
      smsSegments: u.sms_segments,
      toolCalls: u.tool_calls,
      bookings: u.bookings,
    },
    day: u.day,
  };
}
