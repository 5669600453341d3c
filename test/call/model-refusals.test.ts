/**
 * A model that stays connected but does not answer as asked: responses that end failed (for a
 * moment, or for good), cut short (incomplete), or cancelled with tool calls in them.
 */
import { once } from 'node:events';
import t from 'tap';
import { z } from 'zod';
import { holdPromptAudio } from '../../src/call/hold-prompt.js';
import { conversationDetail } from '../../src/storage/conversation-queries.js';
import { defineTool } from '../../src/tools/tool.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { FAILURES, type FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, eventsOf, hangUpAndWait } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

/** Wednesday 18 November 2026, 3 PM in New York: the demo spa's front desk is open. */
const OPEN = () => new Date('2026-11-18T20:00:00Z');
/** The same Wednesday at 11 PM: closed. */
const CLOSED = () => new Date('2026-11-19T04:00:00Z');
const ACCOUNT = `AC${'0'.repeat(32)}`;
const PERSONA = /^You are Ava, the receptionist at Willow & Oak Medical Spa/;

/** Log lines the service wrote, parsed. */
function logCapture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

async function greeted(h: CallHarness, greeting = 'Hello, this is Ava.') {
  h.realtime.configure = (c) => c.replies.push({ text: greeting, audioMs: 200 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  return { call, model };
}

/** A tool that acts, counting its runs. */
function actingTool(runs: string[]) {
  return defineTool({
    name: 'book_thing',
    description: 'Books a thing',
    readOnly: false,
    schema: z.object({ what: z.string() }),
    async execute(args) {
      runs.push(args.what);
      return { booked: args.what };
    },
  });
}

function lookupTool(runs: string[], delayMs = 0) {
  return defineTool({
    name: 'look_up',
    description: 'Looks a thing up',
    readOnly: true,
    schema: z.object({ what: z.string() }),
    async execute(args) {
      runs.push(args.what);
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { found: args.what };
    },
  });
}

const toolOutputs = (model: FakeRealtimeConnection) =>
  model.received.filter((e) => e.type === 'conversation.item.create' && (e.item as { type?: string }).type === 'function_call_output');

t.test('a response that fails for a passing reason is asked for again, and the caller hears the reply', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => {
    c.failResponses = { count: 1, error: FAILURES.serverError };
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  t.equal(model.responseCreates.length, 2, 'the greeting was asked for twice');
  t.match(model.responseCreates[1]?.instructions, /Greet the caller now/, 'the retry asks for the same thing');
  t.notOk(call.receivedAudio().includes(holdPromptAudio()), 'a quick retry needs no hold prompt');
  t.notOk(h.app.liveCalls.get(call.callSid)?.isEnded, 'the call goes on');
  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'caller');
  const events = await eventsOf(h, row.conversation_id);
  t.match(events.find((e) => e.name === 'response_failed')?.data, { code: 'server_error', transient: true, attempt: 1 });
});

t.test('a retry that takes longer than a moment is covered by "One moment, please."', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => {
    // Rate limited twice, "try again in 200ms": the second retry comes ~700 ms after the first failure.
    c.failResponses = { count: 2, error: FAILURES.rateLimited };
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  const hold = holdPromptAudio();
  await call.waitFor(() => call.receivedAudio().includes(hold), 5_000, 'the hold prompt');
  await call.heardAll(hold.length / 8 + 200, 8_000);
  t.equal(model.responseCreates.length, 3);
  t.notOk(h.app.liveCalls.get(call.callSid)?.isEnded, 'the call goes on');
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  t.same(
    events.filter((e) => e.name === 'response_failed').map((e) => (e.data as { attempt: number }).attempt),
    [1, 2],
  );
  t.ok(events.some((e) => e.type === 'hold_prompt'));
});

t.test('a model that refuses every response hands the caller to the front desk within 3 s, and says why on record', async (t) => {
  const logs = logCapture();
  const h = await startCallHarness(t, { now: OPEN, env: { LOG_LEVEL: 'warn' }, logs: logs.stream });
  h.realtime.configure = (c) => {
    c.failResponses = { count: Infinity, error: FAILURES.insufficientQuota };
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  t.equal(await call.closed(5_000), 1000, 'the service ends the stream');
  const closedAt = performance.now();
  const failedAt = model.responsesSent[0]!.doneAt;
  t.ok(closedAt - failedAt < 3_000, `handed over ${Math.round(closedAt - failedAt)} ms after the failure`);
  t.equal(model.responseCreates.length, 1, 'a quota failure is not retried');

  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /technical problem on my end\. Let me put you through to our front desk\./);
  t.match(action.body, /<Dial [^>]*>\+12025550111<\/Dial>/);

  await callRecordWritten(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'model_failure');
  t.equal(row.status, 'failed');
  const detail = await conversationDetail(h.database.db, h.demoSpaId, row.conversation_id);
  t.equal(detail?.voice?.endedBy, 'model_failure', 'staff see how the call ended');
  t.match(detail?.events.find((e) => e.name === 'response_failed')?.data, {
    code: 'insufficient_quota',
    message: /exceeded your current quota/,
    transient: false,
  });
  t.match(detail?.events.find((e) => e.type === 'call_ended')?.data, { why: /insufficient_quota: You exceeded your current quota/ }, 'and why');

  const errors = logs.lines.filter((l) => l.level === 50);
  t.equal(errors.length, 1, 'one error line');
  t.match(errors[0], { code: 'insufficient_quota', msg: /handing the call over/ });
});

t.test('failures that keep coming are handed over too: after hours, to voicemail', async (t) => {
  const h = await startCallHarness(t, { now: CLOSED });
  const { call, model } = await greeted(h);
  model.failResponses = { count: Infinity, error: FAILURES.serverError };
  await model.callerTurn({ transcript: 'Can I book a facial?' });
  t.equal(await call.closed(5_000), 1000);
  const firstFailure = model.responsesSent.find((r) => r.status === 'failed')!.doneAt;
  t.ok(performance.now() - firstFailure < 3_000, 'within 3 s of the first failure');
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /<Record /);
  await callRecordWritten(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'model_failure');
  const events = await eventsOf(h, row.conversation_id);
  t.same(
    events.filter((e) => e.name === 'response_failed').map((e) => (e.data as { attempt: number }).attempt),
    [1, 2, 3],
    'two retries, then the hand-over',
  );
});

