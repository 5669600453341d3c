import OpenAI from 'openai';
import { pino } from 'pino';
import t from 'tap';
import { backfillAnalytics } from '../../src/jobs/analytics-backfill.js';
import { analyseConversation, type AnalysisDependencies } from '../../src/jobs/conversation-analysis-task.js';
import { histogramMedian } from '../../src/storage/analytics-queries.js';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { FakeOpenAIResponses, PLAIN_ANALYSIS } from '../doubles/fake-openai-responses.js';
import { buildTestApp } from '../support/app.js';
import { recordCall, recordTextThread } from '../support/recorded-conversations.js';

// Friday 20 November 2026, noon in Washington: day 20 of a 30-day month.
const NOW = new Date('2026-11-20T17:00:00Z');

const analysis = (over: Partial<typeof PLAIN_ANALYSIS> & Record<string, unknown>) => ({ ...PLAIN_ANALYSIS, ...over });

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const test = await buildTestApp(t, {}, { now: () => NOW });
  const db = test.database.db;
  const owner = await createApiKey(db, test.demoSpaId, 'owner', 'owner');
  const staff = await createApiKey(db, test.demoSpaId, 'staff', 'front desk');
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => openai.close());
  const deps: AnalysisDependencies = {
    db,
    openai: new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseUrl, maxRetries: 0 }),
    model: 'gpt-5-mini',
    rates: { realtimeModel: 'gpt-realtime', transcriptionModel: 'gpt-4o-mini-transcribe', twilioVoiceUsdPerMinute: 0.0085, twilioSmsUsdPerSegment: 0.0083 },
    log: pino({ level: 'silent' }),
  };
  const get = (url: string, key = staff.key) => test.app.fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const patchSettings = (settings: Record<string, unknown>) =>
    test.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers: { authorization: `Bearer ${owner.key}` }, payload: { settings } });
  /** Records a conversation, then analyses it with the given answer from the model. */
  const analysed = async (record: Promise<string>, answer = PLAIN_ANALYSIS as Record<string, unknown>) => {
    const id = await record;
    openai.structuredAnswers.push({ json: answer });
    await analyseConversation(deps, id);
    return id;
  };
  const turns = (...said: string[]) => said.map((text, i) => [i % 2 === 0 ? 'assistant' : 'customer', text] as ['assistant' | 'customer', string]);
  return { ...test, db, owner, staff, openai, deps, get, patchSettings, analysed, turns };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** A week's worth: two calls and a thread on the 20th, a call on the 16th. Costs from recorded usage. */
async function week(s: Setup) {
  const booked = await s.analysed(
    recordCall(s.db, {
      spaId: s.demoSpaId,
      from: '+12025550101',
      startedAt: new Date('2026-11-20T15:00:00Z'),
      durationSeconds: 120,
      turns: s.turns('Willow and Oak, this is Ava.', 'How much is lip filler? Book me Tuesday.'),
      responses: 2,
      transcriptions: 1,
      tools: [{ name: 'book_appointment', ok: true }],
      toolOutcome: 'booked',
      replyLatenciesMs: [400, 800],
    }),
    analysis({ services: ['Lip Filler'], questions: ['How much is lip filler?'], satisfaction: { score: 5, reason: 'Pleased.' } }),
  );
  const sofia = await s.db.selectFrom('providers').select('id').where('slug', '=', 'sofia-ramirez').where('spa_id', '=', s.demoSpaId).executeTakeFirstOrThrow();
  const facial = await s.db.selectFrom('services').select('id').where('slug', '=', 'hydrafacial').where('spa_id', '=', s.demoSpaId).executeTakeFirstOrThrow();
  const customer = await s.db.selectFrom('conversations').select('customer_id').where('id', '=', booked).executeTakeFirstOrThrow();
  await s.db
    .insertInto('appointments')
    .values({ spa_id: s.demoSpaId, customer_id: customer.customer_id!, provider_id: sofia.id, service_id: facial.id, starts_at: '2026-12-01T16:00:00Z', ends_at: '2026-12-01T17:00:00Z', source_conversation_id: booked })
    .execute();
  await analyseConversation(s.deps, booked); // the booking counts once it is linked
  const unhappy = await s.analysed(
    recordCall(s.db, {
      spaId: s.demoSpaId,
      from: '+12025550102',
      startedAt: new Date('2026-11-20T18:00:00Z'),
      durationSeconds: 60,
      turns: s.turns('Willow and Oak, this is Ava.', 'I was charged twice for my keloid treatment and nobody called me back!'),
      responses: 1,
      transcriptions: 1,
      replyLatenciesMs: [600],
    }),
    analysis({
      summary: ['Morgan called, upset about a double charge.', 'Promised a callback from the billing team.'],
      outcome: 'message_taken',
      questions: ['how much is lip filler'],
      satisfaction: { score: 1, reason: 'Angry about being charged twice.' },
      followUpNeeded: true,
    }),
  );
  const thread = await s.analysed(
    recordTextThread(s.db, {
      spaId: s.demoSpaId,
      from: '+12025550103',
      startedAt: new Date('2026-11-20T19:00:00Z'),
      texts: [
        ['inbound', 'Do you do HydraFacials?', 1],
        ['outbound', 'We do! $225 for an hour.', 1],
      ],
      replyCalls: 1,
    }),
    analysis({ services: ['HydraFacial'], questions: ['How much is lip filler?', 'Do you do HydraFacials?'], followUpNeeded: true, satisfaction: { score: 3, reason: 'Neutral.' } }),
  );
  const early = await s.analysed(
    recordCall(s.db, {
      spaId: s.demoSpaId,
      from: '+12025550104',
      startedAt: new Date('2026-11-16T15:00:00Z'),
      durationSeconds: 30,
      turns: s.turns('Willow and Oak, this is Ava.', 'Are you open Sunday?'),
      responses: 1,
    }),
  );
  return { booked, unhappy, thread, early };
}

