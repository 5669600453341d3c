import t from 'tap';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';
import { fakeCallSid } from '../doubles/fake-twilio.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL, startCallHarness, type CallHarness } from '../support/call-harness.js';

const ACCOUNT = `AC${'0'.repeat(32)}`;
const FORBIDDEN = { error: { code: 'FORBIDDEN', message: 'The X-Twilio-Signature does not match this request.' } };

/** Every Twilio webhook with a request Twilio could have sent for the call `callSid`. */
function webhooks(callSid: string): [path: string, params: Record<string, string>][] {
  const messageSid = `SM${'7'.repeat(32)}`;
  return [
    ['/twilio/voice', { CallSid: fakeCallSid(), AccountSid: ACCOUNT, From: '+12025550123', To: '+12025550100', CallStatus: 'ringing' }],
    ['/twilio/voice/status', { CallSid: callSid, AccountSid: ACCOUNT, CallStatus: 'completed', CallDuration: '30' }],
    ['/twilio/voice/stream-ended', { CallSid: callSid, AccountSid: ACCOUNT }],
    ['/twilio/voice/transfer-ended', { CallSid: callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' }],
    ['/twilio/voice/front-desk-ended', { CallSid: callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' }],
    ['/twilio/voice/whisper', { CallSid: fakeCallSid(), ParentCallSid: callSid, AccountSid: ACCOUNT }],
    ['/twilio/sms', { MessageSid: messageSid, AccountSid: ACCOUNT, From: '+12025550123', To: '+12025550100', Body: 'hi', NumMedia: '0' }],
    ['/twilio/sms/status', { MessageSid: messageSid, AccountSid: ACCOUNT, MessageStatus: 'delivered' }],
  ];
}

/** What a webhook could change: if none of these move, nothing was recorded. */
async function snapshot(h: CallHarness) {
  const db = h.database.db;
  return {
    conversations: await db.selectFrom('conversations').select(['id', 'status', 'ended_at']).orderBy('id').execute(),
    calls: await db.selectFrom('voice_call_details').select(['call_sid', 'twilio_status']).orderBy('call_sid').execute(),
    messages: (await db.selectFrom('messages').select('id').execute()).length,
    customers: (await db.selectFrom('customers').select('id').execute()).length,
  };
}

t.test('every Twilio webhook refuses a forged, missing, tampered or misaddressed signature with 403 and records nothing', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const before = await snapshot(h);
  for (const [path, params] of webhooks(call.callSid)) {
    const elsewhere = signTwilioRequest(AUTH_TOKEN, `${PUBLIC_BASE_URL}/twilio/other`, params);
    const tampered = signTwilioRequest(AUTH_TOKEN, `${PUBLIC_BASE_URL}${path}`, { ...params, Extra: 'x' });
    const wrongKey = signTwilioRequest('not-our-auth-token', `${PUBLIC_BASE_URL}${path}`, params);
    for (const [how, signature] of [
      ['forged', 'bm90IGEgc2lnbmF0dXJl'],
      ['for another URL', elsewhere],
      ['over other parameters', tampered],
      ['with another auth token', wrongKey],
    ] as const) {
      const res = await h.post(path, params, { signature });
      t.equal(res.status, 403, `${path} ${how}`);
      t.same(JSON.parse(res.body), FORBIDDEN);
    }
    const unsigned = await fetch(`${h.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    t.equal(unsigned.status, 403, `${path} unsigned`);
  }
  t.same(await snapshot(h), before, 'nothing was recorded or changed');
  t.equal(h.twilioRest.requests.length, 0, 'and nothing was sent');
});

t.test('a signed webhook carrying a NUL character gets a clear 400 and records nothing', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const before = await snapshot(h);
  for (const [path, params] of webhooks(call.callSid)) {
    // A field that would otherwise reach a query.
    const key = path === '/twilio/voice' ? 'To' : path === '/twilio/sms' ? 'Body' : Object.keys(params)[0]!;
    const res = await h.post(path, { ...params, [key]: `${params[key]}\u0000` });
    t.equal(res.status, 400, path);
    t.same(JSON.parse(res.body), { error: { code: 'VALIDATION_FAILED', message: 'Text may not contain NUL characters (U+0000).' } });
  }
  t.same(await snapshot(h), before);
});
