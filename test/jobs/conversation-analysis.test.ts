import OpenAI from 'openai';
import { pino } from 'pino';
import t from 'tap';
import { analyseConversation, type AnalysisDependencies } from '../../src/jobs/conversation-analysis-task.js';
import { MALFORMED_ATTEMPTS } from '../../src/jobs/conversation-summary.js';
import { voiceConversationId } from '../../src/storage/conversation-ids.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { conversationsWithoutUsage } from '../../src/storage/usage-repository.js';
import { applyTwilioCallStatus, openVoiceConversation } from '../../src/storage/voice-call-repository.js';
import { FakeOpenAIResponses, PLAIN_ANALYSIS } from '../doubles/fake-openai-responses.js';
import { createTestDatabase } from '../support/database.js';
import { recordCall, recordTextThread } from '../support/recorded-conversations.js';

const STARTED = new Date('2026-11-30T15:00:00Z'); // Monday 10 AM in Washington

/** What the fake says a summary call used: 1,200 tokens in (200 of them cached), 150 out. */
const SUMMARY_USAGE = {
  input_tokens: 1_200,
  output_tokens: 150,
  total_tokens: 1_350,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens_details: { reasoning_tokens: 64 },
};

const GOOD = {
  summary: ['Jamie called about a HydraFacial and its price.', 'Booked Tuesday at 11 with Sofia; nothing left open.'],
  outcome: 'booked',
  services: ['hydrafacial', 'Lip Filler'],
  questions: ['How much is a HydraFacial?', 'Is there parking?'],
  satisfaction: { score: 5, reason: 'Thanked Ava warmly and said it was easy.' },
  followUpNeeded: false,
};

async function setup(t: Parameters<typeof createTestDatabase>[0]) {
  const database = await createTestDatabase(t);
  const { spaId } = await seedSpa(database.db, await loadDemoSpaCatalog());
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => openai.close());
  const deps: AnalysisDependencies = {
    db: database.db,
    openai: new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseUrl, maxRetries: 0 }),
    model: 'gpt-5-mini',
    rates: { realtimeModel: 'gpt-realtime', transcriptionModel: 'gpt-4o-mini-transcribe', twilioVoiceUsdPerMinute: 0.0085, twilioSmsUsdPerSegment: 0.0083 },
    log: pino({ level: 'silent' }),
  };
  const db = database.db;
  const conversation = (id: string) => db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const usage = (id: string) => db.selectFrom('conversation_usage').selectAll().where('conversation_id', '=', id).executeTakeFirstOrThrow();
  const daily = () => db.selectFrom('daily_usage').selectAll().orderBy('day').execute();
  return { db, spaId, openai, deps, conversation, usage, daily };
}

const call = (spaId: string, extra: Partial<Parameters<typeof recordCall>[1]> = {}) => ({
  spaId,
  startedAt: STARTED,
  durationSeconds: 95,
  turns: [
    ['assistant', 'Thank you for calling Willow and Oak, this is Ava.'],
    ['customer', 'Hi, how much is a HydraFacial? And can I come Tuesday?'],
    ['assistant', 'It is $225. Sofia has Tuesday at eleven. Shall I book it?'],
    ['customer', 'Yes please, Jamie Rivera.'],
  ] as [('customer' | 'assistant'), string][],
  responses: 2,
  transcriptions: 2,
  ...extra,
});

t.test('the structured answer is asked for with a strict schema, validated and stored on the conversation', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId));
  s.openai.structuredAnswers.push({ json: GOOD, usage: SUMMARY_USAGE });
  await analyseConversation(s.deps, id);

  const [request] = s.openai.structuredRequests;
  t.equal(request?.model, 'gpt-5-mini');
  t.match(request?.text.format, { type: 'json_schema', name: 'conversation_analysis', strict: true, schema: { additionalProperties: false } });
  t.match(request?.input, /Patient: Hi, how much is a HydraFacial\?/, 'the transcript went to the model');
  t.match(request?.instructions, /HydraFacial/, "the spa's service names are in the instructions");
  const row = await s.conversation(id);
  t.equal(row.summary, 'Jamie called about a HydraFacial and its price.\nBooked Tuesday at 11 with Sofia; nothing left open.');
  t.equal(row.outcome, 'booked');
  t.equal(row.outcome_source, 'model');
  t.same(row.services, ['HydraFacial', 'Lip filler'], "service names are the spa's own");
  t.same(row.questions, GOOD.questions);
  t.equal(row.satisfaction, 5);
  t.equal(row.satisfaction_reason, 'Thanked Ava warmly and said it was easy.');
  t.equal(row.follow_up_needed, false);
  t.ok(row.analysed_at);
  t.equal(row.analysis_error, null);
});

