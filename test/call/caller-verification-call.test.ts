import { pino } from 'pino';
import t from 'tap';
import { SpaCalendars } from '../../src/calendar/spa-calendars.js';
import { loadSpaProfile } from '../../src/storage/spa-repository.js';
import { receptionistTools } from '../../src/tools/receptionist-tools.js';
import type { ClientEvent, FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, eventsOf } from '../support/call-scenarios.js';

// Monday 30 November 2026, 9:30 AM in Washington; Jamie's facial is Tuesday at 11.
const NOW = new Date('2026-11-30T14:30:00Z');
const now = () => NOW;
const PATIENT = '+12025550187';
const JAMIE = { phone: '202 555 0187', name: 'Jamie Rivera' };

async function bookForJamie(h: CallHarness): Promise<void> {
  const spa = await loadSpaProfile(h.database.db, h.demoSpaId);
  if (!spa) throw new Error('demo spa missing');
  const outcome = await receptionistTools().execute(
    'book_appointment',
    JSON.stringify({ service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }),
    {
      db: h.database.db,
      calendars: new SpaCalendars(h.database.db, h.config),
      spa,
      conversationId: null,
      customerId: null,
      customerPhone: PATIENT,
      channel: 'voice',
      now,
      log: pino({ level: 'silent' }),
      recordEvent: async () => undefined,
    },
  );
  if (!outcome.ok) throw new Error(`booking failed: ${outcome.error.code}`);
}

/** The next tool result the call gives the model, parsed. */
function toolResults(model: FakeRealtimeConnection) {
  const seen = new Set<ClientEvent>();
  return async (): Promise<Record<string, unknown>> => {
    const event = await model.waitFor(
      'conversation.item.create',
      (e) => !seen.has(e) && (e.item as { type?: string } | undefined)?.type === 'function_call_output',
    );
    seen.add(event);
    return JSON.parse(String((event.item as { output: string }).output)) as Record<string, unknown>;
  };
}

t.test('a caller on another number reads back the texted code, then cancels the patient’s appointment', async (t) => {
  const h = await startCallHarness(t, { now });
  await bookForJamie(h);
  let model!: FakeRealtimeConnection;
  h.realtime.configure = (c) => {
    model = c;
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 200 },
      { toolCall: { name: 'cancel_appointment', arguments: JAMIE } },
      { text: 'To protect your privacy I will text a code to the number on file.', audioMs: 200 },
      { toolCall: { name: 'send_verification_code', arguments: JAMIE } },
      { text: 'I have sent a code to the number ending 0187. Could you read it to me?', audioMs: 200 },
    );
  };
  const call = h.call({ from: '+12025550999' });
  await call.dial();
  await h.realtime.connection(0);
  const nextResult = toolResults(model);
  await call.heardAll(200);

  await model.callerTurn({ transcript: 'I need to cancel my facial. Jamie Rivera, 202 555 0187.' });
  t.match(await nextResult(), { error: { code: 'VERIFICATION_REQUIRED' } });
  await call.heardAll(400);
  await model.callerTurn({ transcript: 'Sure.' });
  t.same(await nextResult(), { sent: true, message: 'A code was sent to the number ending 0187.', expiresInMinutes: 10 });
  const [text] = h.twilioRest.messages();
  t.equal(text?.params.To, PATIENT, 'texted to the number on file');
  const code = /\b(\d{6})\b/.exec(text?.params.Body ?? '')?.[1] ?? '';
  t.match(code, /^\d{6}$/);

  model.replies.push(
    { toolCall: { name: 'verify_code', arguments: { code } } },
    { text: 'Thank you, that matches.', audioMs: 200 },
    { toolCall: { name: 'cancel_appointment', arguments: JAMIE } },
    { text: 'Your facial on Tuesday is cancelled.', audioMs: 200 },
  );
  await call.heardAll(600);
  await model.callerTurn({ transcript: `It is ${code.split('').join(' ')}.` });
  t.match(await nextResult(), { verified: true });
  await call.heardAll(800);
  await model.callerTurn({ transcript: 'Please cancel it.' });
  t.match(await nextResult(), { cancelled: true, service: 'HydraFacial' });
  await call.heardAll(1_000);
  call.hangUp();
  await callRecordWritten(h, call);

  const appointment = await h.database.db.selectFrom('appointments').select('status').executeTakeFirstOrThrow();
  t.equal(appointment.status, 'cancelled');
  const conversation = await h.database.db
    .selectFrom('voice_call_details')
    .select('conversation_id')
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  const events = await eventsOf(h, conversation.conversation_id);
  t.same(
    events.filter((e) => e.type === 'caller_verification').map((e) => e.name),
    ['sent', 'verified'],
    'the verification is on the conversation',
  );
  const verifyCall = events.find((e) => e.type === 'tool_call' && e.name === 'verify_code');
  t.match(verifyCall?.data, { arguments: { code: '[redacted]' } });
  t.notOk(JSON.stringify(events).includes(code), 'no event holds the code');
});

t.test('a caller on the number on file cancels without any code', async (t) => {
  const h = await startCallHarness(t, { now });
  await bookForJamie(h);
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 200 },
      { toolCall: { name: 'cancel_appointment', arguments: {} } },
      { text: 'Your facial on Tuesday is cancelled.', audioMs: 200 },
    );
  const call = h.call({ from: PATIENT });
  await call.dial();
  const model = await h.realtime.connection(0);
  const nextResult = toolResults(model);
  await call.heardAll(200);
  await model.callerTurn({ transcript: 'Please cancel my facial.' });
  t.match(await nextResult(), { cancelled: true });
  t.equal(h.twilioRest.messages().length, 0, 'no code texted');
});
