/**
 * Twilio's signatures carry no nonce or time, so a captured signed webhook stays valid forever.
 * A replay must not open a new call as the patient, and an ended call's record must stay as it was.
 */
import { sql } from 'kysely';
import t from 'tap';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, hangUpAndWait, transferToStaff } from '../support/call-scenarios.js';
import type { FakeTwilioCall } from '../doubles/fake-twilio.js';

const ACCOUNT = `AC${'0'.repeat(32)}`;

function logLines(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

/** A call that greets, answers one question and is hung up by the caller; Twilio then reports it completed. */
async function finishedCall(h: CallHarness): Promise<FakeTwilioCall> {
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { text: 'We open at ten.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(100);
  await model.callerTurn({ transcript: 'When do you open?' });
  await call.heardAll(200);
  await hangUpAndWait(h, call);
  await callRecordWritten(h, call);
  await h.post('/twilio/voice/status', { CallSid: call.callSid, AccountSid: ACCOUNT, CallStatus: 'completed', CallDuration: '12' });
  return call;
}

/** Everything a replay could have changed about a call. */
async function recordOf(h: CallHarness, call: { callSid: string }) {
  const row = await conversationOf(h, call);
  const count = async (table: 'messages' | 'conversation_events') =>
    Number(
      (
        await h.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('conversation_id', '=', row.conversation_id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    turns: await count('messages'),
    events: await count('conversation_events'),
    status: row.status,
    endedBy: row.ended_by,
    endedAt: row.ended_at,
    costUsd: row.cost_usd,
    streamSid: row.stream_sid,
    usage: row.usage,
  };
}

/** Moves the call's record `ms` into the past: how it stands that much later. */
async function ageCall(h: CallHarness, call: { callSid: string }, ms: number): Promise<void> {
  const { conversation_id: id } = await conversationOf(h, call);
  const shift = sql<Date>`interval '1 millisecond' * ${ms}`;
  await h.database.db
    .updateTable('conversations')
    .set({ started_at: sql`started_at - ${shift}`, ended_at: sql`ended_at - ${shift}` })
    .where('id', '=', id)
    .execute();
  await h.database.db.updateTable('voice_call_details').set({ ended_at: sql`ended_at - ${shift}` }).where('conversation_id', '=', id).execute();
}

t.test('a voice webhook replayed 80 s after the call ended gets no stream, and the record stays as it was', async (t) => {
  const logs = logLines();
  const h = await startCallHarness(t, { env: { LOG_LEVEL: 'warn' }, logs });
  const call = await finishedCall(h);
  const captured = call.stream!;
  await ageCall(h, call, 80_000);
  const before = await recordOf(h, call);
  t.equal(before.turns, 3, 'greeting, question, answer');

  const replay = await call.ring();
  t.equal(replay.status, 200);
  t.notMatch(replay.body, /<Stream/, 'no stream and no token');
  t.match(replay.body, /<Hangup\/>/);
  t.ok(
    logs.lines.some((l) => /"level":40/.test(l) && /not new \(a replay\?\)/.test(l) && l.includes(call.callSid)),
    'logged as a replay at warn',
  );

  // The old token, on a socket without a signature, then with one: neither gets in.
  const unsigned = h.call({ callSid: call.callSid });
  unsigned.stream = captured;
  await unsigned.connect({ signature: null });
  t.equal(unsigned.upgradeStatus, 403, 'an upgrade without X-Twilio-Signature is refused');
  const signed = h.call({ callSid: call.callSid });
  signed.stream = captured;
  await signed.connect();
  t.equal(await signed.closed(), 1008, 'the used token is refused');

  t.equal(h.realtime.connections.length, 1, 'no model session was opened for the replay');
  t.equal(h.app.liveCalls.size, 0);
  t.same(await recordOf(h, call), before, 'turns, endedBy and cost unchanged');
});

t.test('a replayed webhook while the call is live gets no second stream', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  await call.heardAll(100);
  const replay = h.call({ callSid: call.callSid });
  const res = await replay.ring();
  t.notMatch(res.body, /<Stream/);
  t.match(res.body, /<Hangup\/>/);
  t.equal(h.realtime.connections.length, 1, 'nothing prewarmed for the replay');
  t.ok(h.app.liveCalls.get(call.callSid), 'the real call goes on');
  await hangUpAndWait(h, call);
});

t.test('a call whose first webhook came more than a minute ago gets no stream, a retry within seconds does', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const retry = await call.ring();
  t.match(retry.body, /<Stream/, "Twilio's own retry is still the same new call");
  await ageCall(h, call, 61_000);
  const late = await call.ring();
  t.notMatch(late.body, /<Stream/);
  t.match(late.body, /<Hangup\/>/);
});

t.test('a media WebSocket without X-Twilio-Signature is refused with 403 before the upgrade', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.ring();
  await call.connect({ signature: null });
  t.equal(call.upgradeStatus, 403);
  t.equal(h.app.liveCalls.size, 0);
  // The token never reached a `start`, so Twilio's own (signed) stream still gets in.
  const real = h.call({ callSid: call.callSid });
  real.stream = call.stream;
  await real.connect();
  await real.heardAll(100);
  t.ok(h.app.liveCalls.get(call.callSid));
  await hangUpAndWait(h, real);
});

t.test('a stream for a call that has ended is refused at start', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  // The caller hung up while it rang; a stream that shows up now with the token is not Twilio's.
  await h.post('/twilio/voice/status', { CallSid: call.callSid, AccountSid: ACCOUNT, CallStatus: 'canceled' });
  await call.connect();
  t.equal(await call.closed(), 1008);
  t.equal(h.app.liveCalls.size, 0);
  const row = await conversationOf(h, call);
  t.equal(row.status, 'abandoned', 'the record is as Twilio left it');
});