t.test('a reply cut short is followed by a short one that carries on, not a hang-up', async (t) => {
  const h = await startCallHarness(t);
  const { call, model } = await greeted(h);
  model.replies.push(
    { text: 'We offer facials, peels, and', audioMs: 200, outcome: { status: 'incomplete', reason: 'max_output_tokens' } },
    { text: 'lasers too. What would you like?', audioMs: 200 },
  );
  await model.callerTurn({ transcript: 'What do you offer?' });
  await call.heardAll(600, 5_000);
  const followUp = model.responseCreates.at(-1);
  t.match(followUp?.instructions, /cut off before you finished/);
  t.match(followUp?.instructions, PERSONA, 'with the persona');
  t.notOk(h.app.liveCalls.get(call.callSid)?.isEnded, 'the call goes on');
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  t.ok(events.some((e) => e.type === 'response_incomplete' && e.name === 'max_output_tokens'));
});

t.test('a booking the caller talked over is not made: a tool that acts waits for its response to complete', async (t) => {
  const runs: string[] = [];
  const h = await startCallHarness(t, { tools: new ToolRegistry([actingTool(runs)]) });
  const { call, model } = await greeted(h);
  model.replies.push({ text: 'Let me book that for you.', audioMs: 200, toolCall: { name: 'book_thing', arguments: { what: 'facial' } }, doneAfterMs: 2_000 });
  const argumentsDone = once(model, 'arguments-done');
  await model.callerTurn({ transcript: 'Book the facial' });
  await argumentsDone;
  model.speechStarted();
  await model.callerTurn({ transcript: 'Wait, no, not yet', respond: false });
  // A negative check: the tool would have run as the response ended (cancelled, already sent).
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(runs, [], 'nothing was booked');
  t.same(toolOutputs(model), [], 'and no result was given to the model');
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  t.match(events.find((e) => e.type === 'tool_call_dropped'), {
    name: 'book_thing',
    data: { status: 'cancelled', reason: 'turn_detected', ran: false },
  });
  t.notOk(events.some((e) => e.type === 'tool_result'));
});

t.test('a goodbye the caller talked over does not hang up', async (t) => {
  const h = await startCallHarness(t);
  const { call, model } = await greeted(h);
  model.replies.push({ text: 'Thanks for calling, goodbye!', audioMs: 200, toolCall: { name: 'end_call', arguments: {} }, doneAfterMs: 2_000 });
  const argumentsDone = once(model, 'arguments-done');
  await model.callerTurn({ transcript: "That's all" });
  await argumentsDone;
  model.speechStarted();
  await model.callerTurn({ transcript: 'Oh, one more thing', respond: false });
  // A negative check: the hang-up would follow the goodbye's 200 ms within this time.
  await new Promise((resolve) => setTimeout(resolve, 800));
  t.notOk(h.app.liveCalls.get(call.callSid)?.isEnded, 'the line stays open');
  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'caller');
  const events = await eventsOf(h, row.conversation_id);
  t.match(events.find((e) => e.type === 'tool_call_dropped'), { name: 'end_call', data: { status: 'cancelled', ran: false } });
});

