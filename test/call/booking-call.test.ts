import t from 'tap';
import { CONVERSATION_ANALYSIS_TASK, pendingJobs } from '../../src/storage/job-queue.js';
import { providerCalendar } from '../support/booking-harness.js';
import { startCallHarness } from '../support/call-harness.js';
import { callRecordWritten, transferToStaff } from '../support/call-scenarios.js';

// Monday 30 November 2026, 9:30 AM in Washington (open from 10; Sofia works Tuesdays).
const NOW = new Date('2026-11-30T14:30:00Z');
const now = () => NOW;

t.test('a caller books by phone: availability, booking, the event in Google and the appointment in Postgres', async (t) => {
  const h = await startCallHarness(t, { google: true, now });
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 200 },
      { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01', preferredTime: '11:00' } } },
      { text: 'Sofia has Tuesday at eleven. Shall I book it?', audioMs: 200 },
      {
        toolCall: {
          name: 'book_appointment',
          arguments: { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' },
        },
      },
      { text: "You're all set for Tuesday at eleven with Sofia.", audioMs: 200 },
    );
  const call = h.call({ from: '+12025550142' });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  await model.callerTurn({ transcript: 'Do you have a HydraFacial Tuesday at eleven?' });
  const firstOutput = await model.waitFor('conversation.item.create');
  const availability = JSON.parse(String((firstOutput.item as { output: string }).output));
  t.equal(availability.requestedTimeAvailable, true, JSON.stringify(availability));
  await call.heardAll(400);
  await model.callerTurn({ transcript: 'Yes please, Jamie Rivera.' });
  const secondOutput = await model.waitFor('conversation.item.create', (e) => e !== firstOutput);
  const booking = JSON.parse(String((secondOutput.item as { output: string }).output));
  t.match(booking, { booked: true, provider: 'Sofia Ramirez', start: 'Tuesday, December 1 at 11 AM' });
  await call.heardAll(600);
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;

  const [event] = h.google!.events(providerCalendar('sofia-ramirez'));
  t.equal(event?.status, 'confirmed');
  t.equal(new Date(event!.start.dateTime).toISOString(), '2026-12-01T16:00:00.000Z');
  const appointment = await h.database.db.selectFrom('appointments').selectAll().executeTakeFirstOrThrow();
  t.equal(appointment.id, booking.appointmentId);
  t.equal(event?.extendedProperties?.private?.appointmentId, appointment.id);
  const conversation = await h.database.db
    .selectFrom('voice_call_details')
    .select('conversation_id')
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  t.equal(appointment.source_conversation_id, conversation.conversation_id);
  const customer = await h.database.db.selectFrom('customers').selectAll().where('id', '=', appointment.customer_id).executeTakeFirstOrThrow();
  t.match(customer, { phone: '+12025550142', name: 'Jamie Rivera' });
  const events = await h.database.db
    .selectFrom('conversation_events')
    .select(['type', 'name'])
    .where('conversation_id', '=', conversation.conversation_id)
    .where('type', 'in', ['tool_call', 'tool_result'])
    .orderBy('seq')
    .execute();
  t.same(
    events.map((e) => `${e.type}:${e.name}`),
    ['tool_call:check_availability', 'tool_result:check_availability', 'tool_call:book_appointment', 'tool_result:book_appointment'],
  );
  const texts = (await pendingJobs(h.database.db)).map((j) => j.task).filter((task) => task !== CONVERSATION_ANALYSIS_TASK);
  t.same(texts.sort(), ['send_appointment_reminder', 'send_appointment_text'], 'the confirmation text and the reminder are queued');
});

t.test('end_call hangs up only after the goodbye has been heard', async (t) => {
  const h = await startCallHarness(t, { now });
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { text: 'Thanks for calling, goodbye!', audioMs: 600, toolCall: { name: 'end_call', arguments: {} } },
    );
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: "That's all, bye." });
  t.equal(await call.closed(5_000), 1000, 'the service closes the stream');
  t.ok(call.heardMs() >= 700, `the whole goodbye was heard first (${call.heardMs()} ms)`);
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: `AC${'0'.repeat(32)}` });
  t.match(action.body, /<Response><Hangup\/><\/Response>/);
  await callRecordWritten(h, call);
  const row = await h.database.db.selectFrom('voice_call_details').select(['ended_by']).where('call_sid', '=', call.callSid).executeTakeFirstOrThrow();
  t.equal(row.ended_by, 'assistant');
});

