/**
 * Steps several call tests share: a tone the caller speaks, hanging up and waiting for the record,
 * reading the record back, and the scenarios that more than one audio mode runs (a barge-in on a
 * long greeting, a tone greeting played out in frames). Assertions stay in the tests.
 */
import { encodeMulaw } from '../../src/audio/mulaw.js';
import type { ClientEvent, FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import type { FakeTwilioCall } from '../doubles/fake-twilio.js';
import type { CallHarness } from './call-harness.js';
import { until } from './until.js';

/** A sine tone as μ-law 8 kHz. */
export function mulawTone(hz: number, ms: number, amplitude = 8_000): Buffer {
  const samples = new Int16Array(Math.round(8 * ms));
  for (let i = 0; i < samples.length; i += 1) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8_000));
  return Buffer.from(encodeMulaw(samples));
}

/** The caller hangs up; resolves once the call's record is written. */
export async function hangUpAndWait(h: Pick<CallHarness, 'app'>, call: FakeTwilioCall): Promise<void> {
  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
}

/** Resolves once the call has ended (however it ended) and its record is written. */
export async function callRecordWritten(h: Pick<CallHarness, 'app'>, call: { callSid: string }): Promise<void> {
  await until('the call to end', () => h.app.liveCalls.get(call.callSid) === undefined);
  await h.app.liveCalls.recordsWritten();
}

export async function messagesOf(h: Pick<CallHarness, 'database'>, conversationId: string) {
  return h.database.db
    .selectFrom('messages')
    .select(['seq', 'role', 'text', 'interrupted'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
}

export async function eventsOf(h: Pick<CallHarness, 'database'>, conversationId: string) {
  return h.database.db
    .selectFrom('conversation_events')
    .select(['seq', 'type', 'name', 'data'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
}

export interface InterruptedGreeting {
  call: FakeTwilioCall;
  model: FakeRealtimeConnection;
  /** The model's `conversation.item.truncate`. */
  truncate: ClientEvent;
  /** What the caller had heard when the clear came, in ms. */
  heardMs: number;
  /** μ-law the caller had received when the caller started talking. */
  receivedBeforeBytes: number;
}

/**
 * A 3 s greeting paced like the real API (one delta per 20 ms), with one late delta after an
 * interruption; the caller talks over it after 700 ms. Returns once the service has truncated the
 * reply and cleared Twilio.
 */
export async function interruptGreeting(h: CallHarness): Promise<InterruptedGreeting> {
  h.realtime.configure = (c) => {
    c.replies.push({ text: 'Welcome to Willow and Oak, we offer facials, peels, lasers and injectables for every skin type.', audioMs: 3_000 });
    c.deltaIntervalMs = 20;
    c.lateAudioAfterInterrupt = true;
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  // The model has sent all of the greeting (its transcript too) well before the caller has heard
  // it, as the real API does; on a loaded machine the double's paced deltas could lag behind playback.
  await call.waitFor(() => call.heardMs() >= 700 && model.transcriptsSent.length > 0, 5_000, '700 ms of the greeting, all of it sent');
  const receivedBeforeBytes = call.receivedAudio().length;
  model.speechStarted();
  const truncate = await model.waitFor('conversation.item.truncate');
  await call.waitFor(() => call.clears === 1, 2_000, 'the clear');
  return { call, model, truncate, heardMs: call.heardMs(), receivedBeforeBytes };
}

/** The greeting is a 500 ms tone of 600 Hz; resolves once the caller has heard all of it. */
export async function hearToneGreeting(h: CallHarness): Promise<{ call: FakeTwilioCall; frameSizes: number[] }> {
  h.realtime.configure = (c) => c.replies.push({ text: 'Tone', audioMs: 500, toneHz: 600 });
  const call = h.call();
  await call.dial();
  await call.heardAll(500);
  const frameSizes = call.messages
    .filter((m) => m.event === 'media')
    .map((m) => Buffer.from(String((m.media as { payload: string }).payload), 'base64').length);
  return { call, frameSizes };
}

/**
 * A caller asks for a person; the receptionist transfers (Twilio's call update ends the stream,
 * as Twilio does) and, should the caller come back, says `comeBackLine`. Resolves once the first
 * leg's stream has closed.
 */
export async function transferToStaff(h: CallHarness, comeBackLine: string): Promise<{ call: FakeTwilioCall; first: FakeRealtimeConnection }> {
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { toolCall: { name: 'transfer_to_staff', arguments: { reason: 'wants a person' } } },
      { text: comeBackLine, audioMs: 100 },
    );
  const call = h.call();
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === call.callSid) call.hangUp();
  });
  await call.dial();
  const first = await h.realtime.connection(0);
  await call.heardAll(100);
  await first.callerTurn({ transcript: 'Can I talk to someone?' });
  await call.closed(5_000);
  return { call, first };
}
