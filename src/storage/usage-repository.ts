import { sql } from 'kysely';
import { lockFor, lockKeys } from './advisory-lock.js';
import { inTransaction, type Db, type Trx } from './database.js';
import type { OutcomeSource, UsageFigures } from './schema.js';

/**
 * Per-conversation usage rows and their daily roll-up. A conversation's row is replaced whole
 * each time it is analysed, and its day moves by the difference (old row out, new row in, in one
 * transaction), so re-running an analysis never double counts and the days always equal the sum
 * of their conversations.
 */

export const USAGE_COUNTERS = [
  'conversations',
  'calls',
  'text_threads',
  'texts_in',
  'texts_out',
  'sms_segments',
  'voice_seconds',
  'voice_billed_minutes',
  'tool_calls',
  'bookings',
  'satisfaction_sum',
  'satisfaction_count',
  'unhappy',
  'follow_ups',
  'barge_ins',
] as const satisfies readonly (keyof UsageFigures)[];

export const USAGE_COSTS = [
  'cost_realtime_audio_in_usd',
  'cost_realtime_audio_out_usd',
  'cost_realtime_cached_input_usd',
  'cost_realtime_text_usd',
  'cost_transcription_usd',
  'cost_text_replies_usd',
  'cost_summary_usd',
  'cost_twilio_voice_usd',
  'cost_twilio_sms_usd',
  'cost_total_usd',
  'cost_voice_usd',
  'cost_sms_usd',
] as const satisfies readonly (keyof UsageFigures)[];

export type UsageCounter = (typeof USAGE_COUNTERS)[number];
export type UsageCost = (typeof USAGE_COSTS)[number];
const FIGURES: readonly (UsageCounter | UsageCost)[] = [...USAGE_COUNTERS, ...USAGE_COSTS];

/** A conversation's figures: whole counts, costs as exact decimal strings (6 places), and a call's reply and greeting latencies. */
export type ConversationFigures = Record<UsageCounter, number> &
  Record<UsageCost, string> & { reply_latencies_ms: number[]; greeting_latency_ms: number | null };

/**
 * Runs `work` in a transaction holding the conversation's analysis lock, so two analyses of one
 * conversation queue up. Writers of the conversation's timeline do not take it.
 */
export async function withConversationAnalysisLock<T>(db: Db, conversationId: string, work: (trx: Trx) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    await lockFor(trx, lockKeys.conversationAnalysis(conversationId));
    return work(trx);
  });
}

export async function storedFigures(db: Db, conversationId: string): Promise<ConversationFigures | undefined> {
  const row = await db
    .selectFrom('conversation_usage')
    .select([...FIGURES, 'reply_latencies_ms', 'greeting_latency_ms'])
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  return row as ConversationFigures | undefined;
}

function sameFigures(a: ConversationFigures, b: ConversationFigures): boolean {
  return (
    FIGURES.every((key) => (typeof a[key] === 'number' ? a[key] === b[key] : Number(a[key]) === Number(b[key]))) &&
    a.reply_latencies_ms.join() === b.reply_latencies_ms.join() &&
    a.greeting_latency_ms === b.greeting_latency_ms
  );
}

const ADD_TO_DAY = {
  ...Object.fromEntries(FIGURES.map((f) => [f, sql`daily_usage.${sql.ref(f)} + excluded.${sql.ref(f)}`])),
  reply_latency_histogram: sql`usage_histogram_add(daily_usage.reply_latency_histogram, excluded.reply_latency_histogram)`,
  greeting_latency_histogram: sql`usage_histogram_add(daily_usage.greeting_latency_histogram, excluded.greeting_latency_histogram)`,
} as unknown as Record<string, never>;
const isCost = (f: string): f is UsageCost => f.startsWith('cost_');

/**
 * Replaces a conversation's usage row and moves its day (or days, when the spa's time zone
 * changed) by the difference. Does nothing when the figures are the same. Call inside
 * `withConversationAnalysisLock`.
 */
