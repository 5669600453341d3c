import { sql, type Kysely } from 'kysely';

/**
 * After each conversation: its analysis (summary, outcome and where it came from, services,
 * questions, satisfaction, follow-up) on `conversations`; what it used and cost in
 * `conversation_usage`, one row per conversation; and `daily_usage`, the same figures summed per
 * spa and spa-local day. A re-analysed conversation takes its old row out of the day and puts the
 * new one in, so the days never double count and analytics never scan messages.
 */

// The figures a conversation contributes to its day; both usage tables carry all of them.
const COUNTERS = [
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
];
const COSTS = [
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
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    // tool: set by a tool as it happened (wins); model: the summary's reading; rule: no patient speech.
    .addColumn('outcome_source', 'text', (c) => c.check(sql`outcome_source in ('tool', 'model', 'rule')`))
    .addColumn('satisfaction_reason', 'text')
    .addColumn('services', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('questions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('follow_up_needed', 'boolean')
    .addColumn('analysed_at', 'timestamptz')
    // What the analysis was made from; the same input is never sent to the model twice.
    .addColumn('analysis_input_hash', 'text')
    .addColumn('analysis_error', 'text')
    .addColumn('summary_search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(satisfaction_reason, ''))`).stored(),
    )
    .execute();
  // Outcomes recorded so far were all set by tools.
  await sql`update conversations set outcome_source = 'tool' where outcome is not null`.execute(db);
  await sql`create index conversations_summary_search_idx on conversations using gin (summary_search)`.execute(db);
  await sql`create index conversations_spa_follow_up_idx on conversations (spa_id, started_at desc) where follow_up_needed`.execute(db);

  let usage = db.schema
    .createTable('conversation_usage')
    .addColumn('conversation_id', 'uuid', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull());
  let daily = db.schema
    .createTable('daily_usage')
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull());
  for (const column of COUNTERS) {
    usage = usage.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
    daily = daily.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  }
  for (const column of COSTS) {
    usage = usage.addColumn(column, 'numeric(14, 6)', (c) => c.notNull().defaultTo(0));
    daily = daily.addColumn(column, 'numeric(14, 6)', (c) => c.notNull().defaultTo(0));
  }
  await usage
    // The call's reply latencies; its day keeps them as a histogram of 10 ms buckets (the last: 5 s and over).
    .addColumn('reply_latencies_ms', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await daily
    .addColumn('reply_latency_histogram', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('daily_usage_pkey', ['spa_id', 'day'])
    .execute();
  // A histogram of latencies counted `sign` times (1 in, -1 out), and two histograms added up.
  await sql`create function usage_latency_histogram(latencies integer[], sign integer) returns integer[]
    language sql immutable as $$
      select array_agg(sign * (select count(*) from unnest(latencies) l where least(greatest(l, 0) / 10, 500) = b)::integer order by b)
      from generate_series(0, 500) b
    $$`.execute(db);
  await sql`create function usage_histogram_add(a integer[], b integer[]) returns integer[]
    language sql immutable as $$
      select coalesce(array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i), '{}')
      from generate_series(1, greatest(cardinality(a), cardinality(b))) i
    $$`.execute(db);
  await db.schema.createIndex('conversation_usage_spa_day_idx').on('conversation_usage').columns(['spa_id', 'day']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists usage_histogram_add(integer[], integer[])`.execute(db);
  await sql`drop function if exists usage_latency_histogram(integer[], integer)`.execute(db);
  await db.schema.dropTable('daily_usage').ifExists().execute();
  await db.schema.dropTable('conversation_usage').ifExists().execute();
  await db.schema
    .alterTable('conversations')
    .dropColumn('summary_search')
    .dropColumn('analysis_error')
    .dropColumn('analysis_input_hash')
    .dropColumn('analysed_at')
    .dropColumn('follow_up_needed')
    .dropColumn('questions')
    .dropColumn('services')
    .dropColumn('satisfaction_reason')
    .dropColumn('outcome_source')
    .execute();
}
