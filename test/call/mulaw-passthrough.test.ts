import t from 'tap';
import { ModelAudioTranscoder } from '../../src/audio/telephony-transcoder.js';
import { pcm16Tone } from '../doubles/fake-realtime-server.js';
import { startCallHarness } from '../support/call-harness.js';
import { hangUpAndWait as endAndWait, hearToneGreeting, interruptGreeting, mulawTone } from '../support/call-scenarios.js';

/** MODEL_AUDIO_FORMAT=pcmu: Twilio's μ-law goes to the model and back untouched. */
const PASSTHROUGH = { env: { MODEL_AUDIO_FORMAT: 'pcmu' } };

t.test('with MODEL_AUDIO_FORMAT=pcmu the model session asks for G.711 μ-law both ways', async (t) => {
  const h = await startCallHarness(t, PASSTHROUGH);
  const call = h.call();
  await call.ring();
  const model = await h.realtime.connection(0);
  const update = await model.waitFor('session.update');
  t.match(update.session, { audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } });
  t.notOk('rate' in ((update.session as { audio: { input: { format: object } } }).audio.input.format), 'no sample rate for μ-law');
});

t.test('caller audio reaches the model byte for byte', async (t) => {
  const h = await startCallHarness(t, PASSTHROUGH);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hi', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  const spoken = mulawTone(1_000, 400);
  await call.say(spoken, { paced: false });
  await call.waitFor(() => Buffer.concat(model.callerAudio).length >= spoken.length, 5_000, '400 ms of caller audio at the model');
  t.same(Buffer.concat(model.callerAudio), spoken, 'the same μ-law bytes, 8 per ms');
  await endAndWait(h, call);
});

t.test('model audio reaches the caller byte for byte in 20 ms frames with marks', async (t) => {
  const h = await startCallHarness(t, PASSTHROUGH);
  const { call, frameSizes: sizes } = await hearToneGreeting(h);
  t.ok(sizes.every((s) => s === 160), `every frame is 160 bytes (${[...new Set(sizes)].join(',')})`);
  t.ok(call.messages.some((m) => m.event === 'mark'), 'marks follow the audio');
  // What the fake model sent: the tone it was scripted with, as μ-law 8 kHz.
  t.same(call.heard(), new ModelAudioTranscoder().toCaller(pcm16Tone(600, 500)));
  await endAndWait(h, call);
});

t.test('barge-in truncates at what was heard, counting μ-law at 8 bytes per ms', async (t) => {
  const h = await startCallHarness(t, PASSTHROUGH);
  const { call, truncate, heardMs: heard } = await interruptGreeting(h);
  const audioEndMs = Number(truncate.audio_end_ms);
  t.ok(Math.abs(audioEndMs - heard) <= 40, `truncate at ${audioEndMs} ms, caller heard ${heard} ms`);
  t.ok(audioEndMs <= call.receivedAudio().length / 8, 'never more than was sent');
  await endAndWait(h, call);
  const row = await h.database.db
    .selectFrom('conversations')
    .innerJoin('voice_call_details', 'voice_call_details.conversation_id', 'conversations.id')
    .select('conversations.id')
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  const greeting = await h.database.db.selectFrom('messages').select(['text', 'interrupted']).where('conversation_id', '=', row.id).orderBy('seq').executeTakeFirstOrThrow();
  t.equal(greeting.interrupted, true);
  // The saved share of the text follows the share of the audio heard (~0.7 s of 3 s).
  t.ok(greeting.text.length < 60, `only what was heard is saved: "${greeting.text}"`);
});