export async function replaceConversationUsage(
  trx: Trx,
  conversationId: string,
  figures: ConversationFigures,
): Promise<boolean> {
  const old = await trx
    .selectFrom('conversation_usage as u')
    .innerJoin('conversations as c', 'c.id', 'u.conversation_id')
    .innerJoin('spas as s', 's.id', 'c.spa_id')
    .select([
      ...FIGURES.map((f) => `u.${f}` as const),
      'u.reply_latencies_ms',
      'u.greeting_latency_ms',
      'u.day',
      sql<string>`((c.started_at at time zone s.timezone)::date)::text`.as('dayNow'),
    ])
    .where('u.conversation_id', '=', conversationId)
    .executeTakeFirst();
  if (old && old.day === old.dayNow && sameFigures(old as ConversationFigures, figures)) return false;
  if (old) await moveDaily(trx, conversationId, -1);
  const values = Object.fromEntries(FIGURES.map((f) => [f, figures[f]]));
  await trx
    .insertInto('conversation_usage')
    .columns(['conversation_id', 'spa_id', 'channel', 'day', 'reply_latencies_ms', 'greeting_latency_ms', ...FIGURES])
    .expression((eb) =>
      eb
        .selectFrom('conversations as c')
        .innerJoin('spas as s', 's.id', 'c.spa_id')
        .select([
          'c.id',
          'c.spa_id',
          'c.channel',
          sql<string>`(c.started_at at time zone s.timezone)::date`.as('day'),
          sql<number[]>`${figures.reply_latencies_ms}::integer[]`.as('reply_latencies_ms'),
          sql<number | null>`${figures.greeting_latency_ms}::integer`.as('greeting_latency_ms'),
          ...FIGURES.map((f) => (isCost(f) ? sql`${values[f]}::numeric` : sql`${values[f]}::integer`).as(f)),
        ])
        .where('c.id', '=', conversationId)
        // A test-line call has no usage row: it never reaches the analytics or the cost rollups.
        .where('c.is_test', '=', false),
    )
    .onConflict((oc) =>
      oc.column('conversation_id').doUpdateSet((eb) => ({
        ...Object.fromEntries(FIGURES.map((f) => [f, eb.ref(`excluded.${f}`)])),
        reply_latencies_ms: eb.ref('excluded.reply_latencies_ms'),
        greeting_latency_ms: eb.ref('excluded.greeting_latency_ms'),
        day: eb.ref('excluded.day'),
        updated_at: sql`now()`,
      })),
    )
    .execute();
  await moveDaily(trx, conversationId, 1);
  return true;
}

/** Adds (1) or takes out (-1) a conversation's current usage row from its day. */
async function moveDaily(trx: Trx, conversationId: string, direction: 1 | -1): Promise<void> {
  const sign = sql.raw(direction === 1 ? '' : '-');
  await trx
    .insertInto('daily_usage')
    .columns(['spa_id', 'day', 'reply_latency_histogram', 'greeting_latency_histogram', ...FIGURES])
    .expression((eb) =>
      eb
        .selectFrom('conversation_usage as u')
        .select([
          'u.spa_id',
          'u.day',
          sql`usage_latency_histogram(u.reply_latencies_ms, ${direction}::integer)`.as('reply_latency_histogram'),
          sql`usage_latency_histogram(array_remove(array[u.greeting_latency_ms], null), ${direction}::integer)`.as('greeting_latency_histogram'),
          ...FIGURES.map((f) => sql`${sign}u.${sql.ref(f)}`.as(f)),
        ])
        .where('u.conversation_id', '=', conversationId),
    )
    .onConflict((oc) => oc.columns(['spa_id', 'day']).doUpdateSet({ ...ADD_TO_DAY, updated_at: sql`now()` }))
    .execute();
}

