import t from 'tap';
import type { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { mulawTone as tone } from '../support/call-scenarios.js';

/** How far ahead of the wall clock a stream may send audio (see stream-rate-guard.ts). */
const BURST_MS = 2_000;

/** A 440 Hz tone, as the caller speaks it. */
const mulawTone = (ms: number) => tone(440, ms, 6_000);

/** A call whose model session is attached, so every caller frame the service accepts reaches the model. */
async function connectedCall(h: CallHarness) {
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  return { call, model, session: h.app.liveCalls.get(call.callSid) };
}

async function record(h: CallHarness, call: FakeTwilioCall) {
  return h.database.db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .select(['conversations.status', 'conversations.ended_at'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
}

t.test('ten seconds of audio sent at once reach the model at most two seconds ahead of real time, then the stream is closed', async (t) => {
  const h = await startCallHarness(t);
  const { call, model, session } = await connectedCall(h);
  const started = performance.now();
  await call.say(mulawTone(10_000), { paced: false });
  t.equal(await call.closed(), 1008, 'closed as a policy violation');
  await session?.done;
  const elapsedMs = performance.now() - started;
  const heardMs = model.callerSamples().length / 24;
  t.ok(heardMs >= BURST_MS - 20, `the first two seconds went through (${heardMs} ms)`);
  t.ok(heardMs <= BURST_MS + elapsedMs + 20, `no more than real time allows (${heardMs} ms in ${Math.round(elapsedMs)} ms)`);
  const row = await record(h, call);
  t.equal(row.status, 'completed');
  t.ok(row.ended_at, 'the call record is finished');

  // Only that stream: the next call is served as usual.
  const next = h.call();
  await next.dial();
  await next.waitFor(() => next.heardMs() > 100, 5_000, 'the greeting');
  next.hangUp();
});

t.test('a burst after a pause, as Twilio sends after network jitter, reaches the model whole', async (t) => {
  const h = await startCallHarness(t);
  const { call, model, session } = await connectedCall(h);
  await call.say(mulawTone(1_000));
  // The network pause itself: time passing is the point.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await call.say(mulawTone(1_500), { paced: false });
  await call.waitFor(() => model.callerSamples().length >= 24 * 2_500, 5_000, '2.5 s of caller audio at the model');
  t.equal(model.callerSamples().length, 24 * 2_500, 'every frame');
  t.equal(call.closeCode, undefined, 'the stream stays open');
  call.hangUp();
  await session?.done;
});

t.test('a flood of tiny frames is held to the frame rate of real audio and the stream is closed', async (t) => {
  const h = await startCallHarness(t);
  const { call, model, session } = await connectedCall(h);
  const appendsBefore = model.received.filter((e) => e.type === 'input_audio_buffer.append').length;
  const started = performance.now();
  for (let i = 0; i < 2_000; i += 1)
    call.sendJson({ event: 'media', streamSid: call.streamSid, media: { track: 'inbound', timestamp: String(i), payload: 'fw==' } });
  t.equal(await call.closed(), 1008);
  await session?.done;
  const elapsedMs = performance.now() - started;
  const appends = model.received.filter((e) => e.type === 'input_audio_buffer.append').length - appendsBefore;
  t.ok(appends <= (BURST_MS + elapsedMs) / 20 + 1, `${appends} frames reached the model in ${Math.round(elapsedMs)} ms`);
});