const cost = async (s: Setup, id: string) => Number((await s.db.selectFrom('conversations').select('cost_usd').where('id', '=', id).executeTakeFirstOrThrow()).cost_usd);

t.test('daily analytics come from the daily rows: calls, texts, bookings, call length, latency, minutes, cost, satisfaction', async (t) => {
  const s = await setup(t);
  const c = await week(s);
  const days = (await s.get('/api/v1/analytics/daily?from=2026-11-19&to=2026-11-20')).json().data;
  t.same(days[0], {
    day: '2026-11-19', calls: 0, texts: 0, bookings: 0, averageCallSeconds: null, medianReplyLatencyMs: null, p95ReplyLatencyMs: null,
    medianGreetingLatencyMs: null, p95GreetingLatencyMs: null, bargeIns: 0, voiceMinutes: 0, costUsd: 0, averageSatisfaction: null, conversionRate: null,
  });
  const dayCost = (await cost(s, c.booked)) + (await cost(s, c.unhappy)) + (await cost(s, c.thread));
  t.same(days[1], {
    day: '2026-11-20',
    calls: 2,
    texts: 1,
    bookings: 1,
    averageCallSeconds: 90,
    medianReplyLatencyMs: 605, // of 400, 600 and 800 ms: 600, to the middle of its 10 ms bucket
    p95ReplyLatencyMs: 805, // nearest rank: the third of three
    medianGreetingLatencyMs: 305, // both calls greeted after 300 ms
    p95GreetingLatencyMs: 305,
    bargeIns: 0,
    voiceMinutes: 3,
    costUsd: Number(dayCost.toFixed(6)),
    averageSatisfaction: 3,
    conversionRate: 0.5,
  });
  t.equal((await s.get('/api/v1/analytics/daily?from=2026-11-10&to=2026-11-01')).statusCode, 400);
});

/**
 * Greeting latencies and barge-ins of calls either side of midnight in Washington (UTC−5): two
 * late on the 19th (after midnight UTC), four greeted calls, one that never greeted and a text
 * thread on the 20th.
 */