export interface AnalysisRecord {
  summary: string | null;
  /** Applied only when no tool has set the outcome (a tool's outcome always wins). */
  outcome: string;
  outcomeSource: Exclude<OutcomeSource, 'tool'>;
  satisfaction: number | null;
  satisfactionReason: string | null;
  services: string[];
  questions: string[];
  followUpNeeded: boolean;
  inputHash: string | null;
  error: string | null;
  totalCostUsd: string;
}

/** Stores the analysis on the conversation. Call inside `withConversationAnalysisLock`. */
export async function writeAnalysis(trx: Trx, conversationId: string, analysis: AnalysisRecord): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({
      summary: analysis.summary,
      // Re-checked here, under the lock: a tool may have recorded an outcome since we read it.
      outcome: sql`case when outcome_source = 'tool' then outcome else ${analysis.outcome} end`,
      outcome_source: sql`case when outcome_source = 'tool' then 'tool' else ${analysis.outcomeSource} end`,
      satisfaction: analysis.satisfaction,
      satisfaction_reason: analysis.satisfactionReason,
      services: analysis.services,
      questions: analysis.questions,
      follow_up_needed: analysis.followUpNeeded,
      analysis_input_hash: analysis.inputHash,
      analysis_error: analysis.error,
      analysed_at: sql`now()`,
      cost_usd: analysis.totalCostUsd,
    })
    .where('id', '=', conversationId)
    .execute();
}

/** Keeps the conversation's cost in step with its usage row (e.g. Twilio's duration arrived later). */
export async function writeConversationCost(trx: Trx, conversationId: string, totalCostUsd: string): Promise<void> {
  await trx.updateTable('conversations').set({ cost_usd: totalCostUsd }).where('id', '=', conversationId).execute();
}

/** Finished conversations not analysed yet (e.g. recorded before the analysis existed). */
export async function conversationsWithoutUsage(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('conversations as c')
    .leftJoin('conversation_usage as u', 'u.conversation_id', 'c.id')
    .select('c.id')
    .where('u.conversation_id', 'is', null)
    .where('c.is_test', '=', false)
    .where((eb) => eb.or([eb('c.channel', '=', 'sms'), eb('c.status', '!=', 'active')]))
    .orderBy('c.started_at')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Calls whose usage row's latency summary (greeting latency, barge-ins) is not the call's record:
 * rolled up before the days kept those figures.
 */
export async function callsWithStaleLatencySummary(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_usage as u')
    .innerJoin('voice_call_details as v', 'v.conversation_id', 'u.conversation_id')
    .select('u.conversation_id as id')
    .where((eb) =>
      eb.or([
        sql<boolean>`u.greeting_latency_ms is distinct from v.greeting_latency_ms`,
        sql<boolean>`u.barge_ins <> coalesce(v.barge_ins, 0)`,
      ]),
    )
    .orderBy('u.day')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Brings a call's usage row's greeting latency and barge-ins to its record and moves its day by
 * the difference (its other figures go out and back in unchanged). Returns whether it changed.
 */
export async function refreshCallLatencySummary(db: Db, conversationId: string): Promise<boolean> {
  return withConversationAnalysisLock(db, conversationId, async (trx) => {
    const call = await trx
      .selectFrom('conversation_usage as u')
      .innerJoin('voice_call_details as v', 'v.conversation_id', 'u.conversation_id')
      .select(['u.greeting_latency_ms as had', 'u.barge_ins as hadBargeIns', 'v.greeting_latency_ms as greeting', 'v.barge_ins as bargeIns'])
      .where('u.conversation_id', '=', conversationId)
      .executeTakeFirst();
    if (!call || (call.had === call.greeting && call.hadBargeIns === (call.bargeIns ?? 0))) return false;
    await moveDaily(trx, conversationId, -1);
    await trx
      .updateTable('conversation_usage')
      .set({ greeting_latency_ms: call.greeting, barge_ins: call.bargeIns ?? 0, updated_at: sql`now()` })
      .where('conversation_id', '=', conversationId)
      .execute();
    await moveDaily(trx, conversationId, 1);
    return true;
  });
}