t.test('cost per component matches the figures worked out by hand from the recorded usage', async (t) => {
  const s = await setup(t);
  // Two response.done (each: text in 1000 of which 700 cached, audio in 200 of which 100 cached,
  // text out 30, audio out 120), two transcribed turns (48 audio + 4 text tokens in, 14 out), 95 s.
  const id = await recordCall(s.db, call(s.spaId));
  s.openai.structuredAnswers.push({ json: GOOD, usage: SUMMARY_USAGE });
  await analyseConversation(s.deps, id);
  const u = await s.usage(id);
  // gpt-realtime per 1M: audio in 32, audio out 64, cached 0.40 (text and audio), text in 4, text out 16.
  t.equal(u.cost_realtime_audio_in_usd, '0.006400', '(400 - 200) × 32');
  t.equal(u.cost_realtime_audio_out_usd, '0.015360', '240 × 64');
  t.equal(u.cost_realtime_cached_input_usd, '0.000640', '(1400 + 200) × 0.40');
  t.equal(u.cost_realtime_text_usd, '0.003360', '(2000 - 1400) × 4 + 60 × 16');
  // gpt-4o-mini-transcribe per 1M: audio in 3, text in 1.25, text out 5.
  t.equal(u.cost_transcription_usd, '0.000438', '96 × 3 + 8 × 1.25 + 28 × 5');
  // gpt-5-mini per 1M: in 0.25, cached 0.025, out 2.
  t.equal(u.cost_summary_usd, '0.000555', '1000 × 0.25 + 200 × 0.025 + 150 × 2');
  t.equal(u.cost_twilio_voice_usd, '0.017000', '95 s bill as 2 minutes × $0.0085');
  t.equal(u.cost_twilio_sms_usd, '0.000000');
  t.equal(u.cost_text_replies_usd, '0.000000');
  t.equal(u.cost_total_usd, '0.043753');
  t.equal((await s.conversation(id)).cost_usd, '0.043753', 'the conversation carries its total');
  t.match(u, { calls: 1, voice_seconds: 95, voice_billed_minutes: 2, satisfaction_sum: 5, satisfaction_count: 1 });
});

t.test("a text thread's cost: reply model calls and SMS segments both ways", async (t) => {
  const s = await setup(t);
  const id = await recordTextThread(s.db, {
    spaId: s.spaId,
    from: '+12025550188',
    startedAt: STARTED,
    texts: [
      ['inbound', 'How much is a HydraFacial?', 1],
      ['outbound', 'HydraFacials are $225 and take an hour. Want a time?', 1],
      ['inbound', 'x'.repeat(400), 3],
      ['outbound', 'Of course! 😊', null],
    ],
    replyCalls: 2,
  });
  s.openai.structuredAnswers.push({ json: GOOD, usage: SUMMARY_USAGE });
  await analyseConversation(s.deps, id);
  const u = await s.usage(id);
  t.equal(u.cost_text_replies_usd, '0.000610', '2 × (900 × 0.25 + 40 × 2)');
  t.equal(u.sms_segments, 6, 'Twilio says 1, 1 and 3; the emoji text is one UCS-2 segment');
  t.equal(u.cost_twilio_sms_usd, '0.049800', '6 × $0.0083');
  t.equal(u.cost_total_usd, '0.050965', 'replies + SMS + the summary (0.000555)');
  t.match(u, { text_threads: 1, texts_in: 2, texts_out: 2, calls: 0, cost_sms_usd: '0.050965', cost_voice_usd: '0.000000' });
});

t.test("the outcome a tool recorded during the call wins over the model's reading", async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId, { toolOutcome: 'booked', tools: [{ name: 'book_appointment', ok: true }] }));
  s.openai.structuredAnswers.push({ json: { ...GOOD, outcome: 'question_answered' } });
  await analyseConversation(s.deps, id);
  const row = await s.conversation(id);
  t.equal(row.outcome, 'booked');
  t.equal(row.outcome_source, 'tool');
  t.equal(row.summary, GOOD.summary.join('\n'), 'the rest of the analysis is stored');
  t.match(s.openai.structuredRequests[0]?.input, /Outcome recorded by the booking system: booked/);
  t.match(s.openai.structuredRequests[0]?.input, /book_appointment \(ok\)/);
  t.equal((await s.usage(id)).tool_calls, 1);
});

t.test('a call without a word from the caller is classified without the model', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId, { turns: [['assistant', 'Thank you for calling, this is Ava.']], durationSeconds: 12 }));
  await analyseConversation(s.deps, id);
  t.equal(s.openai.structuredRequests.length, 0, 'no model call');
  const row = await s.conversation(id);
  t.match(row, { outcome: 'abandoned', outcome_source: 'rule', satisfaction: null, follow_up_needed: false });
  t.equal(row.summary, 'The caller did not say anything.\nThe call ended after 12 seconds.');
  t.equal((await s.usage(id)).cost_summary_usd, '0.000000');
});

