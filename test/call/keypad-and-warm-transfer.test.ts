import t from 'tap';
import { applySettings } from '../../src/storage/settings-repository.js';
import { fallbackSummary, whisperText } from '../../src/call/warm-transfer.js';
import { FakeOpenAIResponses } from '../doubles/fake-openai-responses.js';
import type { FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import type { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, eventsOf } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

// Washington time: Tuesday 1 December 2026 at 11 AM (open), and Monday 30 November at 10 PM (closed).
const IN_HOURS = new Date('2026-12-01T16:00:00Z');
const OUTSIDE_HOURS = new Date('2026-12-01T03:00:00Z');
const ACCOUNT = `AC${'0'.repeat(32)}`;

/** A 3 s greeting generated in real time (still being generated when heard); resolves once the caller has heard 700 ms of it. */
async function midGreeting(h: CallHarness): Promise<{ call: FakeTwilioCall; model: FakeRealtimeConnection }> {
  h.realtime.configure = (c) => {
    c.replies.push({ text: 'Welcome to Willow and Oak, we offer facials, peels, lasers and injectables for every skin type.', audioMs: 3_000 });
    c.deltaIntervalMs = 100;
  };
  const call = h.call({ from: '+12025550142' });
  // Like Twilio: replacing the call's TwiML ends the media stream.
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.waitFor(() => call.heardMs() >= 700, 5_000, '700 ms of the greeting');
  return { call, model };
}

t.test('0 pressed mid-reply during hours: the reply stops where it was heard and the call goes to the front desk, warm', async (t) => {
  const h = await startCallHarness(t, { now: () => IN_HOURS });
  const { call, model } = await midGreeting(h);
  call.pressKey('0');
  const truncate = await model.waitFor('conversation.item.truncate');
  await model.waitFor('response.cancel');
  await call.waitFor(() => call.clears === 1, 2_000, 'the clear');
  const heardMs = Number(truncate.audio_end_ms);
  t.ok(heardMs >= 600 && heardMs < 3_000, `truncated at what was heard (${heardMs} ms)`);
  await call.closed(5_000);
  const [update] = h.twilioRest.callUpdates();
  const twiml = String(update?.params.Twiml);
  t.match(twiml, /<Say[^>]*>Please hold while I connect you with our front desk\.<\/Say>/, 'the caller hears a short hold message');
  t.match(
    twiml,
    /<Dial action="https:\/\/receptionist\.test\/twilio\/voice\/transfer-ended" method="POST" timeout="25" callerId="\+12025550142"><Number url="https:\/\/receptionist\.test\/twilio\/voice\/whisper\?w=[^"]+" method="POST">\+12025550111<\/Number><\/Dial>/,
  );
  await callRecordWritten(h, call);
  const readConversation = () =>
    h.database.db
      .selectFrom('voice_call_details')
      .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
      .select(['conversation_id', 'status', 'ended_by', 'transferred_to', 'outcome'])
      .where('call_sid', '=', call.callSid)
      .executeTakeFirstOrThrow();
  // Twilio's answer to the redirect may come after the stream it ends: the outcome and the transfer event follow it.
  await until('the transfer noted on the conversation', async () => (await readConversation()).outcome === 'transferred');
  const conversation = await readConversation();
  t.match(conversation, { status: 'transferred', ended_by: 'transfer', transferred_to: '+12025550111', outcome: 'transferred' });
  const events = await eventsOf(h, conversation.conversation_id);
  t.ok(events.some((e) => e.type === 'dtmf' && (e.data as { digit: string }).digit === '0'));
  t.ok(events.some((e) => e.type === 'front_desk_requested' && (e.data as { open: boolean }).open === true));
  t.ok(events.some((e) => e.type === 'barge_in'), 'recorded as a barge-in');
  t.ok(events.some((e) => e.type === 'transfer' && (e.data as { warm: boolean }).warm === true));

  // The desk picks up: Twilio asks the <Number url> (the desk's leg, the caller's as ParentCallSid).
  const whisperPath = new URL(/<Number url="([^"]+)"/.exec(twiml)![1]!.replaceAll('&amp;', '&'));
  const whisper = await h.post(whisperPath.pathname + whisperPath.search, { CallSid: `CA${'9'.repeat(32)}`, ParentCallSid: call.callSid, AccountSid: ACCOUNT });
  t.equal(whisper.status, 200);
  t.match(whisper.body, /^<\?xml[^>]*><Response><Say [^>]*>Call from a caller who is not on file\. They asked to speak with someone at the front desk\. Connecting you now\.<\/Say><\/Response>$/);
});

t.test('0 pressed mid-reply outside hours: the reply stops and the receptionist offers to take a message', async (t) => {
  const h = await startCallHarness(t, { now: () => OUTSIDE_HOURS });
  const { call, model } = await midGreeting(h);
  call.pressKey('0');
  await model.waitFor('conversation.item.truncate');
  await model.waitFor('response.cancel');
  const note = await model.waitFor('conversation.item.create', (e) => JSON.stringify(e).includes('pressed 0'));
  t.match(note.item, { type: 'message', role: 'system' });
  const offer = await model.waitFor('response.create', (e) => JSON.stringify(e).includes('front desk is closed'));
  t.match(JSON.stringify(offer), /offer to take a message/);
  t.ok(model.received.indexOf(offer) > model.received.findIndex((e) => e.type === 'response.cancel'), 'asked for only after the cut reply was cancelled');
  t.equal(h.twilioRest.callUpdates().length, 0, 'no transfer');
  t.equal(call.clears, 1);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
});

