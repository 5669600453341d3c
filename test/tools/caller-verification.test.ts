import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import t from 'tap';
import { loadConfig } from '../../src/config/config.js';
import { sendTextToCustomer, type OutboundDependencies } from '../../src/sms/outbound.js';
import { twilioMessageSender } from '../../src/sms/twilio-sender.js';
import { createTwilioClient } from '../../src/telephony/twilio-rest.js';
import { receptionistTools } from '../../src/tools/receptionist-tools.js';
import type { PatientTexts } from '../../src/tools/tool.js';
import type { ToolOutcome } from '../../src/tools/tool-registry.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';

const tools = receptionistTools();
// Monday 30 November 2026, 9 AM in Washington; Jamie's facial is Tuesday at 11.
const NOW = new Date('2026-11-30T14:00:00Z');
const PATIENT = '+12025550187';
const STRANGER = '+12025550999';
const JAMIE = { phone: '(202) 555-0187', name: 'Jamie Rivera' };

interface Verification {
  h: BookingHarness;
  rest: FakeTwilioRest;
  texts: PatientTexts;
  conversationId: string;
  /** Runs a tool as a caller on `from` (a stranger's number unless told), in the one conversation. */
  run(name: string, args: unknown, options?: { from?: string | null; now?: Date; channel?: 'voice' | 'sms'; conversationId?: string | null }): Promise<ToolOutcome>;
  /** The code in the latest text the fake Twilio was asked to send. */
  textedCode(): string;
}

async function setup(t: Parameters<typeof startBookingHarness>[0]): Promise<Verification> {
  const h = await startBookingHarness(t, { calendar: 'local' });
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const config = loadConfig({ ...h.config_env, TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'verification-test', TWILIO_API_BASE_URL: rest.baseUrl });
  const outbound: OutboundDependencies = {
    db: h.database.db,
    sender: twilioMessageSender(createTwilioClient(config)),
    statusCallbackUrl: 'https://receptionist.test/twilio/sms/status',
    log: pino({ level: 'silent' }),
    now: () => NOW,
    analysisQuietMs: 60_000,
  };
  const texts: PatientTexts = { send: (text) => sendTextToCustomer(outbound, text) };
  const conversationId = randomUUID();
  const run: Verification['run'] = async (name, args, options = {}) =>
    tools.execute(
      name,
      JSON.stringify(args),
      await h.context({
        now: options.now ?? NOW,
        customerPhone: options.from === undefined ? STRANGER : options.from,
        conversationId: options.conversationId === undefined ? conversationId : options.conversationId,
        channel: options.channel ?? 'voice',
        texts,
      }),
    );
  // Jamie books from her own phone.
  const booked = await run('book_appointment', { service: 'HydraFacial', start: '2026-12-01T11:00:00-05:00', customerName: 'Jamie Rivera' }, { from: PATIENT, conversationId: null });
  if (!booked.ok) throw new Error(`booking failed: ${booked.error.code}`);
  const textedCode = () => {
    const body = rest.messages().at(-1)?.params.Body ?? '';
    const code = /\b(\d{6})\b/.exec(body)?.[1];
    if (!code) throw new Error(`no code in the text: ${body}`);
    return code;
  };
  return { h, rest, texts, conversationId, run, textedCode };
}