t.test('during opening hours a transfer hands the live call to the front desk through Twilio', async (t) => {
  const h = await startCallHarness(t, { now: () => new Date('2026-12-01T16:00:00Z') });
  h.realtime.configure = (c) =>
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { toolCall: { name: 'transfer_to_staff', arguments: { reason: 'billing question' } } });
  const call = h.call();
  // Like Twilio: replacing the call's TwiML ends the media stream.
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: 'Can I talk to a person about my bill?' });
  await call.closed(5_000);
  const [update] = h.twilioRest.callUpdates();
  t.match(update?.path, new RegExp(`/Calls/${call.callSid}\\.json$`));
  t.match(update?.params.Twiml, /<Say[^>]*>Please hold while I connect you with our front desk\.<\/Say><Dial[^>]*><Number [^>]*>\+12025550111<\/Number><\/Dial>/);
  await callRecordWritten(h, call);
  const row = await h.database.db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .select(['status', 'ended_by', 'transferred_to'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  t.match(row, { status: 'transferred', ended_by: 'transfer', transferred_to: '+12025550111' });
});

t.test('a slow tool makes the receptionist say a short filler instead of leaving dead air', async (t) => {
  const h = await startCallHarness(t, { google: true, now });
  h.google!.latencyMs = 2_000; // the calendar is slow: the check takes over 1.5 s
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01' } } },
      { text: 'Just a moment, still checking.', audioMs: 300 },
      { text: 'Tuesday at ten is open.', audioMs: 100 },
    );
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: 'Anything Tuesday?' });
  const filler = await model.waitFor('response.create', (e) => JSON.stringify(e).includes('"conversation":"none"'), 5_000);
  t.match(JSON.stringify(filler), /still working on it/);
  const output = await model.waitFor('conversation.item.create', () => true, 8_000);
  t.ok(model.received.indexOf(output) > model.received.indexOf(filler), 'the real answer follows the filler');
  await call.heardAll(500, 8_000);
  call.hangUp();
});

t.test('a caller who speaks up during the goodbye keeps the line', async (t) => {
  const h = await startCallHarness(t, { now });
  h.realtime.configure = (c) => {
    c.deltaIntervalMs = 20;
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { text: 'Thanks for calling, have a lovely day, goodbye!', audioMs: 2_000, toolCall: { name: 'end_call', arguments: {} } },
      { text: 'Of course, what else can I do?', audioMs: 200 },
    );
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: "That's all." });
  await call.waitFor(() => call.heardMs() >= 600, 5_000, 'part of the goodbye');
  model.speechStarted();
  await model.callerTurn({ transcript: 'Oh wait, one more thing!' });
  await call.heardAll(300, 5_000);
  // A negative check: a hang-up after the goodbye would come within this time.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(call.closeCode, undefined, 'still connected');
  call.hangUp();
});

t.test('a session the model refuses ends with an apology, not silence', async (t) => {
  const h = await startCallHarness(t, { now });
  h.realtime.configure = (c) => {
    c.refuseSession = true;
  };
  const call = h.call();
  await call.dial();
  t.equal(await call.closed(3_000), 1000, 'the service ends the stream promptly');
  const action = await h.post('/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: `AC${'0'.repeat(32)}` });
  t.match(action.body, /technical problem/);
});

t.test('when the front desk does not answer a transfer, the caller comes back to the receptionist', async (t) => {
  const h = await startCallHarness(t, { now: () => new Date('2026-12-01T16:00:00Z') });
  const { call } = await transferToStaff(h, "I'm sorry, nobody could pick up. Can I take a message?");
  t.match(h.twilioRest.callUpdates()[0]?.params.Twiml, /<Dial action="https:\/\/receptionist\.test\/twilio\/voice\/transfer-ended" method="POST" timeout="25"/);
  await callRecordWritten(h, call);

  const answered = await h.post('/twilio/voice/transfer-ended', { CallSid: call.callSid, AccountSid: `AC${'0'.repeat(32)}`, DialCallStatus: 'completed' });
  t.match(answered.body, /<Hangup\/>/, 'a transfer that was answered just ends when staff hang up');

  const unanswered = await h.post('/twilio/voice/transfer-ended', { CallSid: call.callSid, AccountSid: `AC${'0'.repeat(32)}`, DialCallStatus: 'no-answer' });
  t.match(unanswered.body, /<Stream url="wss:\/\/receptionist\.test\/twilio\/media">.*<Parameter name="resume" value="transfer-unanswered"\/>/);
  const back = h.call({ callSid: call.callSid });
  back.twiml = unanswered.body;
  const { parseConnectTwiml } = await import('../doubles/fake-twilio.js');
  back.stream = parseConnectTwiml(unanswered.body);
  await back.connect();
  const second = await h.realtime.connection(1);
  const greeting = await second.waitFor('response.create');
  t.match(JSON.stringify(greeting), /nobody at the front desk could pick up/);
  await back.heardAll(100);
  const row = await h.database.db
    .selectFrom('conversations')
    .innerJoin('voice_call_details', 'voice_call_details.conversation_id', 'conversations.id')
    .select(['status'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  t.equal(row.status, 'active', 'the conversation is live again');
  const session = h.app.liveCalls.get(call.callSid);
  back.hangUp();
  await session?.done;
  const events = await h.database.db.selectFrom('conversation_events').select('type').orderBy('seq').execute();
  t.ok(events.some((e) => e.type === 'transfer_unanswered'));
});