t.test('a lookup may start early, but its result is followed up only for a completed response', async (t) => {
  const runs: string[] = [];
  const h = await startCallHarness(t, { tools: new ToolRegistry([lookupTool(runs)]) });
  const { call, model } = await greeted(h);
  model.replies.push(
    { toolCall: { name: 'look_up', arguments: { what: 'prices' } }, outcome: { status: 'incomplete', reason: 'content_filter' }, doneAfterMs: 300 },
    { text: 'Happy to help with that. Which treatment?', audioMs: 200 },
  );
  await model.callerTurn({ transcript: 'What are your prices?' });
  await until('the lookup to run', () => runs.length === 1, 5_000);
  await call.heardAll(400, 5_000);
  t.same(toolOutputs(model), [], 'the result was not given to the model');
  t.match(model.responseCreates.at(-1)?.instructions, /could not be finished/, 'the receptionist carries on instead');
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  t.match(events.find((e) => e.type === 'tool_call_dropped'), {
    name: 'look_up',
    data: { status: 'incomplete', reason: 'content_filter', ran: true },
  });
});

t.test('a tool that acts runs as soon as its response completes: what the wait costs', async (t) => {
  const runs: string[] = [];
  const h = await startCallHarness(t, { tools: new ToolRegistry([actingTool(runs)]) });
  const { call, model } = await greeted(h);
  model.replies.push({ toolCall: { name: 'book_thing', arguments: { what: 'peel' } } }, { text: 'Booked.', audioMs: 200 });
  await model.callerTurn({ transcript: 'Book the peel' });
  await model.waitFor('conversation.item.create');
  t.same(runs, ['peel']);
  await call.heardAll(400, 5_000);
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  const result = events.find((e) => e.type === 'tool_result');
  const heldMs = (result?.data as { heldMs: number }).heldMs;
  const sent = model.responsesSent.find((r) => r.argumentsDoneAt !== undefined)!;
  t.comment(`arguments.done → response.done on the fake: ${(sent.doneAt - sent.argumentsDoneAt!).toFixed(2)} ms; tool held by the service: ${heldMs} ms`);
  t.ok(heldMs < 250, `held ${heldMs} ms`);
});

t.test('a barge-in over the filler truncates nothing: the filler is not in the conversation', async (t) => {
  const runs: string[] = [];
  const h = await startCallHarness(t, { tools: new ToolRegistry([lookupTool(runs, 2_500)]) });
  const { call, model } = await greeted(h);
  model.deltaIntervalMs = 20;
  model.replies.push(
    { toolCall: { name: 'look_up', arguments: { what: 'availability' } } },
    { text: "Just a moment, I'm still checking that for you.", audioMs: 2_000 },
  );
  const heardBefore = call.heardMs();
  await model.callerTurn({ transcript: 'Is Tuesday free?' });
  const filler = await model.waitFor('response.create', (e) => (e.response as { conversation?: string } | undefined)?.conversation === 'none', 5_000);
  t.match((filler.response as { instructions: string }).instructions, PERSONA, 'the filler speaks as the receptionist');
  await call.waitFor(() => call.heardMs() >= heardBefore + 300, 5_000, 'some of the filler');
  model.speechStarted();
  await call.waitFor(() => call.clears === 1, 2_000, 'the clear');
  // A negative check: the truncate is sent right after the clear.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.notOk(model.received.some((e) => e.type === 'conversation.item.truncate'), 'no truncate for an item outside the conversation');
  await hangUpAndWait(h, call);
});

t.test('every response the call asks for keeps the persona, the facts and the language rule', async (t) => {
  const h = await startCallHarness(t, { env: { IDLE_PROMPT_SECONDS: '1', IDLE_HANGUP_SECONDS: '1' } });
  const { call, model } = await greeted(h);
  t.equal(await call.closed(10_000), 1000, 'greeting, "still there?", goodbye');
  t.ok(model.responseCreates.length >= 3);
  for (const [index, create] of model.responseCreates.entries()) {
    if (create.instructions === undefined) continue;
    t.match(create.instructions, PERSONA, `response ${index} has the persona`);
    t.match(create.instructions, /HydraFacial: 60 minutes/, `response ${index} has the spa's facts`);
    t.match(create.instructions, /- Speak English\./, `response ${index} has the language rule`);
  }
  t.match(model.responseCreates.map((c) => c.instructions), [/Greet the caller now/, /still there/, /let them go for now/]);
});

t.test('a spa language the provider would refuse gives no transcription hint and a warning; the call goes on', async (t) => {
  const logs = logCapture();
  const h = await startCallHarness(t, { env: { LOG_LEVEL: 'warn' }, logs: logs.stream });
  const spa = await h.database.db.selectFrom('spas').select('settings').where('id', '=', h.demoSpaId).executeTakeFirstOrThrow();
  await h.database.db
    .updateTable('spas')
    .set({ settings: JSON.stringify({ ...(spa.settings as Record<string, unknown>), language: 'english', languages: ['english'] }) })
    .where('id', '=', h.demoSpaId)
    .execute();
  const { call, model } = await greeted(h);
  const transcription = (model.session as { audio: { input: { transcription: Record<string, unknown> } } }).audio.input.transcription;
  t.same(transcription, { model: 'gpt-4o-mini-transcribe' }, 'no language hint');
  t.match(logs.lines.find((l) => l.level === 40 && /ISO 639-1/.test(String(l.msg))), { language: 'english' });
  await hangUpAndWait(h, call);
});
