import t from 'tap';
import { applySettings } from '../../src/storage/settings-repository.js';
import { conversationDetail } from '../../src/storage/conversation-queries.js';
import type { SettingsPatch } from '../../src/storage/settings-patch.js';
import { parseConnectTwiml, type FakeTwilioCall } from '../doubles/fake-twilio.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { until } from '../support/until.js';

// Washington time. Tuesday 1 December 2026, 11 AM: open (10–19). Monday 30 November, 10 PM: closed.
// Friday 25 December, 11 AM: a Friday (open 10–18 by the week), closed for Christmas by an exception.
const IN_HOURS = new Date('2026-12-01T16:00:00Z');
const OUTSIDE_HOURS = new Date('2026-12-01T03:00:00Z');
const CHRISTMAS = new Date('2026-12-25T16:00:00Z');
const CHRISTMAS_CLOSED: SettingsPatch = { settings: { hoursExceptions: [{ date: '2026-12-25', hours: [], note: 'Christmas' }] } };
const ACCOUNT = `AC${'0'.repeat(32)}`;

async function harness(t: Parameters<typeof startCallHarness>[0], clock: { now: Date }) {
  const h = await startCallHarness(t, { now: () => clock.now });
  await applySettings(h.database.db, h.demoSpaId, CHRISTMAS_CLOSED);
  return h;
}

async function route(h: CallHarness, mode: string, extra: Record<string, unknown> = {}) {
  await applySettings(h.database.db, h.demoSpaId, { settings: { routing: { mode, ...extra } } } as SettingsPatch);
}

/** The <Dial action> path (with its sealed query) of TwiML that rings the desk. */
function dialAction(twiml: string): string {
  const action = /<Dial action="([^"]+)"/.exec(twiml)?.[1];
  if (!action) throw new Error(`no <Dial action> in ${twiml}`);
  return new URL(action.replaceAll('&amp;', '&')).pathname + new URL(action.replaceAll('&amp;', '&')).search;
}

