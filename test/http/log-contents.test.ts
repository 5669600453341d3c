import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { DEMO_SPA_NUMBER } from '../support/app.js';
import { startCallHarness } from '../support/call-harness.js';
import { hangUpAndWait } from '../support/call-scenarios.js';

const PHONE = '+12025550187';
const NAME = 'Jamie Rivera';
/** Every form the patient's number and name could take in a log line (a URL encodes them). */
const PATIENT_DATA = [PHONE, '2025550187', '202-555-0187', 'Jamie', 'Rivera'];
const OAUTH_CODE = '4/0AVGzR1-one-time-code';
const ACCOUNT = `AC${'0'.repeat(32)}`;

t.test('a day at the spa leaves no patient number or name, nor an OAuth code, in the logs at info', async (t) => {
  const lines: string[] = [];
  const h = await startCallHarness(t, { env: { LOG_LEVEL: 'info' }, logs: { write: (line: string) => void lines.push(line) } });
  await h.database.db.insertInto('customers').values({ spa_id: h.demoSpaId, phone: PHONE, name: NAME }).execute();

  // The patient calls, says who she is, is looked up, and leaves a message.
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 200 },
      { toolCall: { name: 'find_customer', arguments: { phone: PHONE, name: NAME } } },
      { text: 'Thanks, Jamie. How can I help?', audioMs: 200 },
      { toolCall: { name: 'take_message', arguments: { name: NAME, callbackNumber: PHONE, reason: `${NAME} asks about aftercare for her peel` } } },
      { text: 'I have passed that on; someone will call you back.', audioMs: 200 },
    );
  const call = h.call({ from: PHONE });
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  await model.callerTurn({ transcript: `Hi, this is ${NAME}, my number is ${PHONE}.` });
  const lookedUp = await model.waitFor('conversation.item.create');
  await call.heardAll(400);
  await model.callerTurn({ transcript: 'Could someone call me back about my peel?' });
  await model.waitFor('conversation.item.create', (e) => e !== lookedUp);
  await call.heardAll(600);
  await hangUpAndWait(h, call);
  await h.post('/twilio/voice/status', { CallSid: call.callSid, AccountSid: ACCOUNT, CallStatus: 'completed', From: PHONE, To: DEMO_SPA_NUMBER });

  // She texts too.
  const text = await h.post('/twilio/sms', {
    MessageSid: `SM${'7'.repeat(32)}`,
    AccountSid: ACCOUNT,
    From: PHONE,
    To: DEMO_SPA_NUMBER,
    Body: `Hi, it's ${NAME} again, can I move my appointment?`,
    NumMedia: '0',
  });
  t.ok(text.status < 300, `the text is taken (${text.status})`);

  // The front desk looks her up, by number and by name, behind a proxy that claims an address.
  const staff = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'front desk');
  for (const url of [
    `/api/v1/customers?q=${encodeURIComponent(PHONE)}`,
    `/api/v1/customers?q=${encodeURIComponent(NAME)}`,
    `/api/v1/conversations?q=${encodeURIComponent('Rivera')}`,
  ]) {
    const res = await fetch(`${h.baseUrl}${url}`, { headers: { authorization: `Bearer ${staff.key}`, 'x-forwarded-for': '203.0.113.77' } });
    t.equal(res.status, 200, url);
    await res.arrayBuffer();
  }
  // And Google sends an owner back with a one-time code (for a state we never issued).
  await (await fetch(`${h.baseUrl}/api/v1/google/oauth/callback?state=unknown-state&code=${encodeURIComponent(OAUTH_CODE)}`)).arrayBuffer();
  await h.app.liveCalls.recordsWritten();

  const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; req?: Record<string, unknown> });
  t.ok(entries.length > 10, `${entries.length} log lines`);
  t.ok(entries.every((e) => e.level >= 30), 'all at info or above');
  const leaks = lines.filter((line) => PATIENT_DATA.some((data) => line.includes(data)) || line.includes('one-time-code'));
  t.same(leaks, [], 'no line names the patient, her number or the code');

  const searches = entries.filter((e) => e.msg === 'incoming request' && e.req?.route === '/api/v1/customers');
  t.equal(searches.length, 2, 'the searches are logged by route');
  for (const search of searches) {
    t.equal(search.req?.path, '/api/v1/customers', 'without the query');
    t.equal(search.req?.remoteAddress, '127.0.0.1', 'from the socket: no proxy is trusted, so X-Forwarded-For is not believed');
  }
});
