import t from 'tap';
import { fakeCallSid, parseConnectTwiml } from '../doubles/fake-twilio.js';
import { startCallHarness } from '../support/call-harness.js';

const DEMO = '+12025550100';

function incoming(callSid: string, from = '+12025550199', to = DEMO) {
  return { CallSid: callSid, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: to, CallStatus: 'ringing', Direction: 'inbound' };
}

t.test('a signed incoming call is connected to a media stream with a one-time token', async (t) => {
  const h = await startCallHarness(t);
  const res = await h.post('/twilio/voice', incoming(fakeCallSid()));
  t.equal(res.status, 200);
  const stream = parseConnectTwiml(res.body);
  t.ok(stream, res.body);
  t.equal(stream?.url, 'wss://receptionist.test/twilio/media', 'wss URL on the public host, no query string');
  t.equal(stream?.action, 'https://receptionist.test/twilio/voice/stream-ended');
  t.match(stream?.parameters.streamToken, /^[\w-]+\.[\w-]+$/);
  t.match(stream?.parameters.conversationId, /^[0-9a-f-]{36}$/);
});

t.test('a forged or missing signature gets 403 and no TwiML', async (t) => {
  const h = await startCallHarness(t);
  const forged = await h.post('/twilio/voice', incoming(fakeCallSid()), { signature: 'bm90IGEgc2lnbmF0dXJl' });
  t.equal(forged.status, 403);
  t.notMatch(forged.body, /<Response/);
  const missing = await fetch(`${h.baseUrl}/twilio/voice`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(incoming(fakeCallSid())).toString(),
  });
  t.equal(missing.status, 403);
  const conversations = await h.database.db.selectFrom('conversations').select('id').execute();
  t.equal(conversations.length, 0, 'nothing was recorded');
});

t.test('a signature over different parameters is refused', async (t) => {
  const h = await startCallHarness(t);
  const callSid = fakeCallSid();
  const { signTwilioRequest } = await import('../../src/telephony/twilio-signature.js');
  const signature = signTwilioRequest('test-twilio-auth-token', 'https://receptionist.test/twilio/voice', incoming(callSid));
  const tampered = await h.post('/twilio/voice', { ...incoming(callSid), From: '+12025550111' }, { signature });
  t.equal(tampered.status, 403);
});

t.test('a call to a number no spa answers on hears an apology and is hung up', async (t) => {
  const h = await startCallHarness(t);
  const res = await h.post('/twilio/voice', incoming(fakeCallSid(), '+12025550199', '+13105550100'));
  t.equal(res.status, 200);
  t.match(res.body, /<Say[^>]*>We're sorry, this number is not set up/);
  t.match(res.body, /<Hangup\/>/);
  t.notMatch(res.body, /<Stream/);
});

t.test('a retried webhook returns the same conversation and creates nothing twice', async (t) => {
  const h = await startCallHarness(t);
  const callSid = fakeCallSid();
  const [a, b] = await Promise.all([h.post('/twilio/voice', incoming(callSid)), h.post('/twilio/voice', incoming(callSid))]);
  const c = await h.post('/twilio/voice', incoming(callSid));
  const ids = [a, b, c].map((r) => parseConnectTwiml(r.body)?.parameters.conversationId);
  t.equal(new Set(ids).size, 1);
  t.equal((await h.database.db.selectFrom('conversations').select('id').execute()).length, 1);
  t.equal((await h.database.db.selectFrom('voice_call_details').select('call_sid').execute()).length, 1);
  t.equal((await h.database.db.selectFrom('customers').select('id').where('phone', '=', '+12025550199').execute()).length, 1);
});

t.test('the caller becomes a customer of the spa; a withheld number does not', async (t) => {
  const h = await startCallHarness(t);
  await h.post('/twilio/voice', incoming(fakeCallSid(), '+12025550142'));
  await h.post('/twilio/voice', incoming(fakeCallSid(), 'anonymous'));
  await h.post('/twilio/voice', incoming(fakeCallSid(), '+266696687'));
  const customers = await h.database.db.selectFrom('customers').select(['phone', 'spa_id']).execute();
  t.same(customers, [{ phone: '+12025550142', spa_id: h.demoSpaId }]);
  const anonymous = await h.database.db.selectFrom('conversations').select('id').where('customer_id', 'is', null).execute();
  t.equal(anonymous.length, 2);
});

t.test('status callbacks update the call, arriving twice or out of order', async (t) => {
  const h = await startCallHarness(t);
  const callSid = fakeCallSid();
  await h.post('/twilio/voice', incoming(callSid));
  const status = (CallStatus: string, extra: Record<string, string> = {}) =>
    h.post('/twilio/voice/status', { CallSid: callSid, AccountSid: `AC${'0'.repeat(32)}`, CallStatus, ...extra });
  t.equal((await status('completed', { CallDuration: '42', SequenceNumber: '2' })).status, 204);
  t.equal((await status('in-progress', { SequenceNumber: '1' })).status, 204, 'a late, earlier status');
  t.equal((await status('completed', { CallDuration: '42', SequenceNumber: '2' })).status, 204, 'a duplicate');
  const details = await h.database.db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .select(['twilio_status', 'duration_seconds', 'conversations.status', 'conversations.ended_at'])
    .where('call_sid', '=', callSid)
    .executeTakeFirstOrThrow();
  t.equal(details.twilio_status, 'completed');
  t.equal(details.duration_seconds, 42);
  t.equal(details.status, 'completed');
  t.ok(details.ended_at);
});

t.test('a call nobody answered is recorded as abandoned', async (t) => {
  const h = await startCallHarness(t);
  const callSid = fakeCallSid();
  await h.post('/twilio/voice', incoming(callSid));
  await h.post('/twilio/voice/status', { CallSid: callSid, AccountSid: `AC${'0'.repeat(32)}`, CallStatus: 'no-answer' });
  const row = await h.database.db
    .selectFrom('conversations')
    .innerJoin('voice_call_details', 'voice_call_details.conversation_id', 'conversations.id')
    .select('status')
    .where('call_sid', '=', callSid)
    .executeTakeFirstOrThrow();
  t.equal(row.status, 'abandoned');
});

t.test('a malformed but signed webhook gets a clear 400', async (t) => {
  const h = await startCallHarness(t);
  const res = await h.post('/twilio/voice', { CallSid: 'nope', To: DEMO });
  t.equal(res.status, 400);
  t.match(JSON.parse(res.body), { error: { code: 'VALIDATION_FAILED' } });
});
