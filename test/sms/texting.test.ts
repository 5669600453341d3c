import { pino } from 'pino';
import t from 'tap';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';
import { FakeOpenAIResponses } from '../doubles/fake-openai-responses.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';
import { until as waitUntil } from '../support/until.js';

const NOW = new Date('2026-11-30T15:00:00Z'); // Monday 10 AM in Washington
const PATIENT = '+12025550188';
let sidCounter = 0;
const nextSid = () => `SM${String(++sidCounter).padStart(32, '0')}`;

interface Texting {
  h: BookingHarness;
  app: App;
  rest: FakeTwilioRest;
  openai: FakeOpenAIResponses;
  text(body: string, extra?: Record<string, string>, sid?: string): Promise<{ status: number; body: string; sid: string }>;
  until(predicate: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
  thread(): Promise<{ role: string; text: string }[]>;
}

async function setup(t: Parameters<typeof startBookingHarness>[0], calendar: 'local' | 'google' = 'local'): Promise<Texting> {
  const h = await startBookingHarness(t, { calendar });
  const rest = await FakeTwilioRest.start();
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => rest.close());
  t.teardown(() => openai.close());
  const config = loadConfig({
    ...h.config_env,
    TWILIO_AUTH_TOKEN: 'sms-test-token',
    TWILIO_API_BASE_URL: rest.baseUrl,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.baseUrl,
  });
  const app = await buildApp({ config, database: h.database, logger: pino({ level: 'silent' }), jobs: true, now: () => NOW });
  t.teardown(() => app.close());
  const text = async (body: string, extra: Record<string, string> = {}, sid = nextSid()) => {
    const params = { MessageSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: PATIENT, To: '+12025550100', Body: body, NumMedia: '0', ...extra };
    const res = await app.fastify.inject({
      method: 'POST',
      url: '/twilio/sms',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest('sms-test-token', 'https://receptionist.test/twilio/sms', params),
      },
      payload: new URLSearchParams(params).toString(),
    });
    return { status: res.statusCode, body: res.body, sid };
  };
  const until = (predicate: () => boolean | Promise<boolean>, ms = 10_000) => waitUntil('the texts', predicate, ms);
  const thread = () =>
    h.database.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.role', 'messages.text'])
      .where('conversations.channel', '=', 'sms')
      .orderBy('messages.seq')
      .execute();
  return { h, app, rest, openai, text, until, thread };
}

t.test('a text is answered by the receptionist through the REST API, not the webhook', async (t) => {
  const s = await setup(t);
  s.openai.answers.push({ text: 'Hi! Yes, HydraFacials are $225 and take an hour. Want me to find a time?' });
  const res = await s.text('How much is a HydraFacial?');
  t.equal(res.status, 200);
  t.match(res.body, /<Response><\/Response>/, 'empty TwiML at once');
  await s.until(() => s.rest.messages().length === 1);
  t.match(s.rest.messages()[0]?.params, { To: PATIENT, From: '+12025550100', Body: /HydraFacials are \$225/ });
  t.match(s.openai.requests[0]?.instructions, /answering text messages/);
  t.ok(s.openai.requests[0]?.tools.some((tool) => tool.name === 'book_appointment'));
  t.notOk(s.openai.requests[0]?.tools.some((tool) => tool.name === 'end_call'), 'no live-call tools by text');
  await s.until(async () => (await s.thread()).length === 2);
  t.same((await s.thread()).map((m) => m.role), ['customer', 'assistant']);
});

t.test('a forged signature is refused', async (t) => {
  const s = await setup(t);
  const res = await s.app.fastify.inject({
    method: 'POST',
    url: '/twilio/sms',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
    payload: new URLSearchParams({ MessageSid: nextSid(), From: PATIENT, To: '+12025550100', Body: 'hi' }).toString(),
  });
  t.equal(res.statusCode, 403);
  t.equal((await s.thread()).length, 0);
});

t.test("Twilio's retry of the same MessageSid stores one message and sends one reply", async (t) => {
  const s = await setup(t);
  const first = await s.text('Are you open Saturday?');
  await s.text('Are you open Saturday?', {}, first.sid);
  await s.until(() => s.rest.messages().length >= 1);
  // A negative check: a second reply to the retried message would come within this time.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  t.equal(s.rest.messages().length, 1);
  t.equal((await s.thread()).filter((m) => m.role === 'customer').length, 1);
});