async function aroundMidnight(s: Setup) {
  const call = (startedAt: string, greetingLatencyMs: number | null, bargeIns: number) =>
    s.analysed(
      recordCall(s.db, {
        spaId: s.demoSpaId,
        startedAt: new Date(startedAt),
        durationSeconds: 60,
        turns: s.turns('Willow and Oak, this is Ava.', 'Are you open late?'),
        responses: 1,
        greetingLatencyMs,
        bargeIns,
      }),
    );
  const lateOn19th = await call('2026-11-20T04:59:00Z', 1_200, 2);
  await call('2026-11-20T03:00:00Z', 900, 1);
  await call('2026-11-20T05:00:00Z', 450, 0);
  await call('2026-11-20T15:00:00Z', 2_000, 3);
  await call('2026-11-20T16:00:00Z', 820, 0);
  await call('2026-11-20T17:00:00Z', 700, 1);
  await call('2026-11-20T18:00:00Z', null, 0);
  await s.analysed(recordTextThread(s.db, { spaId: s.demoSpaId, from: '+12025550103', startedAt: new Date('2026-11-20T19:00:00Z'), texts: [['inbound', 'Open late?', 1]] }));
  return { lateOn19th };
}

const greetingFigures = (rows: Record<string, unknown>[]) =>
  rows.map(({ day, calls, medianGreetingLatencyMs, p95GreetingLatencyMs, bargeIns }) => ({ day, calls, medianGreetingLatencyMs, p95GreetingLatencyMs, bargeIns }));

t.test("greeting latency (median, p95) and barge-ins per day, on the spa's days, and moved with a call when its day changes", async (t) => {
  const s = await setup(t);
  const c = await aroundMidnight(s);
  const daily = async () => greetingFigures((await s.get('/api/v1/analytics/daily?from=2026-11-18&to=2026-11-20', s.owner.key)).json().data);
  t.same(await daily(), [
    { day: '2026-11-18', calls: 0, medianGreetingLatencyMs: null, p95GreetingLatencyMs: null, bargeIns: 0 },
    // 900 and 1,200 ms: the mean of the two, each to the middle of its 10 ms bucket; nearest rank 2 of 2.
    { day: '2026-11-19', calls: 2, medianGreetingLatencyMs: 1_055, p95GreetingLatencyMs: 1_205, bargeIns: 3 },
    // 450, 700, 820, 2,000 ms (the call that never greeted counts no greeting): (705 + 825) / 2; rank 4 of 4.
    { day: '2026-11-20', calls: 5, medianGreetingLatencyMs: 765, p95GreetingLatencyMs: 2_005, bargeIns: 4 },
  ]);

  // The spa moves to UTC: the late call's re-analysis takes its figures out of the 19th and into the 20th.
  await s.db.updateTable('spas').set({ timezone: 'Etc/UTC' }).where('id', '=', s.demoSpaId).execute();
  await analyseConversation(s.deps, c.lateOn19th);
  t.same(await daily(), [
    { day: '2026-11-18', calls: 0, medianGreetingLatencyMs: null, p95GreetingLatencyMs: null, bargeIns: 0 },
    { day: '2026-11-19', calls: 1, medianGreetingLatencyMs: 905, p95GreetingLatencyMs: 905, bargeIns: 1 },
    // 450, 700, 820, 1,200, 2,000 ms: the third; rank 5 of 5.
    { day: '2026-11-20', calls: 6, medianGreetingLatencyMs: 825, p95GreetingLatencyMs: 2_005, bargeIns: 6 },
  ]);
});

t.test('the analytics backfill adds the greeting latency and barge-ins of calls rolled up before the days kept them', async (t) => {
  const s = await setup(t);
  await aroundMidnight(s);
  const daily = async () => greetingFigures((await s.get('/api/v1/analytics/daily?from=2026-11-19&to=2026-11-20', s.owner.key)).json().data);
  const rolledUp = await daily();
  const usageRows = () => s.db.selectFrom('daily_usage').selectAll().orderBy('day').execute();
  const before = await usageRows();
  // As the rows stood before migration 20261202210000: nothing of either figure.
  await s.db.updateTable('conversation_usage').set({ greeting_latency_ms: null, barge_ins: 0 }).execute();
  await s.db.updateTable('daily_usage').set({ greeting_latency_histogram: [], barge_ins: 0 }).execute();
  t.same((await daily()).map((d) => [d.medianGreetingLatencyMs, d.bargeIns]), [[null, 0], [null, 0]], 'the days have none of them');

  t.same(await backfillAnalytics(s.db), { queued: 0, refreshed: 6 }, 'the six calls that greeted (the one that never did had nothing to add)');
  t.same(await daily(), rolledUp, 'the days as if rolled up with them');
  const withoutTimes = (rows: typeof before) => rows.map(({ updated_at: _, ...row }) => row);
  t.same(withoutTimes(await usageRows()), withoutTimes(before), 'every figure of the days as the roll-up left them, histograms included');
  t.same(await backfillAnalytics(s.db), { queued: 0, refreshed: 0 }, 'a second run finds nothing to do');
});