async function routeOf(h: CallHarness, call: { callSid: string }) {
  return h.database.db
    .selectFrom('voice_call_details')
    .select(['route', 'front_desk_dial_status', 'front_desk_ring_seconds'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
}

t.test('each routing mode answers with the TwiML it promises, inside hours, outside hours and on a closed exception day', async (t) => {
  const clock = { now: IN_HOURS };
  const h = await harness(t, clock);
  const expectations: [mode: string, at: Date, rings: boolean][] = [
    ['receptionist_first', IN_HOURS, false],
    ['receptionist_first', OUTSIDE_HOURS, false],
    ['receptionist_first', CHRISTMAS, false],
    ['front_desk_first', IN_HOURS, true],
    ['front_desk_first', OUTSIDE_HOURS, false],
    ['front_desk_first', CHRISTMAS, false],
    ['after_hours_only', IN_HOURS, true],
    ['after_hours_only', OUTSIDE_HOURS, false],
    ['after_hours_only', CHRISTMAS, false],
  ];
  for (const [mode, at, rings] of expectations) {
    await route(h, mode, { frontDeskRingSeconds: 15 });
    clock.now = at;
    const call = h.call({ from: '+12025550142' });
    const { body } = await call.ring();
    const what = `${mode} at ${at.toISOString()}`;
    if (rings) {
      t.match(
        body,
        /^<\?xml[^>]*><Response><Dial action="https:\/\/receptionist\.test\/twilio\/voice\/front-desk-ended\?d=[^"]+" method="POST" timeout="15" callerId="\+12025550142">\+12025550111<\/Dial><\/Response>$/,
        `${what}: the desk rings first, 15 s, with the caller's number`,
      );
      t.notOk(call.stream, `${what}: no stream yet`);
      await until('the route on the record', async () => (await routeOf(h, call)).route === 'front_desk');
    } else {
      t.match(body, /<Connect action="https:\/\/receptionist\.test\/twilio\/voice\/stream-ended"[^>]*><Stream url="wss:\/\/receptionist\.test\/twilio\/media">/, `${what}: the receptionist answers`);
      t.notMatch(body, /<Dial/, what);
      await until('the route on the record', async () => (await routeOf(h, call)).route === 'receptionist');
    }
    await h.post('/twilio/voice/status', { CallSid: call.callSid, AccountSid: ACCOUNT, CallStatus: 'completed' });
  }
});

/** A call that rang the desk (front_desk_first, in hours) and what Twilio posts when the <Dial> ends. */
async function ringTheDesk(h: CallHarness): Promise<{ call: FakeTwilioCall; action: string }> {
  const call = h.call({ from: '+12025550142' });
  const { body } = await call.ring();
  return { call, action: dialAction(body) };
}

for (const dialStatus of ['no-answer', 'busy', 'failed']) {
  t.test(`front desk first: a ${dialStatus} desk brings the caller to the receptionist, who knows they waited`, async (t) => {
    const h = await harness(t, { now: IN_HOURS });
    await route(h, 'front_desk_first');
    const { call, action } = await ringTheDesk(h);
    const after = await h.post(action, { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: dialStatus });
    t.equal(after.status, 200);
    const stream = parseConnectTwiml(after.body);
    t.ok(stream?.parameters.streamToken, 'a stream with a fresh signed token');
    call.stream = stream;
    await call.connect();
    const model = await h.realtime.connection(0);
    const greeting = await model.waitFor('response.create');
    t.match(JSON.stringify(greeting), /Sorry to keep you waiting — the team is with other guests/);
    t.match(String(model.session?.instructions), /Exceptions to these hours:\n- 2026-12-25 \(Christmas\): closed/, 'she knows of the closure ahead');
    await call.heardAll(100);
    const session = h.app.liveCalls.get(call.callSid);
    call.hangUp();
    await session?.done;
    const record = await routeOf(h, call);
    t.match(record, { route: 'front_desk_then_receptionist', front_desk_dial_status: dialStatus });
    t.ok(record.front_desk_ring_seconds !== null && record.front_desk_ring_seconds >= 0, 'how long it rang is kept');
    const conversation = await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', call.callSid).executeTakeFirstOrThrow();
    const detail = await conversationDetail(h.database.db, h.demoSpaId, conversation.conversation_id);
    t.match(detail?.voice, { route: 'front_desk_then_receptionist', frontDeskDialStatus: dialStatus }, 'the staff API detail says which way the call went');

    // The same callback again, once the call has streamed: a replay gets a hang-up, never a second receptionist.
    const replay = await h.post(action, { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: dialStatus });
    t.match(replay.body, /<Hangup\/>/);
    t.notMatch(replay.body, /<Stream/);
  });
}

/** The call's outcome as stored, and who set it. */
async function outcomeOf(h: CallHarness, call: { callSid: string }) {
  return h.database.db
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select(['c.outcome', 'c.outcome_source'])
    .where('v.call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
}

t.test('front desk first: an answered desk ends the call when the desk hangs up, and the ring time is what was not talk time', async (t) => {
  const h = await harness(t, { now: IN_HOURS });
  await route(h, 'front_desk_first');
  const { call, action } = await ringTheDesk(h);
  const after = await h.post(action, { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'completed', DialCallDuration: '95' });
  t.match(after.body, /<Hangup\/>/);
  await until('the route', async () => (await routeOf(h, call)).front_desk_dial_status === 'completed');
  t.match(await routeOf(h, call), { route: 'front_desk', front_desk_ring_seconds: 0 });
  t.same(await outcomeOf(h, call), { outcome: 'transferred', outcome_source: 'rule' }, 'a call the desk answered has an outcome: handed to a person');
});

t.test('after hours only: an unanswered desk goes to voicemail, or to the receptionist when the spa says so', async (t) => {
  const h = await harness(t, { now: IN_HOURS });
  await route(h, 'after_hours_only', { unansweredFallback: 'voicemail' });
  const first = await ringTheDesk(h);
  const voicemail = await h.post(first.action, { CallSid: first.call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' });
  t.match(voicemail.body, /nobody at the front desk could pick up.*<Record action="https:\/\/receptionist\.test\/twilio\/voice\/voicemail"/);
  await until('the route', async () => (await routeOf(h, first.call)).route === 'front_desk_then_voicemail');

  await route(h, 'after_hours_only', { unansweredFallback: 'receptionist' });
  const second = await ringTheDesk(h);
  const receptionist = await h.post(second.action, { CallSid: second.call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'busy' });
  t.match(receptionist.body, /<Stream url="wss:\/\/receptionist\.test\/twilio\/media">/);
  await until('the route', async () => (await routeOf(h, second.call)).route === 'front_desk_then_receptionist');
});

t.test('a caller who hangs up while the desk rings just ends; a seal for another call or a forged one gets no stream', async (t) => {
  const h = await harness(t, { now: IN_HOURS });
  await route(h, 'front_desk_first');
  const { call, action } = await ringTheDesk(h);
  const other = await ringTheDesk(h);
  const misused = await h.post(action, { CallSid: other.call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' });
  t.match(misused.body, /<Hangup\/>/, "another call's seal");
  const forged = await h.post(`/twilio/voice/front-desk-ended?d=${encodeURIComponent('e30.forged')}`, { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' });
  t.match(forged.body, /<Hangup\/>/, 'a forged seal');
  const canceled = await h.post(action, { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'canceled' });
  t.match(canceled.body, /<Hangup\/>/);
  await until('the route', async () => (await routeOf(h, call)).route === 'front_desk_then_caller_hung_up');
  t.equal(h.app.liveCalls.get(call.callSid), undefined);
  t.same(await outcomeOf(h, call), { outcome: 'abandoned', outcome_source: 'rule' }, 'hung up while the desk rang: abandoned');
  t.same(await outcomeOf(h, other.call), { outcome: null, outcome_source: null }, 'the call whose seal was misused keeps no outcome');
});

t.test('settings: routing changes field by field and is validated; exceptions are kept', async (t) => {
  const h = await harness(t, { now: IN_HOURS });
  await route(h, 'after_hours_only', { frontDeskRingSeconds: 30 });
  await applySettings(h.database.db, h.demoSpaId, { settings: { routing: { dtmf: false } } });
  const { readSettings } = await import('../../src/storage/settings-repository.js');
  const settings = await readSettings(h.database.db, h.demoSpaId);
  t.same(settings?.settings.routing, { mode: 'after_hours_only', frontDeskRingSeconds: 30, unansweredFallback: 'voicemail', dtmf: false });
  t.same(settings?.settings.hoursExceptions, [{ date: '2026-12-25', hours: [], note: 'Christmas' }]);
  const { settingsPatchSchema } = await import('../../src/storage/settings-patch.js');
  t.notOk(settingsPatchSchema.safeParse({ settings: { routing: { mode: 'nobody' } } }).success);
  t.notOk(settingsPatchSchema.safeParse({ settings: { routing: { frontDeskRingSeconds: 2 } } }).success);
  t.notOk(settingsPatchSchema.safeParse({ settings: { hoursExceptions: [{ date: 'tomorrow', hours: [] }] } }).success);
});
