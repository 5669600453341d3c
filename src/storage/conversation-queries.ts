import { sql, type Kysely } from 'kysely';
import type { ConversationChannel, ConversationStatus, Database } from './schema.js';
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
  /** Local dates (YYYY-MM-DD) in the spa's time zone, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Words to find in transcripts (Postgres full-text search, web-search syntax). */
  text?: string | undefined;
  cursor?: ConversationCursor | undefined;
  limit: number;
}

export interface ConversationSummaryRow {
  id: string;
  channel: ConversationChannel;
  status: ConversationStatus;
  outcome: string | null;
  summary: string | null;
  satisfaction: number | null;
  costUsd: string | null;
  startedAt: Date;
  endedAt: Date | null;
  customerId: string | null;
  customerName: string | null;
  customerPhone: string | null;
  durationSeconds: number | null;
  messageCount: number;
}

/** What staff see of a conversation in lists and in detail. */
const CONVERSATION_COLUMNS = [
  'c.id',
  'c.channel',
  'c.status',
  'c.outcome',
  'c.summary',
  'c.satisfaction',
  'c.cost_usd as costUsd',
  'c.started_at as startedAt',
  'c.ended_at as endedAt',
  'c.customer_id as customerId',
  'cu.name as customerName',
  'cu.phone as customerPhone',
] as const;

/** Newest first, keyset-paginated on (started_at, id): pages stay stable while new calls arrive. */
export async function listConversations(db: Kysely<Database>, filter: ConversationFilter): Promise<ConversationSummaryRow[]> {
  let query = db
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .leftJoin('voice_call_details as v', 'v.conversation_id', 'c.id')
    .select([
      ...CONVERSATION_COLUMNS,
      'v.duration_seconds as durationSeconds',
      sql<number>`(select count(*)::int from messages m where m.conversation_id = c.id)`.as('messageCount'),
    ])
    .where('c.spa_id', '=', filter.spaId);
  if (filter.channel) query = query.where('c.channel', '=', filter.channel);
  if (filter.status) query = query.where('c.status', '=', filter.status);
  if (filter.outcome) query = query.where('c.outcome', '=', filter.outcome);
  if (filter.customerId) query = query.where('c.customer_id', '=', filter.customerId);
  if (filter.from)
    query = query.where('c.started_at', '>=', sql<Date>`(${filter.from}::date::timestamp at time zone ${filter.timezone})`);
  if (filter.to)
    query = query.where('c.started_at', '<', sql<Date>`((${filter.to}::date + 1)::timestamp at time zone ${filter.timezone})`);
  if (filter.text) {
    const text = filter.text;
    query = query.where('c.id', 'in', (eb) =>
      eb
        .selectFrom('messages')
        .select('conversation_id')
        .where(sql<boolean>`search @@ websearch_to_tsquery('english', ${text})`),
    );
  }
  if (filter.cursor) {
    const { startedAt, id } = filter.cursor;
    query = query.where(sql<boolean>`(c.started_at, c.id) < (${startedAt}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('c.started_at', 'desc').orderBy('c.id', 'desc').limit(filter.limit).execute();
}

export async function conversationDetail(db: Kysely<Database>, spaId: string, id: string) {
  const conversation = await db
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select([...CONVERSATION_COLUMNS, 'c.ai_paused as aiPaused'])
    .where('c.spa_id', '=', spaId)
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!conversation) return undefined;
  const [messages, events, voice, appointments] = await Promise.all([
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
        'reply_latency_max_ms as replyLatencyMaxMs',
        'model',
        'usage',
        'cost_usd as costUsd',
      ])
      .where('conversation_id', '=', id)
      .executeTakeFirst(),
    appointmentsWithNames(db).where('a.source_conversation_id', '=', id).orderBy('a.starts_at').execute(),
  ]);
  return { conversation, messages, events, voice: voice ?? null, appointments };
}