t.test('a patient books by text end to end: offered times, a pick, the event in Google, a confirmation', async (t) => {
  const s = await setup(t, 'google');
  s.openai.answers.push(
    { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01', timeOfDay: 'morning' } } },
    { text: 'Sofia has Tue, Dec 1 at 10, 10:30 or 11 AM. Which works?' },
  );
  await s.text('Any HydraFacial openings tomorrow morning?');
  await s.until(() => s.rest.messages().some((m) => /Which works/.test(m.params.Body ?? '')));
  const offered = JSON.parse(String(s.openai.requests[1]?.input.find((i) => i.type === 'function_call_output')?.output));
  t.ok(offered.slots.length > 0, 'availability was offered from the calendar');
  s.openai.answers.push(
    { toolCall: { name: 'book_appointment', arguments: { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' } } },
    { text: "Done! You're booked for Tue, Dec 1 at 11 AM with Sofia." },
  );
  await s.text('11 please, Jamie Rivera');
  await s.until(() => s.rest.messages().some((m) => /Done! You're booked/.test(m.params.Body ?? '')));
  t.match(JSON.stringify(s.openai.requests[2]?.input), /Which works/, 'the thread history went to the model');
  const [appointment] = await s.h.database.db.selectFrom('appointments').selectAll().execute();
  t.equal(appointment?.starts_at.toISOString(), '2026-12-01T16:00:00.000Z');
  const [event] = s.h.google.events(s.h.providerCalendar('sofia-ramirez'));
  t.equal(event?.extendedProperties?.private?.appointmentId, appointment?.id, 'the event is in the calendar');
  await s.until(() => s.rest.messages().some((m) => /you're booked for HydraFacial with Sofia Ramirez/.test(m.params.Body ?? '')));
  t.pass('the confirmation text went out');
  const conversation = await s.h.database.db.selectFrom('conversations').select(['id', 'outcome']).where('channel', '=', 'sms').executeTakeFirstOrThrow();
  t.equal(conversation.outcome, 'booked');
  t.equal(appointment?.source_conversation_id, conversation.id);
});

t.test('a long text is stored whole and answered', async (t) => {
  const s = await setup(t);
  const long = `${'I have a few questions about microneedling. '.repeat(35)}Thanks!`;
  await s.text(long, { NumSegments: '11' });
  await s.until(() => s.rest.messages().length === 1);
  const [stored] = (await s.thread()).filter((m) => m.role === 'customer');
  t.equal(stored?.text, long);
});

t.test('STOP means nothing more is sent until START; HELP explains', async (t) => {
  const s = await setup(t);
  await s.text('STOP');
  const customer = await s.h.database.db.selectFrom('customers').select('sms_opted_out_at').where('phone', '=', PATIENT).executeTakeFirstOrThrow();
  t.ok(customer.sms_opted_out_at, 'opted out');
  await s.text('Actually what are your hours?');
  // A negative check: a reply would come within this time.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  t.equal(s.rest.messages().length, 0, 'nothing is sent to an opted-out number');
  await s.text('start');
  await s.text('help');
  await s.until(() => s.rest.messages().length === 1);
  t.match(s.rest.messages()[0]?.params.Body, /Reply STOP to opt out, START to opt back in/);
});

t.test('photos are recorded and answered politely', async (t) => {
  const s = await setup(t);
  s.openai.answers.push({ text: "I can't view photos here, but a provider can take a look at a free consultation." });
  await s.text('Is this normal after my peel?', {
    NumMedia: '1',
    MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1',
    MediaContentType0: 'image/jpeg',
  });
  await s.until(() => s.rest.messages().length === 1);
  const [details] = await s.h.database.db.selectFrom('sms_details').select('media').where('direction', '=', 'inbound').execute();
  t.same(details?.media, [{ url: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1', contentType: 'image/jpeg' }]);
  t.match(JSON.stringify(s.openai.requests[0]?.input), /sent 1 attachment\(s\): image\/jpeg/);
});

t.test('staff step in: their text goes out, the receptionist pauses until handed back', async (t) => {
  const s = await setup(t);
  const { key } = await createApiKey(s.h.database.db, s.h.spaId, 'staff', 'front desk');
  s.openai.answers.push({ text: 'Let me check on that for you.' });
  await s.text('I had a reaction to my filler');
  await s.until(() => s.rest.messages().length === 1);
  const conversation = await s.h.database.db.selectFrom('conversations').select('id').where('channel', '=', 'sms').executeTakeFirstOrThrow();
  const staffText = await s.app.fastify.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversation.id}/messages`,
    headers: { authorization: `Bearer ${key}` },
    payload: { text: 'Hi, this is Nurse Jordan. Can you send a photo and call us at 202-555-0111?' },
  });
  t.equal(staffText.statusCode, 201, staffText.body);
  await s.until(() => s.rest.messages().length === 2);
  await s.text('Ok calling now');
  // A negative check: a reply from the receptionist would come within this time.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  t.equal(s.rest.messages().length, 2, 'the receptionist stays quiet while staff have the thread');
  t.same((await s.thread()).map((m) => m.role), ['customer', 'assistant', 'staff', 'customer']);
  const handBack = await s.app.fastify.inject({
    method: 'PUT',
    url: `/api/v1/conversations/${conversation.id}/assistant`,
    headers: { authorization: `Bearer ${key}` },
    payload: { paused: false },
  });
  t.equal(handBack.statusCode, 200);
  await s.h.database.db.updateTable('customers').set({ sms_opted_out_at: new Date() }).execute();
  const refused = await s.app.fastify.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversation.id}/messages`,
    headers: { authorization: `Bearer ${key}` },
    payload: { text: 'One more thing' },
  });
  t.equal(refused.statusCode, 409, 'staff cannot text an opted-out patient');
});

t.test('delivery status is stored on the message', async (t) => {
  const s = await setup(t);
  await s.text('Hello');
  await s.until(() => s.rest.messages().length === 1);
  await s.until(async () => (await s.h.database.db.selectFrom('sms_details').select('message_sid').where('direction', '=', 'outbound').execute()).length === 1);
  const [outbound] = await s.h.database.db.selectFrom('sms_details').select('message_sid').where('direction', '=', 'outbound').execute();
  const params = { MessageSid: outbound!.message_sid, MessageStatus: 'undelivered', ErrorCode: '30003' };
  const res = await s.app.fastify.inject({
    method: 'POST',
    url: '/twilio/sms/status',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest('sms-test-token', 'https://receptionist.test/twilio/sms/status', params),
    },
    payload: new URLSearchParams(params).toString(),
  });
  t.equal(res.statusCode, 204);
  const [row] = await s.h.database.db.selectFrom('sms_details').select(['delivery_status', 'error_code']).where('direction', '=', 'outbound').execute();
  t.same(row, { delivery_status: 'undelivered', error_code: '30003' });
});

t.test('a patient who called earlier is the same customer by text', async (t) => {
  const s = await setup(t);
  const caller = await s.h.database.db
    .insertInto('customers')
    .values({ spa_id: s.h.spaId, phone: PATIENT, name: 'Jamie Rivera' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await s.text('Hi again');
  const conversation = await s.h.database.db.selectFrom('conversations').select('customer_id').where('channel', '=', 'sms').executeTakeFirstOrThrow();
  t.equal(conversation.customer_id, caller.id);
});

t.test("a texter asking about another number's patient gets a code sent to that number, never in the reply", async (t) => {
  const s = await setup(t);
  const other = '+12025550187';
  await s.h.database.db.insertInto('customers').values({ spa_id: s.h.spaId, phone: other, name: 'Jamie Rivera' }).execute();
  const jamie = { phone: '202 555 0187', name: 'Jamie Rivera' };
  s.openai.answers.push(
    { toolCall: { name: 'find_customer', arguments: jamie } },
    { toolCall: { name: 'send_verification_code', arguments: jamie } },
    { text: 'For privacy I texted a code to the number ending 0187. Please send it here.' },
  );
  await s.text('What appointments does Jamie Rivera, 202 555 0187, have?');
  await s.until(() => s.rest.messages().some((m) => m.params.To === PATIENT));
  const toOther = s.rest.messages().filter((m) => m.params.To === other);
  t.equal(toOther.length, 1, 'the code went to the number on file, through the outbound path');
  const code = /\b(\d{6})\b/.exec(toOther[0]?.params.Body ?? '')?.[1] ?? '';
  t.match(code, /^\d{6}$/);
  t.notOk(s.rest.messages().some((m) => m.params.To === PATIENT && (m.params.Body ?? '').includes(code)), 'the reply does not carry the code');
  const refused = JSON.parse(String(s.openai.requests[1]?.input.find((i) => i.type === 'function_call_output')?.output));
  t.match(refused, { error: { code: 'VERIFICATION_REQUIRED' } });

  s.openai.answers.push(
    { toolCall: { name: 'verify_code', arguments: { code } } },
    { toolCall: { name: 'find_customer', arguments: jamie } },
    { text: 'Thanks! Jamie has no upcoming appointments.' },
  );
  await s.text(code);
  await s.until(() => s.rest.messages().some((m) => /no upcoming appointments/.test(m.params.Body ?? '')));
  const outputs = (s.openai.requests.at(-1)?.input ?? []).filter((i) => i.type === 'function_call_output').map((i) => JSON.parse(String(i.output)));
  t.match(outputs.slice(-2), [{ verified: true }, { found: true, customer: { name: 'Jamie Rivera' } }]);
  const thread = await s.h.database.db
    .selectFrom('conversations')
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .select('conversations.id')
    .where('customers.phone', '=', PATIENT)
    .executeTakeFirstOrThrow();
  const events = await s.h.database.db.selectFrom('conversation_events').select(['type', 'name', 'data']).where('conversation_id', '=', thread.id).orderBy('seq').execute();
  t.same(events.filter((e) => e.type === 'caller_verification').map((e) => e.name), ['sent', 'verified']);
  t.match(events.find((e) => e.type === 'tool_call' && e.name === 'verify_code')?.data, { arguments: { code: '[redacted]' } });
  t.notOk(JSON.stringify(events).includes(code), 'no event holds the code');
});
