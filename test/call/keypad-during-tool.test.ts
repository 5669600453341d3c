import t from 'tap';
import { APPOINTMENT_TEXT_TASK, pendingJobs } from '../../src/storage/job-queue.js';
import type { ClientEvent, FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import type { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { providerCalendar } from '../support/booking-harness.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, eventsOf } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

// Washington time: Tuesday 1 December 2026 at 11 AM (the front desk is open), and Monday 30 November at 10 PM (closed).
const IN_HOURS = new Date('2026-12-01T16:00:00Z');
const OUTSIDE_HOURS = new Date('2026-12-01T03:00:00Z');
/** Each Google request takes this long: the booking (several requests) runs for seconds. */
const SLOW_GOOGLE_MS = 900;

const isToolOutput = (e: ClientEvent) => e.type === 'conversation.item.create' && (e.item as { type?: string } | undefined)?.type === 'function_call_output';
const isInBandCreate = (e: ClientEvent) => e.type === 'response.create' && (e.response as { conversation?: string } | undefined)?.conversation !== 'none';

/**
 * The caller asks to book a HydraFacial with Sofia at 11 on `day`; the receptionist calls
 * book_appointment against a slow Google Calendar. Resolves once the booking is under way (its
 * first Google request has been made), with the index of the model's events at that moment.
 */
async function bookingUnderWay(h: CallHarness, day: string): Promise<{ call: FakeTwilioCall; model: FakeRealtimeConnection; startedAt: number }> {
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { toolCall: { name: 'book_appointment', arguments: { service: 'HydraFacial', start: `${day}T11:00:00-05:00`, customerName: 'Jamie Rivera' } } },
    );
  const call = h.call({ from: '+12025550142' });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  const google = h.google!;
  google.latencyMs = SLOW_GOOGLE_MS;
  const requestsBefore = google.requests.length;
  await model.callerTurn({ transcript: `Can I book a HydraFacial with Sofia at eleven on ${day}? Jamie Rivera.` });
  await until('the booking to reach Google', () => google.requests.length > requestsBefore, 5_000, 10);
  return { call, model, startedAt: model.received.length };
}

async function conversationIdOf(h: CallHarness, call: FakeTwilioCall): Promise<string> {
  const row = await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', call.callSid).executeTakeFirstOrThrow();
  return row.conversation_id;
}

t.test('0 pressed while a booking runs: the call goes to the front desk at once, the booking ends on record, and the model is asked for nothing more', async (t) => {
  const h = await startCallHarness(t, { google: true, now: () => IN_HOURS });
  const { call, model, startedAt } = await bookingUnderWay(h, '2026-12-08');
  // Twilio is slow to act on the redirect: the media stream stays up until the booking is done.
  let outputSentAtTransfer: boolean | undefined;
  h.twilioRest.on('call-update', () => {
    outputSentAtTransfer ??= model.received.some(isToolOutput);
  });
  call.pressKey('0');
  await until('the transfer', () => h.twilioRest.callUpdates().length === 1, 5_000, 10);
  t.equal(outputSentAtTransfer, false, 'the call is transferred while the booking is still running, not after it');
  // The caller says "hello?" over the hold prompt: it stops, and the line is quiet while the booking runs on.
  model.speechStarted();

  const output = await model.waitFor('conversation.item.create', isToolOutput, 15_000);
  t.match(JSON.parse(String((output.item as { output: string }).output)), { booked: true, provider: 'Sofia Ramirez' }, 'the booking went through');
  // What the service sends after a result it sends at once (response.create follows function_call_output synchronously); give it a moment to be seen.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const afterPress = model.received.slice(startedAt);
  t.same(
    afterPress.filter((e) => e.type === 'response.create'),
    [],
    'no response is asked of the model once the transfer has begun: no filler in the quiet, no reply to the result',
  );
  call.hangUp();
  await callRecordWritten(h, call);

  const conversationId = await conversationIdOf(h, call);
  const events = await eventsOf(h, conversationId);
  const result = events.find((e) => e.type === 'tool_result' && e.name === 'book_appointment');
  t.match(result?.data, { ok: true, result: { booked: true } }, "the booking's result is on the conversation's record");
  t.ok(events.some((e) => e.type === 'transfer'), 'and so is the transfer');
  const requested = events.findIndex((e) => e.type === 'front_desk_requested');
  t.ok(requested >= 0 && events.slice(requested).some((e) => e.type === 'hold_prompt'), 'the caller hears the hold prompt, not dead air');
  t.equal(h.google!.events(providerCalendar('sofia-ramirez')).length, 1, 'the event is in Google');
  const jobs = (await pendingJobs(h.database.db)).map((j) => j.task);
  t.ok(jobs.includes(APPOINTMENT_TEXT_TASK), 'the confirmation text goes out as it would');
});

t.test('0 pressed while a booking runs and Twilio ends the stream at once: the booking still ends on the record of the call', async (t) => {
  const h = await startCallHarness(t, { google: true, now: () => IN_HOURS });
  const { call, model } = await bookingUnderWay(h, '2026-12-08');
  // Like Twilio: replacing the call's TwiML ends the media stream.
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  call.pressKey('0');
  await callRecordWritten(h, call);
  const conversationId = await conversationIdOf(h, call);
  t.notOk((await eventsOf(h, conversationId)).some((e) => e.type === 'tool_result'), 'the call ended before the booking did');
  await until('the booking result on the record', async () => (await eventsOf(h, conversationId)).some((e) => e.type === 'tool_result'), 15_000);
  const result = (await eventsOf(h, conversationId)).find((e) => e.type === 'tool_result');
  t.match(result, { name: 'book_appointment', data: { ok: true, result: { booked: true } } }, 'the booking went through');
  const appointment = await h.database.db.selectFrom('appointments').select('source_conversation_id').executeTakeFirstOrThrow();
  t.equal(appointment.source_conversation_id, conversationId, 'the appointment is booked from this call');
  t.ok((await pendingJobs(h.database.db)).some((j) => j.task === APPOINTMENT_TEXT_TASK), 'its confirmation text goes out');
  t.notOk(model.received.some(isToolOutput), 'the ended call gives the model nothing more');
});

t.test('0 pressed while a booking runs outside hours: one closed-hours reply, asked for once the result is in', async (t) => {
  const h = await startCallHarness(t, { google: true, now: () => OUTSIDE_HOURS });
  const { call, model, startedAt } = await bookingUnderWay(h, '2026-12-01');
  // Replies take a while to generate, so a second response.create would land while the first is active.
  model.deltaIntervalMs = 100;
  call.pressKey('0');
  const output = await model.waitFor('conversation.item.create', isToolOutput, 15_000);
  t.match(JSON.parse(String((output.item as { output: string }).output)), { booked: true }, 'the booking went through');
  const offer = await model.waitFor('response.create', (e) => JSON.stringify(e).includes('front desk is closed'), 5_000);
  t.ok(model.received.indexOf(offer) > model.received.indexOf(output), 'the closed-hours note is asked for after the result is in');
  await call.heardAll(400 + 100, 8_000);
  const creates = model.received.slice(startedAt).filter(isInBandCreate);
  t.same(creates, [offer], 'it is the one reply asked for: no second response over it');
  const note = model.received.find((e) => e.type === 'conversation.item.create' && JSON.stringify(e).includes('pressed 0'));
  t.ok(note && model.received.indexOf(note) > model.received.indexOf(output), 'the system note follows the result in the conversation');
  t.equal(h.twilioRest.callUpdates().length, 0, 'no transfer');
  call.hangUp();
  await callRecordWritten(h, call);
  const events = await eventsOf(h, await conversationIdOf(h, call));
  t.ok(events.some((e) => e.type === 'tool_result' && e.name === 'book_appointment'), "the booking's result is on record");
});

t.test('0 pressed while a booking runs and the transfer fails: one apology, asked for once the result is in', async (t) => {
  const h = await startCallHarness(t, { google: true, now: () => IN_HOURS });
  const { call, model, startedAt } = await bookingUnderWay(h, '2026-12-08');
  model.deltaIntervalMs = 100;
  h.twilioRest.failNext(/\/Calls\/[^/]+\.json$/, 500, 20500);
  call.pressKey('0');
  const output = await model.waitFor('conversation.item.create', isToolOutput, 15_000);
  const apology = await model.waitFor('response.create', (e) => JSON.stringify(e).includes('could not be put through'), 5_000);
  t.ok(model.received.indexOf(apology) > model.received.indexOf(output), 'the apology is asked for after the result is in');
  await call.heardAll(400 + 100, 8_000);
  t.same(model.received.slice(startedAt).filter(isInBandCreate), [apology], 'it is the one reply asked for');
  call.hangUp();
  await callRecordWritten(h, call);
  const events = await eventsOf(h, await conversationIdOf(h, call));
  t.ok(events.some((e) => e.type === 'error' && e.name === 'transfer_failed'), 'the failed transfer is on record');
  t.ok(events.some((e) => e.type === 'tool_result' && e.name === 'book_appointment'), "and so is the booking's result");
});