function ok(t: { fail(message: string): void }, outcome: ToolOutcome): Record<string, unknown> {
  if (!outcome.ok) t.fail(`tool failed: ${outcome.error.code} ${outcome.error.message}`);
  return (outcome.ok ? outcome.result : {}) as Record<string, unknown>;
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function appointmentStatus(v: Verification): Promise<string> {
  const row = await v.h.database.db.selectFrom('appointments').select('status').executeTakeFirstOrThrow();
  return row.status;
}

t.test('a caller on another number who names the patient is refused until a code is read back', async (t) => {
  const v = await setup(t);
  t.match(await v.run('find_customer', JAMIE), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.match(await v.run('cancel_appointment', JAMIE), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.match(await v.run('reschedule_appointment', { ...JAMIE, newStart: '2026-12-01T14:00:00-05:00' }), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.match(await v.run('find_customer', JAMIE, { from: null }), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } }, 'a withheld number too');
  t.equal(await appointmentStatus(v), 'confirmed');
  t.equal(v.rest.messages().length, 0, 'nothing is texted until the receptionist asks');
});

t.test('verified by the texted code, the caller hears and cancels the appointment', async (t) => {
  const v = await setup(t);
  const sent = ok(t, await v.run('send_verification_code', JAMIE));
  t.same(sent, { sent: true, message: 'A code was sent to the number ending 0187.', expiresInMinutes: 10 });
  const [text] = v.rest.messages();
  t.equal(text?.params.To, PATIENT, 'the code goes to the number on file, not the caller');
  const code = v.textedCode();
  t.notOk(JSON.stringify(sent).includes(code), 'the tool result never holds the code');

  const verified = ok(t, await v.run('verify_code', { code: `${code.slice(0, 3)} ${code.slice(3)}` }));
  t.equal(verified.verified, true);
  const found = ok(t, await v.run('find_customer', JAMIE));
  t.match(found, { found: true, customer: { name: 'Jamie Rivera', upcomingAppointments: [{ service: 'HydraFacial' }] } });
  const cancelled = ok(t, await v.run('cancel_appointment', JAMIE));
  t.equal(cancelled.cancelled, true);
  t.equal(await appointmentStatus(v), 'cancelled');

  t.same(
    v.h.events.map((e) => `${e.type}:${e.name}`),
    ['caller_verification:sent', 'caller_verification:verified'],
  );
  t.notOk(JSON.stringify(v.h.events).includes(code), 'the events never hold the code');
  const stored = await v.h.database.db.selectFrom('caller_verifications').selectAll().execute();
  t.equal(stored.length, 1);
  t.notOk(JSON.stringify(stored).includes(code), 'only a hash of the code is kept');
  const kept = await v.h.database.db.selectFrom('messages').select('text').execute();
  t.notOk(JSON.stringify(kept).includes(code), "the patient's thread keeps a note, not the code");
  t.same(tools.recordableArguments('verify_code', { code }), { code: '[redacted]' }, 'the tool call is recorded without the code');
});

t.test('verification holds for that conversation and that patient only', async (t) => {
  const v = await setup(t);
  ok(t, await v.run('send_verification_code', JAMIE));
  ok(t, await v.run('verify_code', { code: v.textedCode() }));
  t.match(await v.run('find_customer', JAMIE, { conversationId: randomUUID() }), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } }, 'another call starts over');
});