t.test('transfer-ended with no-answer for a call never transferred gets no stream and changes nothing', async (t) => {
  const logs = logLines();
  const h = await startCallHarness(t, { env: { LOG_LEVEL: 'warn' }, logs });
  const call = await finishedCall(h);
  const before = await recordOf(h, call);
  const res = await h.post('/twilio/voice/transfer-ended', { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' });
  t.equal(res.status, 200);
  t.notMatch(res.body, /<Stream/);
  t.match(res.body, /<Hangup\/>/);
  t.ok(logs.lines.some((l) => /"level":40/.test(l) && /last leg was not a transfer/.test(l)), 'logged at warn');
  t.same(await recordOf(h, call), before);
  t.equal(h.realtime.connections.length, 1, 'no model session was opened');
});

t.test("a stream that began after its call ended cannot write the call's record", async (t) => {
  const h = await startCallHarness(t);
  const call = await finishedCall(h);
  const before = await recordOf(h, call);
  const { conversation_id: conversationId } = await conversationOf(h, call);
  const now = new Date(Date.now() + 1_000).toISOString();
  // What the replayed stream of the issue wrote: a turn, its end, and a new end-of-call record.
  const timeline = await h.app.writes.submit(
    {
      type: 'append_timeline',
      conversationId,
      streamSid: 'MZreplayed',
      messages: [{ seq: 2, role: 'customer', text: 'Cancel all my appointments', interrupted: false, spokenAt: now }],
      events: [
        { seq: 1, type: 'call_started', name: null, data: { streamSid: 'MZreplayed' }, at: now },
        { seq: 3, type: 'call_ended', name: 'assistant', data: {}, at: now },
      ],
    },
    5_000,
  );
  t.equal(timeline.status, 'applied');
  const finish = await h.app.writes.submit(
    {
      type: 'finish_voice_call',
      conversationId,
      streamSid: 'MZreplayed',
      streamStartedAt: now,
      endedAt: now,
      endedBy: 'assistant',
      status: 'completed',
      transferredTo: null,
      greetingLatencyMs: 1,
      replyLatenciesMs: [1],
      model: 'gpt-realtime',
      usage: {},
      costUsd: 9.99,
    },
    5_000,
  );
  t.match(finish, { status: 'applied', result: { recorded: false } });
  t.same(await recordOf(h, call), before);
  t.equal(
    (await h.database.db.selectFrom('conversation_streams').select('stream_sid').where('conversation_id', '=', conversationId).execute()).length,
    1,
    'only the real stream has a place in the timeline',
  );
});

t.test('a transfer nobody answered re-opens the call once; the same "not answered" replayed later gets no stream', async (t) => {
  const h = await startCallHarness(t, { now: () => new Date('2026-12-01T16:00:00Z') });
  const { call } = await transferToStaff(h, 'Nobody could pick up. Can I take a message?');
  await callRecordWritten(h, call);

  const noAnswer = { CallSid: call.callSid, AccountSid: ACCOUNT, DialCallStatus: 'no-answer' };
  const unanswered = await h.post('/twilio/voice/transfer-ended', noAnswer);
  t.match(unanswered.body, /<Stream url="wss:\/\/receptionist\.test\/twilio\/media">/, 'the real one brings the caller back');
  const back = h.call({ callSid: call.callSid });
  back.stream = (await import('../doubles/fake-twilio.js')).parseConnectTwiml(unanswered.body);
  await back.connect();
  await back.heardAll(100);
  await hangUpAndWait(h, back);
  await callRecordWritten(h, back);
  const before = await recordOf(h, call);
  t.equal(before.endedBy, 'caller');

  const replayed = await h.post('/twilio/voice/transfer-ended', noAnswer);
  t.notMatch(replayed.body, /<Stream/);
  t.match(replayed.body, /<Hangup\/>/);
  t.same(await recordOf(h, call), before);
});
