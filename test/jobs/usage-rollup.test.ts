import { sql } from 'kysely';
import t from 'tap';
import { CONVERSATION_ANALYSIS_TASK, pendingJobs, queueConversationAnalysis } from '../../src/storage/job-queue.js';
import { FakeOpenAIResponses } from '../doubles/fake-openai-responses.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';

// Monday 30 November 2026, 10:30 AM in Washington: open, and Sofia works Tuesdays.
const NOW = new Date('2026-11-30T15:30:00Z');
let sidCounter = 0;
const nextSid = () => `SM${String(++sidCounter).padStart(32, '0')}`;

async function setup(t: Parameters<typeof startCallHarness>[0] & { comment(...message: unknown[]): void }) {
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => openai.close());
  const h = await startCallHarness(t, {
    now: () => NOW,
    jobs: true,
    env: { OPENAI_BASE_URL: openai.baseUrl, SMS_SUMMARY_QUIET_SECONDS: '1' },
  });
  const db = h.database.db;
  const until = async (what: string, predicate: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await predicate())) {
      if (Date.now() > deadline) {
        t.comment(JSON.stringify(await db.selectFrom('conversations').select(['id', 'channel', 'status', 'analysed_at', 'analysis_error']).execute()));
        t.comment(JSON.stringify(await pendingJobs(db)));
        throw new Error(`timed out waiting for ${what}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const analysisJobs = async () => (await pendingJobs(db)).filter((j) => j.task === CONVERSATION_ANALYSIS_TASK);
  // Everything but the appointment reminder (due tomorrow): replies, confirmations, analyses.
  const busyJobs = async () => (await pendingJobs(db)).filter((j) => j.task !== 'send_appointment_reminder');
  const text = (from: string, body: string, segments = '1') =>
    h.post('/twilio/sms', { MessageSid: nextSid(), AccountSid: `AC${'1'.repeat(32)}`, From: from, To: '+12025550100', Body: body, NumMedia: '0', NumSegments: segments });
  return { h, db, openai, until, analysisJobs, busyJobs, text };
}

async function placeCall(h: CallHarness, index: number, from: string, turns: string[]) {
  const call = h.call({ from });
  await call.dial();
  const model = await h.realtime.connection(index);
  await call.heardAll(100);
  for (const transcript of turns) {
    const heard = call.heardMs();
    await model.callerTurn({ transcript });
    await call.waitFor(() => call.heardMs() > heard && call.idle, 10_000, 'the reply');
  }
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const row = await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', call.callSid).executeTakeFirstOrThrow();
  return row.conversation_id;
}

/** The day's figures counted again from the raw records, without the roll-up. */
async function recount(db: CallHarness['database']['db'], spaId: string) {
  const rows = await sql<Record<string, string | number>>`
    select to_char((c.started_at at time zone s.timezone)::date, 'YYYY-MM-DD') as day,
      count(*)::int as conversations,
      (count(*) filter (where c.channel = 'voice'))::int as calls,
      (count(*) filter (where c.channel = 'sms'))::int as text_threads,
      coalesce(sum((select count(*) from messages m join sms_details d on d.message_id = m.id where m.conversation_id = c.id and d.direction = 'inbound')), 0)::int as texts_in,
      coalesce(sum((select count(*) from messages m join sms_details d on d.message_id = m.id where m.conversation_id = c.id and d.direction = 'outbound')), 0)::int as texts_out,
      coalesce(sum((select sum(d.num_segments) from messages m join sms_details d on d.message_id = m.id where m.conversation_id = c.id)), 0)::int as sms_segments,
      coalesce(sum(v.duration_seconds), 0)::int as voice_seconds,
      coalesce(sum(greatest(1, ceil(v.duration_seconds / 60.0))) filter (where v.stream_started_at is not null), 0)::int as voice_billed_minutes,
      coalesce(sum((select count(*) from conversation_events e where e.conversation_id = c.id and e.type = 'tool_call')), 0)::int as tool_calls,
      coalesce(sum((select count(*) from appointments a where a.source_conversation_id = c.id)), 0)::int as bookings,
      coalesce(sum(c.satisfaction), 0)::int as satisfaction_sum,
      count(c.satisfaction)::int as satisfaction_count,
      (count(*) filter (where c.satisfaction <= 2))::int as unhappy,
      (count(*) filter (where c.follow_up_needed))::int as follow_ups,
      coalesce(sum(v.barge_ins), 0)::int as barge_ins,
      sum(c.cost_usd)::text as cost_total_usd
    from conversations c join spas s on s.id = c.spa_id left join voice_call_details v on v.conversation_id = c.id
    where c.spa_id = ${spaId}
    group by 1 order by 1`.execute(db);
  return rows.rows;
}

const COUNTERS = [
  'conversations', 'calls', 'text_threads', 'texts_in', 'texts_out', 'sms_segments', 'voice_seconds', 'voice_billed_minutes',
  'tool_calls', 'bookings', 'satisfaction_sum', 'satisfaction_count', 'unhappy', 'follow_ups', 'barge_ins',
] as const;

t.test('calls and texts roll up into daily rows equal to a recount from scratch, and re-running every job changes nothing', async (t) => {
  const s = await setup(t);
  const { h, db } = s;
  let connections = 0;
  h.realtime.configure = (c) => {
    connections += 1;
    if (connections === 1)
      c.replies.push(
        { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 100 },
        { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01', preferredTime: '11:00' } } },
        { text: 'Sofia has Tuesday at eleven. Shall I book it?', audioMs: 100 },
        { toolCall: { name: 'book_appointment', arguments: { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' } } },
        { text: "You're all set for Tuesday at eleven.", audioMs: 100 },
      );
    else c.replies.push({ text: 'Thank you for calling, this is Ava.', audioMs: 100 });
  };
  s.openai.structuredAnswers.push({
    json: {
      summary: ['Jamie asked for a HydraFacial on Tuesday.', 'Booked Tuesday 11 AM with Sofia.'],
      outcome: 'question_answered',
      services: ['HydraFacial'],
      questions: ['Is there a HydraFacial opening on Tuesday?'],
      satisfaction: { score: 5, reason: 'Happy with the time.' },
      followUpNeeded: false,
    },
  });

  const booked = await placeCall(h, 0, '+12025550142', ['Do you have a HydraFacial Tuesday at eleven?', 'Yes please, Jamie Rivera.']);
  const hungUpAt = Date.now();
  await s.until('the booked call to be analysed', async () => (await db.selectFrom('conversations').select('analysed_at').where('id', '=', booked).executeTakeFirstOrThrow()).analysed_at !== null);
  const secondsToSummary = (Date.now() - hungUpAt) / 1000;
  t.ok(secondsToSummary < 60, `summary, outcome, score and cost ${secondsToSummary.toFixed(1)} s after the call ended`);
  t.comment(`call analysed ${secondsToSummary.toFixed(1)} s after hang-up`);
  const call = await db.selectFrom('conversations').selectAll().where('id', '=', booked).executeTakeFirstOrThrow();
  t.match(call, { outcome: 'booked', outcome_source: 'tool', satisfaction: 5, services: ['HydraFacial'] }, "the booking tool's outcome, the model's reading of the rest");
  const usage = await db.selectFrom('conversation_usage').selectAll().where('conversation_id', '=', booked).executeTakeFirstOrThrow();
  // Measured on the live call: two transcribed caller turns, five response.done (greeting, two tool
  // calls, two answers), each as the fake server reports them.
  t.equal(usage.cost_transcription_usd, '0.000438', '2 × (48 × $3 + 4 × $1.25 + 14 × $5) per 1M');
  t.equal(usage.cost_realtime_audio_out_usd, '0.038400', '5 × 120 × $64 per 1M');
  t.equal(usage.cost_twilio_voice_usd, '0.008500', 'a short call that connected bills one minute');

  const silent = await placeCall(h, 1, '+12025550143', []);
  await s.text('+12025550188', 'How much is lip filler?');
  await s.text('+12025550188', 'And do you take walk-ins?', '2');
  await s.text('+12025550189', 'Hi, is this the spa?');
  await s.until('every conversation to be analysed', async () => {
    const open = await db.selectFrom('conversations').select('id').where('analysed_at', 'is', null).execute();
    // Two calls; two patients' threads and the thread of the booking's confirmation text.
    return open.length === 0 && (await s.busyJobs()).length === 0 && (await db.selectFrom('conversations').select('id').execute()).length === 5;
  });
  t.match(await db.selectFrom('conversations').selectAll().where('id', '=', silent).executeTakeFirstOrThrow(), { outcome: 'abandoned', outcome_source: 'rule' });

  const daily = await db.selectFrom('daily_usage').selectAll().orderBy('day').execute();
  const counted = await recount(db, h.demoSpaId);
  t.equal(daily.length, counted.length);
  for (const [i, day] of counted.entries()) {
    const rolled = daily[i];
    t.equal(rolled?.day, day.day);
    for (const column of COUNTERS) t.equal(rolled?.[column], day[column], `${day.day} ${column}`);
    t.equal(Number(rolled?.cost_total_usd), Number(day.cost_total_usd), `${day.day} cost is the sum of the conversations' costs`);
  }
  const total = (column: (typeof COUNTERS)[number]) => daily.reduce((sum, day) => sum + day[column], 0);
  t.same(
    { calls: total('calls'), textThreads: total('text_threads'), textsIn: total('texts_in'), textsOut: total('texts_out'), bookings: total('bookings'), toolCalls: total('tool_calls') },
    { calls: 2, textThreads: 3, textsIn: 3, textsOut: 3, bookings: 1, toolCalls: 2 },
    'a mix of calls and texts: the booking, its confirmation text, two replies',
  );
  const latencies = await sql<{ day: string; latencies: number[] }>`
    select to_char((c.started_at at time zone s.timezone)::date, 'YYYY-MM-DD') as day, array_agg(l) as latencies
    from conversations c join spas s on s.id = c.spa_id join voice_call_details v on v.conversation_id = c.id, unnest(v.reply_latencies_ms) l
    group by 1`.execute(db);
  for (const { day, latencies: values } of latencies.rows) {
    const histogram = Array.from({ length: 501 }, () => 0);
    for (const l of values) histogram[Math.min(Math.floor(l / 10), 500)]! += 1;
    t.same(daily.find((d) => d.day === day)?.reply_latency_histogram, histogram, `${day} reply latencies`);
  }
  t.ok(latencies.rows.length > 0, 'the calls measured reply latencies');
  const greetings = await sql<{ day: string; latencies: number[] }>`
    select to_char((c.started_at at time zone s.timezone)::date, 'YYYY-MM-DD') as day, array_agg(v.greeting_latency_ms) as latencies
    from conversations c join spas s on s.id = c.spa_id join voice_call_details v on v.conversation_id = c.id
    where v.greeting_latency_ms is not null group by 1`.execute(db);
  for (const { day, latencies: values } of greetings.rows) {
    const histogram = Array.from({ length: 501 }, () => 0);
    for (const l of values) histogram[Math.min(Math.floor(l / 10), 500)]! += 1;
    t.same(daily.find((d) => d.day === day)?.greeting_latency_histogram, histogram, `${day} greeting latencies`);
  }
  t.equal(greetings.rows.reduce((n, r) => n + r.latencies.length, 0), 2, 'both calls measured their greeting');
  const sums = await sql<Record<string, string>>`
    select ${sql.join(['cost_realtime_audio_in_usd', 'cost_realtime_audio_out_usd', 'cost_realtime_cached_input_usd', 'cost_realtime_text_usd', 'cost_transcription_usd', 'cost_text_replies_usd', 'cost_summary_usd', 'cost_twilio_voice_usd', 'cost_twilio_sms_usd', 'cost_total_usd'].map((c) => sql`sum(${sql.ref(c)})::text as ${sql.ref(c)}`))}
    from conversation_usage`.execute(db);
  for (const [column, sum] of Object.entries(sums.rows[0] ?? {}))
    t.equal(daily.reduce((acc, day) => acc + Number(day[column as 'cost_total_usd']), 0).toFixed(6), Number(sum).toFixed(6), `${column} is the sum of its conversations`);

  const requestsBefore = s.openai.structuredRequests.length;
  const before = { daily, usage: await db.selectFrom('conversation_usage').selectAll().orderBy('conversation_id').execute(), conversations: await db.selectFrom('conversations').selectAll().orderBy('id').execute() };
  for (const c of before.conversations) await queueConversationAnalysis(db, c.id);
  await s.until('the re-runs', async () => (await s.analysisJobs()).length === 0);
  await s.until('the jobs the re-runs queued', async () => (await s.busyJobs()).length === 0);
  const after = { daily: await db.selectFrom('daily_usage').selectAll().orderBy('day').execute(), usage: await db.selectFrom('conversation_usage').selectAll().orderBy('conversation_id').execute(), conversations: await db.selectFrom('conversations').selectAll().orderBy('id').execute() };
  t.same(after, before, 're-running every job changed nothing');
  t.equal(s.openai.structuredRequests.length, requestsBefore, 'and asked the model nothing');
});

t.test("Twilio's end of a call that never streamed queues its analysis as a safety net", async (t) => {
  const s = await setup(t);
  const call = s.h.call({ from: '+12025550150' });
  await call.ring();
  const res = await s.h.post('/twilio/voice/status', { CallSid: call.callSid, AccountSid: `AC${'1'.repeat(32)}`, CallStatus: 'no-answer', CallDuration: '0' });
  t.equal(res.status, 204);
  const [job] = await s.analysisJobs();
  t.match(job, { task: CONVERSATION_ANALYSIS_TASK, key: /^analysis:/ });
  t.ok(job && job.runAt.getTime() > Date.now() + 20_000, 'held back, so a call that did stream is analysed from its own end first');
});