t.test('a thread with only our own texts (a reminder) is classified without the model, and its segments still count', async (t) => {
  const s = await setup(t);
  const id = await recordTextThread(s.db, {
    spaId: s.spaId,
    from: '+12025550189',
    startedAt: STARTED,
    texts: [['outbound', 'Reminder: HydraFacial tomorrow at 11 AM with Sofia.', 1]],
  });
  await analyseConversation(s.deps, id);
  t.equal(s.openai.structuredRequests.length, 0);
  t.match(await s.conversation(id), { outcome: 'abandoned', outcome_source: 'rule', summary: /^Only the spa texted in this thread \(1 text\)\./ });
  t.match(await s.usage(id), { texts_out: 1, sms_segments: 1, cost_twilio_sms_usd: '0.008300', cost_total_usd: '0.008300' });
});

t.test('a malformed answer is asked for again, and a good one then is stored (both calls are paid for)', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId));
  s.openai.structuredAnswers.push({ text: 'Sure! Here is the summary you asked for.', usage: SUMMARY_USAGE }, { json: GOOD, usage: SUMMARY_USAGE });
  await analyseConversation(s.deps, id);
  t.equal(s.openai.structuredRequests.length, 2);
  t.match(await s.conversation(id), { outcome: 'booked', satisfaction: 5, analysis_error: null });
  t.equal((await s.usage(id)).cost_summary_usd, '0.001110');
});

t.test('answers that stay malformed are stored as unknown; the job does not fail', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId));
  s.openai.structuredAnswers.push(
    { json: { ...GOOD, satisfaction: { score: 9, reason: 'off the scale' } } },
    { json: { ...GOOD, outcome: 'purchased' } },
    { incomplete: 'max_output_tokens' },
  );
  await analyseConversation(s.deps, id, { lastAttempt: false });
  t.equal(s.openai.structuredRequests.length, MALFORMED_ATTEMPTS);
  const row = await s.conversation(id);
  t.match(row, { outcome: 'unknown', outcome_source: 'model', summary: null, satisfaction: null });
  t.match(row.analysis_error, /malformed model answer: the answer was cut short/);
  // The call (0.043198) and three summary calls at the fake's default usage (900 × 0.25 + 40 × 2 each).
  t.equal((await s.usage(id)).cost_total_usd, '0.044113', 'the call is costed all the same, the summary calls too');
  await analyseConversation(s.deps, id);
  t.equal(s.openai.structuredRequests.length, MALFORMED_ATTEMPTS, 'the same input is not paid for again');
});

t.test('an unreachable model fails the job so the queue retries it; the last attempt stores unknown', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId));
  s.openai.structuredAnswers.push({ status: 503 });
  const failure = await analyseConversation(s.deps, id, { lastAttempt: false }).then(() => undefined, (error: unknown) => error);
  t.match(failure, { status: 503 }, 'the error goes to the queue');
  t.equal((await s.usage(id)).cost_total_usd, '0.043198', 'the cost is there meanwhile (no summary yet)');
  t.equal((await s.conversation(id)).analysed_at, null);
  s.openai.structuredAnswers.push({ status: 503 });
  await analyseConversation(s.deps, id, { lastAttempt: true });
  t.match(await s.conversation(id), { outcome: 'unknown', analysis_error: /the model was unavailable/, analysis_input_hash: null });
  s.openai.structuredAnswers.push({ json: GOOD });
  await analyseConversation(s.deps, id);
  t.match(await s.conversation(id), { outcome: 'booked', analysis_error: null }, 'a later run tries the model again');
});

t.test('re-running the analysis changes nothing: no model call, the same rows, the same day', async (t) => {
  const s = await setup(t);
  const a = await recordCall(s.db, call(s.spaId));
  const b = await recordTextThread(s.db, { spaId: s.spaId, from: '+12025550188', startedAt: STARTED, texts: [['inbound', 'Hi! Open Saturday?', 1]], replyCalls: 1 });
  s.openai.structuredAnswers.push({ json: GOOD, usage: SUMMARY_USAGE }, { json: PLAIN_ANALYSIS });
  await analyseConversation(s.deps, a);
  await analyseConversation(s.deps, b);
  const before = { a: await s.conversation(a), b: await s.conversation(b), ua: await s.usage(a), ub: await s.usage(b), daily: await s.daily() };
  await analyseConversation(s.deps, a);
  await analyseConversation(s.deps, b);
  await analyseConversation(s.deps, a);
  t.equal(s.openai.structuredRequests.length, 2, 'no further model calls');
  t.same({ a: await s.conversation(a), b: await s.conversation(b), ua: await s.usage(a), ub: await s.usage(b), daily: await s.daily() }, before);
  t.match(before.daily, [{ day: '2026-11-30', conversations: 2, calls: 1, text_threads: 1, cost_total_usd: String(before.daily[0]?.cost_total_usd) }]);
  t.equal(Number(before.daily[0]?.cost_total_usd), Number(before.ua.cost_total_usd) + Number(before.ub.cost_total_usd));
});