t.test('a wrong code is refused and nothing is shown; the right one still works', async (t) => {
  const v = await setup(t);
  ok(t, await v.run('send_verification_code', JAMIE));
  const code = v.textedCode();
  t.match(await v.run('verify_code', { code: wrong(code) }), { ok: false, error: { code: 'CODE_INCORRECT', message: /2 tries left/ } });
  t.match(await v.run('find_customer', JAMIE), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.match(await v.run('verify_code', { code: '12' }), { ok: false, error: { code: 'CODE_FORMAT' } }, 'not six digits: asked again, not counted');
  ok(t, await v.run('verify_code', { code }));
  t.match(await v.run('find_customer', JAMIE), { ok: true, result: { found: true } });
  t.match(v.h.events[1], { type: 'caller_verification', name: 'failed', data: { reason: 'incorrect', attemptsLeft: 2, locked: false } });
});

t.test('an expired code is refused; a new one can be sent', async (t) => {
  const v = await setup(t);
  ok(t, await v.run('send_verification_code', JAMIE));
  const later = new Date(NOW.getTime() + 11 * 60_000);
  t.match(await v.run('verify_code', { code: v.textedCode() }, { now: later }), { ok: false, error: { code: 'CODE_EXPIRED' } });
  t.match(await v.run('cancel_appointment', JAMIE, { now: later }), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.equal(await appointmentStatus(v), 'confirmed');
  t.match(v.h.events.at(-1), { name: 'failed', data: { reason: 'expired' } });
  ok(t, await v.run('send_verification_code', JAMIE, { now: later }));
  ok(t, await v.run('verify_code', { code: v.textedCode() }, { now: later }));
  t.equal(v.rest.messages().length, 2);
});

t.test('three wrong codes close verification for the call', async (t) => {
  const v = await setup(t);
  ok(t, await v.run('send_verification_code', JAMIE));
  const code = v.textedCode();
  t.match(await v.run('verify_code', { code: wrong(code) }), { ok: false, error: { code: 'CODE_INCORRECT' } });
  t.match(await v.run('verify_code', { code: wrong(code) }), { ok: false, error: { code: 'CODE_INCORRECT', message: /1 try left/ } });
  t.match(await v.run('verify_code', { code: wrong(code) }), { ok: false, error: { code: 'VERIFICATION_LOCKED' } });
  t.match(await v.run('verify_code', { code }), { ok: false, error: { code: 'VERIFICATION_LOCKED' } }, 'not even the right code now');
  t.match(await v.run('send_verification_code', JAMIE), { ok: false, error: { code: 'VERIFICATION_LOCKED' } });
  t.match(await v.run('cancel_appointment', JAMIE), { ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
  t.equal(await appointmentStatus(v), 'confirmed');
  t.equal(v.rest.messages().length, 1);
  t.match(v.h.events.at(-1), { name: 'failed', data: { attemptsLeft: 0, locked: true } });
});

t.test('wrong codes tried at the same moment are all counted', async (t) => {
  const v = await setup(t);
  ok(t, await v.run('send_verification_code', JAMIE));
  const code = v.textedCode();
  await Promise.all(Array.from({ length: 5 }, () => v.run('verify_code', { code: wrong(code) })));
  t.match(await v.run('verify_code', { code }), { ok: false, error: { code: 'VERIFICATION_LOCKED' } });
});

t.test('no code goes out for a name that does not match, nor more than three per call', async (t) => {
  const v = await setup(t);
  t.match(await v.run('send_verification_code', { phone: JAMIE.phone, name: 'Alex Rivera' }), { ok: false, error: { code: 'CUSTOMER_NOT_VERIFIED' } });
  t.equal(v.rest.messages().length, 0);
  for (let i = 0; i < 3; i += 1) ok(t, await v.run('send_verification_code', JAMIE));
  t.match(await v.run('send_verification_code', JAMIE), { ok: false, error: { code: 'TOO_MANY_CODES' } });
  t.equal(v.rest.messages().length, 3);
});

t.test('a caller on the number on file is asked nothing new', async (t) => {
  const v = await setup(t);
  t.match(await v.run('find_customer', {}, { from: PATIENT }), { ok: true, result: { found: true, customer: { name: 'Jamie Rivera' } } });
  t.match(await v.run('find_customer', JAMIE, { from: PATIENT }), { ok: true, result: { found: true } });
  t.match(await v.run('send_verification_code', JAMIE, { from: PATIENT }), { ok: true, result: { sent: false } });
  t.match(await v.run('cancel_appointment', {}, { from: PATIENT }), { ok: true, result: { cancelled: true } });
  t.equal(v.rest.messages().length, 0, 'no code texted');
  t.same(v.h.events, []);
});

t.test('by text, the patient on their own number is unaffected and another number must verify', async (t) => {
  const v = await setup(t);
  t.match(await v.run('find_customer', {}, { from: PATIENT, channel: 'sms' }), { ok: true, result: { found: true } });
  t.match(await v.run('find_customer', JAMIE, { channel: 'sms' }), { ok: false, error: { code: 'VERIFICATION_REQUIRED', message: /text comes from a different number/ } });
  ok(t, await v.run('send_verification_code', JAMIE, { channel: 'sms' }));
  ok(t, await v.run('verify_code', { code: v.textedCode() }, { channel: 'sms' }));
  t.match(await v.run('find_customer', JAMIE, { channel: 'sms' }), { ok: true, result: { found: true } });
});
