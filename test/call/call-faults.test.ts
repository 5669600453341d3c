/**
 * Calls that survive faults: a model connection that drops, stalls or cannot be reached; session
 * rotation; idle callers; the maximum call length; draining deploys; a full machine; voicemail.
 */
import t from 'tap';
import { holdPromptAudio } from '../../src/call/hold-prompt.js';
import type { FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { until } from '../support/until.js';

/** Wednesday 18 November 2026, 3 PM in New York: the demo spa's front desk is open. */
const OPEN = () => new Date('2026-11-18T20:00:00Z');
/** The same Wednesday at 11 PM: closed. */
const CLOSED = () => new Date('2026-11-19T04:00:00Z');
const ACCOUNT = `AC${'0'.repeat(32)}`;

async function timelineOf(h: CallHarness, conversationId: string) {
  const messages = await h.database.db
    .selectFrom('messages')
    .select(['seq', 'role', 'text'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
  const events = await h.database.db
    .selectFrom('conversation_events')
    .select(['seq', 'type', 'name', 'data'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
  return { messages, events };
}

const itemsCreated = (connection: FakeRealtimeConnection) =>
  connection.received.filter((e) => e.type === 'conversation.item.create').map((e) => e.item as Record<string, unknown>);

const responseInstructions = (connection: FakeRealtimeConnection) =>
  connection.received
    .filter((e) => e.type === 'response.create')
    .map((e) => String((e.response as { instructions?: string } | undefined)?.instructions ?? ''));

function firstConnectionGreets(h: CallHarness, later: { text: string; audioMs: number }[] = []) {
  h.realtime.configure = (connection) => {
    if (h.realtime.connections.length === 0) connection.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
    else connection.replies.push(...later);
  };
}

t.test('a dropped model connection is restored with the conversation so far, and the call carries on', async (t) => {
  const h = await startCallHarness(t);
  firstConnectionGreets(h, [{ text: 'Thanks for holding. Which facial would you like?', audioMs: 300 }]);
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(200);
  await first.callerTurn({ transcript: 'I want to book a facial', respond: false });
  // The committed turn reaches the service before the drop (nothing on the fake model marks its arrival).
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The first two reconnects are refused, so restoring takes long enough for the hold prompt.
  h.realtime.refuseConnections = 2;
  first.drop();

  const second = await h.realtime.connection(1, 8_000);
  await second.waitFor('response.create');
  t.equal(h.realtime.refused, 2, 'two attempts were refused before the third got through');
  const order = second.received.map((e) => e.type);
  t.ok(order.indexOf('session.update') < order.indexOf('conversation.item.create'), 'the session is configured before the replay');
  t.match(itemsCreated(second), [
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello, this is Ava.' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I want to book a facial' }] },
    { type: 'message', role: 'system', content: [{ type: 'input_text', text: /line dropped/ }] },
  ]);
  t.same(second.session, first.session, 'the same session configuration');

  const hold = holdPromptAudio();
  await call.waitFor(() => call.receivedAudio().includes(hold), 5_000, 'the hold prompt');
  t.pass('the caller heard "One moment, please." instead of silence');
  await call.heardAll(200 + hold.length / 8 + 300, 8_000);

  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const row = await conversationOf(h, call);
  t.equal(row.status, 'completed');
  const { messages, events } = await timelineOf(h, row.conversation_id);
  t.same(
    messages.map((m) => m.text),
    ['Hello, this is Ava.', 'I want to book a facial', 'Thanks for holding. Which facial would you like?'],
    'the whole conversation is on record, across both sessions',
  );
  t.match(
    events.map((e) => e.type),
    ['call_started', 'error', 'hold_prompt', 'model_reconnected', 'call_ended'],
  );
  t.match(events.find((e) => e.type === 'model_reconnected')?.data, { attempts: 3 });
});

t.test('tool calls made before a drop are replayed, and a tool still running answers the new session', async (t) => {
  const h = await startCallHarness(t);
  firstConnectionGreets(h, [{ text: 'You are all set.', audioMs: 200 }]);
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(200);
  // get_spa_info answers from the database: quick, so it is finished before the drop is noticed.
  first.replies.push({ toolCall: { name: 'get_spa_info', arguments: {} } });
  await first.callerTurn({ transcript: 'When are you open?' });
  const output = await first.waitFor('conversation.item.create', (e) => (e.item as { type?: string }).type === 'function_call_output');
  first.drop();
  const second = await h.realtime.connection(1, 8_000);
  await second.waitFor('response.create');
  const items = itemsCreated(second);
  const call_ = items.find((i) => i.type === 'function_call');
  t.match(call_, { type: 'function_call', name: 'get_spa_info', arguments: '{}' });
  t.match(items.find((i) => i.type === 'function_call_output'), { call_id: call_?.call_id, output: (output.item as { output: string }).output });
  t.ok(
    items.findIndex((i) => i.type === 'function_call') < items.findIndex((i) => i.type === 'function_call_output'),
    'the call comes before its result',
  );
  await call.heardAll(400, 8_000);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
});

t.test('a model connection that stops answering is given up and replaced', async (t) => {
  const h = await startCallHarness(t);
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(200);
  first.stall();
  const second = await h.realtime.connection(1, 12_000);
  await second.waitFor('response.create');
  const session = h.app.liveCalls.get(call.callSid);
  t.ok(session && !session.isEnded, 'the call is still up');
  call.hangUp();
  await session?.done;
  const { events } = await timelineOf(h, (await conversationOf(h, call)).conversation_id);
  t.match(events.find((e) => e.type === 'error' && e.name === 'model_lost')?.data, { why: 'connection_stalled' });
});

t.test('a model that cannot be reached at all hands the caller to the front desk while it is open', async (t) => {
  const h = await startCallHarness(t, { env: { OPENAI_REALTIME_URL: 'ws://127.0.0.1:1/v1/realtime' }, now: OPEN });
  const call = h.call();
  await call.dial();
  t.equal(await call.closed(8_000), 1000, 'the service ends the stream after its reconnect attempts');
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /<Say[^>]*>I'm so sorry, I'm having a technical problem on my end\. Let me put you through to our front desk\.<\/Say>/);
  t.match(action.body, /<Dial action="https:\/\/receptionist\.test\/twilio\/voice\/fallback-dial-ended" method="POST" timeout="25">\+12025550111<\/Dial>/);

  // Nobody picks up: voicemail.
  const unanswered = await h.post('/twilio/voice/fallback-dial-ended', { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' });
  t.match(unanswered.body, /nobody at the front desk could pick up/);
  t.match(unanswered.body, /<Record action="https:\/\/receptionist\.test\/twilio\/voice\/voicemail" method="POST" maxLength="120"/);
  const answered = await h.post('/twilio/voice/fallback-dial-ended', { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'completed' });
  t.match(answered.body, /<Hangup\/>/);

  // The end of the call is written behind the stream's close: wait for it rather than race it.
  await until('the call record', async () => (await conversationOf(h, call)).ended_by !== null);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'model_failure');
  const { events } = await timelineOf(h, row.conversation_id);
  t.ok(events.some((e) => e.type === 'error' && e.name === 'model_unreachable'), 'the record says why');
});

t.test('after hours a lost model leads to voicemail, which lands with the messages for staff', async (t) => {
  const h = await startCallHarness(t, { now: CLOSED });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(200);
  await first.callerTurn({ transcript: 'Can I move my appointment?', respond: false });
  // The committed turn reaches the service before the drop (nothing on the fake model marks its arrival).
  await new Promise((resolve) => setTimeout(resolve, 100));
  h.realtime.refuseConnections = 100;
  first.drop();
  t.equal(await call.closed(8_000), 1000);
  t.ok(call.receivedAudio().includes(holdPromptAudio()), 'the caller heard "One moment, please." while we tried');

  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /technical problem on my end\. Please leave your name, your number and a short message after the tone/);
  t.match(action.body, /<Record action="https:\/\/receptionist\.test\/twilio\/voice\/voicemail"/);

  const recording = {
    CallSid: call.callSid,
    AccountSid: ACCOUNT,
    RecordingSid: `RE${'a'.repeat(32)}`,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE${'a'.repeat(32)}`,
    RecordingDuration: '14',
  };
  const thanks = await h.post('/twilio/voice/voicemail', recording);
  t.match(thanks.body, /we've got your message/);
  await h.post('/twilio/voice/voicemail', recording); // Twilio retries: still one message
  const messages = await h.database.db.selectFrom('staff_messages').selectAll().execute();
  t.equal(messages.length, 1);
  t.match(messages[0], { callback_number: call.from, recording_url: recording.RecordingUrl, recording_seconds: 14 });

  const row = await conversationOf(h, call);
  t.equal(row.outcome, 'message_taken');
  t.equal(row.status, 'failed');
  const { messages: said, events } = await timelineOf(h, row.conversation_id);
  t.same(said.map((m) => m.text), ['Hello, this is Ava.', 'Can I move my appointment?'], 'what was said before the failure is kept');
  t.match(events.map((e) => e.type), ['call_started', 'error', 'hold_prompt', 'error', 'call_ended', 'voicemail']);

  const nothing = await h.post('/twilio/voice/voicemail', { CallSid: call.callSid, AccountSid: ACCOUNT, RecordingDuration: '0' });
  t.match(nothing.body, /<Hangup\/>/, 'a caller who hung up before the tone just hangs up');
});

t.test('a session the model refuses goes straight to the hand-over, without retrying', async (t) => {
  const h = await startCallHarness(t, { now: CLOSED });
  h.realtime.configure = (connection) => {
    connection.refuseSession = true;
  };
  const call = h.call();
  await call.dial();
  t.equal(await call.closed(5_000), 1000);
  t.equal(h.realtime.connections.length, 1, 'no reconnect for a configuration the model refused');
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /<Record /);
  await h.app.liveCalls.recordsWritten();
  t.equal((await conversationOf(h, call)).ended_by, 'setup_failure');
});

t.test('the model session is replaced before its time limit, at a quiet moment', async (t) => {
  const h = await startCallHarness(t, { env: { MODEL_SESSION_MAX_SECONDS: '1', IDLE_PROMPT_SECONDS: '60' } });
  firstConnectionGreets(h, [{ text: 'Of course, what day suits you?', audioMs: 200 }]);
  const call = h.call();
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(200);
  const second = await h.realtime.connection(1, 6_000);
  await new Promise<void>((resolve) => (first.socket.readyState === first.socket.CLOSED ? resolve() : first.once('closed', () => resolve())));
  t.pass('the old session is closed once the new one has taken over');
  t.match(itemsCreated(second), [{ role: 'assistant', content: [{ text: 'Hello, this is Ava.' }] }]);
  t.notOk(second.received.some((e) => e.type === 'response.create'), 'a rotation is silent: nothing is said');
  await second.callerTurn({ transcript: 'I would like a facial' });
  await call.heardAll(400, 5_000);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const row = await conversationOf(h, call);
  const { messages, events } = await timelineOf(h, row.conversation_id);
  t.same(messages.map((m) => m.text), ['Hello, this is Ava.', 'I would like a facial', 'Of course, what day suits you?']);
  t.ok(events.some((e) => e.type === 'model_rotated'));
  t.notOk(events.some((e) => e.type === 'hold_prompt'));
});

t.test('a silent caller is asked whether they are still there, then the call ends politely', async (t) => {
  const h = await startCallHarness(t, { env: { IDLE_PROMPT_SECONDS: '1', IDLE_HANGUP_SECONDS: '1' } });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create', (e) => /still there/.test(JSON.stringify(e)), 6_000);
  await model.waitFor('response.create', (e) => /let them go for now/.test(JSON.stringify(e)), 8_000);
  t.equal(await call.closed(8_000), 1000, 'the receptionist hangs up after the goodbye');
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(action.body, /^<\?xml[^>]*><Response><Hangup\/><\/Response>$/);
  await h.app.liveCalls.recordsWritten();
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'idle');
  t.equal(row.status, 'completed');
  const { events } = await timelineOf(h, row.conversation_id);
  t.ok(events.some((e) => e.type === 'idle_prompt') && events.some((e) => e.type === 'idle_hangup'));
});

t.test('a caller who answers the "still there?" prompt keeps the line', async (t) => {
  const h = await startCallHarness(t, { env: { IDLE_PROMPT_SECONDS: '1', IDLE_HANGUP_SECONDS: '2' } });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create', (e) => /still there/.test(JSON.stringify(e)), 6_000);
  model.speechStarted();
  await model.callerTurn({ transcript: 'Yes, sorry, I am here' });
  // A negative check: the idle hang-up would have come within this time (IDLE_HANGUP_SECONDS).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.notOk(responseInstructions(model).some((i) => /let them go/.test(i)), 'no goodbye after the caller spoke');
  const session = h.app.liveCalls.get(call.callSid);
  t.ok(session && !session.isEnded);
  call.hangUp();
  await session?.done;
});

t.test('a call that reaches its maximum length is wrapped up politely', async (t) => {
  const h = await startCallHarness(t, { env: { MAX_CALL_SECONDS: '2', IDLE_PROMPT_SECONDS: '60' } });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  const wrapUp = await model.waitFor('response.create', (e) => /time limit for this call/.test(JSON.stringify(e)), 6_000);
  t.match(JSON.stringify(wrapUp), /call straight back/);
  t.equal(await call.closed(8_000), 1000);
  await h.app.liveCalls.recordsWritten();
  t.equal((await conversationOf(h, call)).ended_by, 'max_length');
});

t.test('on shutdown new calls are diverted and live calls are wrapped up before the machine stops', async (t) => {
  const h = await startCallHarness(t, { now: OPEN });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);

  // The wrap-up starts 7 s into the drain: time for the readiness check and the diverted call
  // below even on a loaded machine (with 1 s, a slow moment let the drain end before they ran).
  const closing = h.app.close({ drainMs: 10_000, wrapUpMs: 3_000 });
  const ready = await fetch(`${h.baseUrl}/readyz`);
  t.equal(ready.status, 503);
  t.match(await ready.json(), { checks: { draining: 'shutting down' } });

  const newcomer = h.call();
  const diverted = await newcomer.ring();
  t.equal(diverted.status, 200);
  t.equal(diverted.headers.get('fly-replay'), null, 'not on Fly: no replay header');
  t.match(diverted.body, /All of our lines are busy right now\. Let me put you through to our front desk\./);
  t.notOk(newcomer.stream, 'no media stream to this machine');

  const wrapUp = await model.waitFor('response.create', (e) => /scheduled system update/.test(JSON.stringify(e)), 15_000);
  t.ok(wrapUp, 'the live call is wrapped up in the last part of the drain');
  t.equal(await call.closed(8_000), 1000);
  await closing;
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'shutdown');
  const divertedRow = await conversationOf(h, newcomer);
  const { events } = await timelineOf(h, divertedRow.conversation_id);
  t.match(events, [{ type: 'diverted', data: { reason: 'draining' } }], 'the diverted call has its own record');
});

t.test('a full machine sends new calls elsewhere: another machine on Fly, else people', async (t) => {
  const h = await startCallHarness(t, { env: { MAX_LIVE_CALLS: '1', FLY_MACHINE_ID: 'machine-a' }, now: CLOSED });
  firstConnectionGreets(h);
  const call = h.call();
  await call.dial();
  await call.heardAll(200);

  const ready = await fetch(`${h.baseUrl}/readyz`);
  t.equal(ready.status, 503);
  t.match(await ready.json(), { checks: { calls: '1 of 1 (full)' } });

  const second = h.call();
  const replay = await second.ring();
  t.equal(replay.headers.get('fly-replay'), 'elsewhere=true;timeout=5s;fallback=force_self', "Fly's proxy is asked to try another machine");
  t.match(replay.body, /<Record /, 'with TwiML for people as the body, should the proxy not replay it');

  const params = { CallSid: second.callSid, AccountSid: ACCOUNT, From: second.from, To: second.to };
  const back = await h.post('/twilio/voice', params, { headers: { 'fly-replay-failed': 'no healthy machines' } });
  t.equal(back.headers.get('fly-replay'), null, 'no second replay when the first came back');
  t.match(back.body, /All of our lines are busy right now\. Please leave your name/);

  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const third = h.call();
  await third.ring();
  t.ok(third.stream, 'with room again, calls are taken');
});