t.test('typed digits reach the model as one item once the caller pauses; a 0 inside a number is only a digit', async (t) => {
  const h = await startCallHarness(t, { now: () => IN_HOURS });
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  for (const key of '2025550100') call.pressKey(key);
  const typed = await model.waitFor('conversation.item.create', (e) => JSON.stringify(e).includes('Caller pressed'), 5_000);
  t.match(typed.item, { type: 'message', role: 'user', content: [{ text: 'Caller pressed: 2 0 2 5 5 5 0 1 0 0' }] });
  t.equal(model.received.filter((e) => e.type === 'conversation.item.create' && JSON.stringify(e).includes('Caller pressed')).length, 1, 'one item for the whole number');
  await model.waitFor('response.create', (e) => model.received.indexOf(e) > model.received.indexOf(typed));
  t.equal(h.twilioRest.callUpdates().length, 0, 'no transfer');
  t.notOk(model.received.some((e) => e.type === 'response.cancel'));
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
});

t.test('a spa that turns key handling off: 0 only goes on the record', async (t) => {
  const h = await startCallHarness(t, { now: () => IN_HOURS });
  await applySettings(h.database.db, h.demoSpaId, { settings: { routing: { dtmf: false } } });
  const { call, model } = await midGreeting(h);
  call.pressKey('0');
  call.pressKey('5');
  await call.heardAll(3_000, 8_000);
  t.equal(call.clears, 0, 'the reply played on');
  t.notOk(model.received.some((e) => e.type === 'response.cancel' || e.type === 'conversation.item.truncate'));
  t.equal(h.twilioRest.callUpdates().length, 0);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  const conversation = await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', call.callSid).executeTakeFirstOrThrow();
  const digits = (await eventsOf(h, conversation.conversation_id)).filter((e) => e.type === 'dtmf').map((e) => (e.data as { digit: string }).digit);
  t.same(digits, ['0', '5']);
});

t.test("a warm transfer's whisper: the caller's name on file and the model's one-sentence summary", async (t) => {
  const responses = await FakeOpenAIResponses.start();
  t.teardown(() => responses.close());
  responses.answers.push({ text: 'They want to move their HydraFacial on Friday to next week.' });
  const h = await startCallHarness(t, { now: () => IN_HOURS, env: { OPENAI_BASE_URL: responses.baseUrl } });
  await h.database.db.insertInto('customers').values({ spa_id: h.demoSpaId, phone: '+12025550142', name: 'Jamie Rivera' }).execute();
  h.realtime.configure = (c) =>
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { toolCall: { name: 'transfer_to_staff', arguments: { reason: 'wants to reschedule' } } });
  const call = h.call({ from: '+12025550142' });
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: 'Can someone help me move my HydraFacial on Friday?' });
  await call.closed(8_000);
  const [request] = responses.requests;
  t.match(request?.instructions, /ONE short sentence/);
  t.match(JSON.stringify(request?.input), /wants to reschedule[\s\S]*Caller: Can someone help me move my HydraFacial on Friday\?/);
  const twiml = String(h.twilioRest.callUpdates()[0]?.params.Twiml);
  const url = new URL(/<Number url="([^"]+)"/.exec(twiml)![1]!.replaceAll('&amp;', '&'));
  const whisper = await h.post(url.pathname + url.search, { CallSid: `CA${'9'.repeat(32)}`, ParentCallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(whisper.body, /<Say [^>]*>Call from Jamie Rivera\. They want to move their HydraFacial on Friday to next week\. Connecting you now\.<\/Say>/);

  const misused = await h.post(url.pathname + url.search, { CallSid: `CA${'9'.repeat(32)}`, ParentCallSid: `CA${'8'.repeat(32)}`, AccountSid: ACCOUNT });
  t.match(misused.body, /<Say [^>]*>A caller is being transferred to you from the receptionist\. Connecting you now\.<\/Say>/, "another call's whisper is not read out");
  t.notMatch(misused.body, /Jamie/);
  await until('the record', async () => h.app.liveCalls.get(call.callSid) === undefined);
});

t.test('the whisper falls back to a sentence of its own when the model fails', async (t) => {
  t.equal(fallbackSummary({ lines: [], reason: 'billing question' }), 'They need help with: billing question.');
  t.equal(
    fallbackSummary({ lines: [{ speaker: 'caller', text: 'My  face is  red after the peel' }, { speaker: 'receptionist', text: 'Let me get someone.' }], reason: undefined }),
    'Their last words were: "My face is red after the peel"',
  );
  t.equal(fallbackSummary({ lines: [], reason: '  ' }), 'They asked to speak with someone at the front desk.');
  t.equal(whisperText(null, 'They need help'), 'Call from a caller who is not on file. They need help. Connecting you now.');
  t.equal(whisperText('Jamie Rivera', 'They want a refund.'), 'Call from Jamie Rivera. They want a refund. Connecting you now.');

  const responses = await FakeOpenAIResponses.start();
  t.teardown(() => responses.close());
  responses.answers.push({ status: 500 });
  const h = await startCallHarness(t, { now: () => IN_HOURS, env: { OPENAI_BASE_URL: responses.baseUrl } });
  h.realtime.configure = (c) =>
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { toolCall: { name: 'transfer_to_staff', arguments: { reason: 'a question about a bill' } } });
  const call = h.call();
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: 'I have a question about my bill.' });
  await call.closed(8_000);
  const url = new URL(/<Number url="([^"]+)"/.exec(String(h.twilioRest.callUpdates()[0]?.params.Twiml))![1]!.replaceAll('&amp;', '&'));
  const whisper = await h.post(url.pathname + url.search, { CallSid: `CA${'9'.repeat(32)}`, ParentCallSid: call.callSid, AccountSid: ACCOUNT });
  t.match(whisper.body, /Call from a caller who is not on file\. They need help with: a question about a bill\. Connecting you now\./);
  await callRecordWritten(h, call);
});