t.test('usage: totals, cost per component, per call and per booking', async (t) => {
  const s = await setup(t);
  const c = await week(s);
  const res = await s.get('/api/v1/analytics/usage?from=2026-11-16&to=2026-11-22');
  t.equal(res.statusCode, 200, res.body);
  const usage = res.json();
  t.match(usage.totals, { conversations: 4, calls: 3, textThreads: 1, textsIn: 1, textsOut: 1, smsSegments: 2, voiceSeconds: 210, voiceBilledMinutes: 4, toolCalls: 1, bookings: 1, followUpsNeeded: 2, unhappy: 1 });
  t.equal(usage.totals.averageSatisfaction, 3.25, '(5 + 1 + 3 + 4) / 4');
  const all = [c.booked, c.unhappy, c.thread, c.early];
  let total = 0;
  for (const id of all) total += await cost(s, id);
  t.equal(usage.cost.totalUsd, Number(total.toFixed(6)));
  t.equal(usage.cost.components.realtimeAudioOutUsd, 0.03072, 'four realtime responses of 120 audio tokens out at $64 per 1M');
  t.equal(usage.cost.components.twilioVoiceUsd, 0.034, '120 s, 60 s and 30 s bill as 2 + 1 + 1 minutes at $0.0085');
  t.equal(usage.cost.components.twilioSmsUsd, 0.0166, '2 segments × $0.0083');
  t.equal(usage.cost.components.textRepliesUsd, 0.000305);
  const voice = (await cost(s, c.booked)) + (await cost(s, c.unhappy)) + (await cost(s, c.early));
  t.equal(usage.costPerCallUsd, Math.round((voice / 3) * 10_000) / 10_000);
  t.equal(usage.costPerBookingUsd, Math.round(total * 10_000) / 10_000, 'one booking: everything it took');
});

t.test('the monthly budget check: not set, on track, projected over, over', async (t) => {
  const s = await setup(t);
  await week(s);
  const budget = async () => (await s.get('/api/v1/analytics/usage?from=2026-11-01&to=2026-11-30')).json().budget;
  const first = await budget();
  t.match(first, { month: '2026-11', monthlyBudgetUsd: null, status: 'not_set', daysElapsed: 20, daysInMonth: 30 });
  const spent = first.spentUsd as number;
  t.ok(spent > 0);
  t.equal(first.projectedUsd, Math.round((spent / 20) * 30 * 1e6) / 1e6, 'spent so far, per day, times the days in the month');
  t.equal((await s.patchSettings({ monthlyBudgetUsd: Number((spent * 2).toFixed(6)) })).statusCode, 200);
  t.equal((await budget()).status, 'on_track');
  await s.patchSettings({ monthlyBudgetUsd: Number((spent * 1.2).toFixed(6)) });
  t.equal((await budget()).status, 'projected_over');
  await s.patchSettings({ monthlyBudgetUsd: Number((spent * 0.5).toFixed(6)) });
  t.equal((await budget()).status, 'over');
});

