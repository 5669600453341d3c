import { sql, type Selectable } from 'kysely';
import { conditions, type ConversationFilter } from './conversation-filter.js';
import { matchingConversationIds } from './conversation-search.js';
import type { Db } from './database.js';
import type { ConversationChannel, ConversationStatus, ConversationUsageTable } from './schema.js';
import { servingProviders } from './serving-providers.js';
import { appointmentsWithNames } from './staff-queries.js';

/** Read models for the staff API: conversations, their timelines, and search. */

export type { ConversationCursor, ConversationFilter } from './conversation-filter.js';

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
  if (filter.text) {
    const ids = await matchingConversationIds(db, filter, filter.text);
    if (ids.length === 0) return [];
    query = query.where(sql<boolean>`c.id = any(${ids}::uuid[])`);
  }
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