t.test('a thread that carries on is read again, and its day moves by the difference only', async (t) => {
  const s = await setup(t);
  const id = await recordTextThread(s.db, { spaId: s.spaId, from: '+12025550188', startedAt: STARTED, texts: [['inbound', 'Open Saturday?', 1]] });
  s.openai.structuredAnswers.push({ json: PLAIN_ANALYSIS }, { json: { ...GOOD, satisfaction: { score: 1, reason: 'Angry about the wait.' }, followUpNeeded: true } });
  await analyseConversation(s.deps, id);
  t.match(await s.daily(), [{ texts_in: 1, satisfaction_sum: 4, satisfaction_count: 1, unhappy: 0, follow_ups: 0 }]);
  await s.db.updateTable('conversations').set({ last_activity_at: new Date(STARTED.getTime() + 60_000) }).where('id', '=', id).execute();
  await recordTextThread(s.db, { spaId: s.spaId, from: '+12025550188', startedAt: STARTED, texts: [['inbound', 'Still waiting for an answer!!', 1]] });
  await analyseConversation(s.deps, id);
  t.equal(s.openai.structuredRequests.length, 2);
  t.match(await s.daily(), [{ conversations: 1, texts_in: 2, sms_segments: 2, satisfaction_sum: 1, satisfaction_count: 1, unhappy: 1, follow_ups: 1 }]);
});

t.test('conversations recorded before the analysis existed are found for the backfill; calls in progress are not', async (t) => {
  const s = await setup(t);
  const done = await recordCall(s.db, call(s.spaId));
  const old = await recordCall(s.db, call(s.spaId));
  const live = await recordCall(s.db, call(s.spaId));
  await s.db.updateTable('conversations').set({ status: 'active' }).where('id', '=', live).execute();
  const thread = await recordTextThread(s.db, { spaId: s.spaId, from: '+12025550188', startedAt: STARTED, texts: [['inbound', 'Hi', 1]] });
  await analyseConversation(s.deps, done);
  t.same((await conversationsWithoutUsage(s.db)).sort(), [old, thread].sort());
  await analyseConversation(s.deps, live);
  t.equal(s.openai.structuredRequests.length, 1, 'a call still in progress is left for its end');
});

t.test('Twilio bills a connected call at least a minute, and a call that never connected nothing', async (t) => {
  const s = await setup(t);
  const blip = await recordCall(s.db, call(s.spaId, { durationSeconds: 0, turns: [['assistant', 'Thank you for calling.']] }));
  await analyseConversation(s.deps, blip);
  t.match(await s.usage(blip), { voice_billed_minutes: 1, cost_twilio_voice_usd: '0.008500' });
  const { conversationId: missed } = await s.db.transaction().execute(async (trx) => {
    const opened = await openVoiceConversation(trx, {
      conversationId: voiceConversationId('CAmissed'),
      spaId: s.spaId,
      callSid: 'CAmissed',
      from: null,
      to: '+12025550100',
      startedAt: new Date(),
    });
    await applyTwilioCallStatus(trx, { callSid: 'CAmissed', status: 'no-answer', durationSeconds: 0, at: new Date() });
    return opened;
  });
  await analyseConversation(s.deps, missed);
  t.match(await s.conversation(missed), { status: 'abandoned', outcome: 'abandoned', outcome_source: 'rule', cost_usd: '0.000000' });
  t.match(await s.usage(missed), { calls: 1, voice_billed_minutes: 0, cost_total_usd: '0.000000' });
});

t.test('without an OpenAI key a conversation is still costed and rolled up, and says why it has no summary', async (t) => {
  const s = await setup(t);
  const id = await recordCall(s.db, call(s.spaId));
  await analyseConversation({ ...s.deps, openai: undefined }, id);
  t.match(await s.conversation(id), { outcome: 'unknown', summary: null, analysis_error: 'no summary: OPENAI_API_KEY is not set', cost_usd: '0.043198' });
  t.match(await s.daily(), [{ calls: 1, cost_total_usd: '0.043198' }]);
});