t.test("the weekly digest: calls, bookings, what patients asked most, and who to call back", async (t) => {
  const s = await setup(t);
  await week(s);
  const res = await s.get('/api/v1/analytics/weekly-digest?week=2026-11-18');
  t.equal(res.statusCode, 200, res.body);
  const digest = res.json();
  t.match(digest, { spa: 'Willow & Oak Medical Spa', week: { from: '2026-11-16', to: '2026-11-22' }, calls: 3, texts: 1, bookings: 1 });
  t.same(digest.topQuestions[0], { question: 'How much is lip filler?', count: 3 }, 'the same question, however it was typed');
  t.same(digest.topServices, [{ service: 'HydraFacial', count: 1 }, { service: 'Lip filler', count: 1 }]);
  t.match(digest.outcomes, { booked: 1, message_taken: 1, question_answered: 2 });
  t.equal(digest.callBacks.length, 2);
  t.match(digest.callBacks[0], { why: 'unhappy', customerPhone: '+12025550102', satisfaction: 1, satisfactionReason: 'Angry about being charged twice.' });
  t.match(digest.callBacks[1], { why: 'follow_up', customerPhone: '+12025550103' });
  t.match(digest.subject, /Willow & Oak Medical Spa: your receptionist's week of Nov 16–Nov 22 — 3 calls, 1 booking/);
  t.match(digest.text, /Worth a call back:\n {2}- \+12025550102 \(call, 2026-11-20\) — satisfaction 1\/5: Angry about being charged twice\./);
  t.match(digest.text, /What patients asked most:\n {2}- How much is lip filler\? \(3\)/);
  const lastWeek = (await s.get('/api/v1/analytics/weekly-digest')).json();
  t.same(lastWeek.week, { from: '2026-11-09', to: '2026-11-15' }, 'by default, the last whole week');
  t.equal(lastWeek.calls, 0);
  t.match(lastWeek.text, /Nobody left unhappy or waiting for a call back\./);
});

t.test('conversations show their analysis and cost breakdown; summaries are searchable and filterable', async (t) => {
  const s = await setup(t);
  const c = await week(s);
  const detail = (await s.get(`/api/v1/conversations/${c.unhappy}`)).json();
  t.match(detail.conversation, {
    summary: 'Morgan called, upset about a double charge.\nPromised a callback from the billing team.',
    outcome: 'message_taken',
    outcomeSource: 'model',
    satisfaction: 1,
    satisfactionReason: 'Angry about being charged twice.',
    followUpNeeded: true,
    questions: ['how much is lip filler'],
  });
  t.match(detail.cost, {
    totalUsd: String((await cost(s, c.unhappy)).toFixed(6)),
    components: { realtimeAudioOutUsd: '0.007680', twilioVoiceUsd: '0.008500', transcriptionUsd: '0.000219' },
    usage: { voiceSeconds: 60, voiceBilledMinutes: 1 },
  });
  const bySummary = (await s.get('/api/v1/conversations?q=billing')).json().data;
  t.same(bySummary.map((r: { id: string }) => r.id), [c.unhappy], 'a word only in the summary finds it');
  const byTranscript = (await s.get('/api/v1/conversations?q=keloid')).json().data;
  t.same(byTranscript.map((r: { id: string }) => r.id), [c.unhappy], 'transcripts are still searched');
  const list = (await s.get('/api/v1/conversations?followUpNeeded=true')).json().data;
  t.same(list.map((r: { id: string }) => r.id).sort(), [c.unhappy, c.thread].sort());
  t.match(list[0], { summary: String, satisfaction: Number, services: Array, followUpNeeded: true, costUsd: String });
  t.same((await s.get('/api/v1/conversations?maxSatisfaction=2')).json().data.map((r: { id: string }) => r.id), [c.unhappy]);
});

t.test("another spa's key sees none of it", async (t) => {
  const s = await setup(t);
  await week(s);
  const other = await seedSpa(s.db, { ...(await loadDemoSpaCatalog()), slug: 'other-spa', name: 'Other Spa', phoneNumbers: ['+13105550100'] });
  const key = (await createApiKey(s.db, other.spaId, 'owner', 'other')).key;
  t.match((await s.get('/api/v1/analytics/usage?from=2026-11-01&to=2026-11-30', key)).json(), { totals: { conversations: 0 }, cost: { totalUsd: 0 } });
  t.match((await s.get('/api/v1/analytics/weekly-digest?week=2026-11-18', key)).json(), { calls: 0, callBacks: [] });
  t.equal((await s.get('/api/v1/analytics/usage?from=2026-11-01&to=2026-11-30', 'rk_nonsense')).statusCode, 401);
});

t.test('the median reply latency comes from the day’s 10 ms histogram', async (t) => {
  const histogram = (...values: number[]) => {
    const h = Array.from({ length: 501 }, () => 0);
    for (const v of values) h[Math.min(Math.floor(v / 10), 500)]! += 1;
    return h;
  };
  t.equal(histogramMedian([]), null);
  t.equal(histogramMedian(histogram(400, 600, 800)), 605);
  t.equal(histogramMedian(histogram(400, 600, 800, 1_000)), 705, 'an even count: the mean of the middle two');
  t.equal(histogramMedian(histogram(7_000, 9_000, 12_000)), 5_000, 'five seconds and over share the last bucket');
});
