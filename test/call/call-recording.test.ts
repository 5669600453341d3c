import { sql } from 'kysely';
import t from 'tap';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { WAV_HEADER_BYTES } from '../../src/storage/recording-reader.js';
import { startCallHarness, type CallHarness } from '../support/call-harness.js';
import { eventsOf, hangUpAndWait, mulawTone } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

async function recordingOn(h: CallHarness, disclosure = 'This call is recorded to help us serve you.'): Promise<void> {
  await sql`update spas set settings = jsonb_set(settings, '{recording}', ${JSON.stringify({ enabled: true, retentionDays: 90, disclosure })}::jsonb) where id = ${h.demoSpaId}`.execute(
    h.database.db,
  );
}

async function recordingRow(h: CallHarness, conversationId: string) {
  await until('the recording row to be finished', async () => {
    const row = await h.database.db.selectFrom('recordings').select('status').where('conversation_id', '=', conversationId).executeTakeFirst();
    return row !== undefined && row.status !== 'recording';
  });
  return h.database.db.selectFrom('recordings').selectAll().where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
}

/** Per 20 ms of one channel of a stereo μ-law WAV, its energy (mean |sample|). */
function channelEnergy(wav: Buffer, channel: 0 | 1): number[] {
  const audio = wav.subarray(WAV_HEADER_BYTES);
  const frames: number[] = [];
  for (let start = 0; start + 320 <= audio.length; start += 320) {
    const samples = new Uint8Array(160);
    for (let i = 0; i < 160; i += 1) samples[i] = audio[start + i * 2 + channel] as number;
    const pcm = decodeMulaw(samples);
    frames.push(pcm.reduce((sum, s) => sum + Math.abs(s), 0) / pcm.length);
  }
  return frames;
}

t.test('a recorded call keeps both sides as heard, on the call’s time line, playable by range', async (t) => {
  const h = await startCallHarness(t);
  await recordingOn(h, 'Calls are recorded for quality.');
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello', audioMs: 600, toneHz: 600 }, { text: 'Sure', audioMs: 400, toneHz: 900 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(600);
  const callerItem = model.speechStarted();
  await call.say(mulawTone(1_000, 400));
  await model.callerTurn({ transcript: 'Can I book a facial?', itemId: callerItem });
  await call.heardAll(1_000);
  await hangUpAndWait(h, call);

  t.match(model.responseCreates[0]?.instructions, /Calls are recorded for quality\./, 'the greeting carries the disclosure in the spa’s words');
  t.ok(JSON.stringify(model.session).includes('stop_recording'), 'the receptionist can stop the recording');

  const conversationId = h.app.liveCalls.get(call.callSid)?.conversationId ?? (await conversationOf(h, call.callSid));
  const row = await recordingRow(h, conversationId);
  t.equal(row.status, 'complete');
  t.equal(row.channels, 2);
  t.ok((row.duration_ms ?? 0) >= 1_000, 'it lasts as long as the call');

  const staff = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'front desk');
  const auth = { authorization: `Bearer ${staff.key}` };
  const detail = await h.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: auth });
  const recording = detail.json().recording;
  t.equal(recording.exists, true);
  t.equal(recording.durationMs, row.duration_ms);

  const whole = await h.app.fastify.inject({ method: 'GET', url: recording.url, headers: auth });
  t.equal(whole.statusCode, 200);
  t.equal(whole.headers['accept-ranges'], 'bytes');
  t.equal(whole.headers['content-type'], 'audio/wav');
  const wav = whole.rawPayload;
  t.equal(wav.length, WAV_HEADER_BYTES + (row.duration_ms ?? 0) * 16);

  const caller = channelEnergy(wav, 0);
  const receptionist = channelEnergy(wav, 1);
  const firstLoud = (frames: number[]) => frames.findIndex((e) => e > 1_000);
  const greetingAt = firstLoud(receptionist) * 20;
  const callerAt = firstLoud(caller) * 20;
  t.ok(greetingAt >= 0 && callerAt > greetingAt + 500, `the caller speaks after the greeting (greeting ${greetingAt} ms, caller ${callerAt} ms)`);
  const greetingFrames = receptionist.slice(greetingAt / 20, greetingAt / 20 + 30).filter((e) => e > 1_000).length;
  t.ok(greetingFrames >= 28, 'the greeting is on the receptionist’s channel');
  t.ok(caller.slice(greetingAt / 20, greetingAt / 20 + 25).every((e) => e < 200), 'and not on the caller’s');
  // Where the console's player puts each line: its `at` minus the recording's `startedAt`.
  const lines = await h.database.db.selectFrom('messages').select(['role', 'spoken_at']).where('conversation_id', '=', conversationId).orderBy('seq').execute();
  const lineAt = (role: string) => (lines.find((l) => l.role === role)?.spoken_at.getTime() ?? NaN) - new Date(recording.startedAt).getTime();
  t.ok(Math.abs(lineAt('assistant') - greetingAt) <= 250, `the greeting’s line is where it starts in the audio (line ${lineAt('assistant')} ms, audio ${greetingAt} ms)`);
  t.ok(Math.abs(lineAt('customer') - callerAt) <= 250, `the caller’s line is where their voice starts in the audio (line ${lineAt('customer')} ms, voice ${callerAt} ms)`);

  const part = await h.app.fastify.inject({ method: 'GET', url: recording.url, headers: { ...auth, range: 'bytes=1000-20999' } });
  t.equal(part.statusCode, 206);
  t.equal(part.headers['content-range'], `bytes 1000-20999/${wav.length}`);
  t.ok(part.rawPayload.equals(wav.subarray(1000, 21000)), 'a seek gets exactly those bytes');

  const audited = await h.database.db.selectFrom('audit_events').select(['action', 'actor_type', 'record_id']).where('action', 'like', 'recording.%').execute();
  t.same(audited, [{ action: 'recording.played', actor_type: 'key', record_id: row.id }], 'the play is on the audit log once; a seek is not a new play');
  const download = await h.app.fastify.inject({ method: 'GET', url: `${recording.url}&download=true`, headers: auth });
  t.equal(download.headers['content-disposition'], `attachment; filename="call-${conversationId}.wav"`);
  t.equal(await h.database.db.selectFrom('audit_events').select('id').where('action', '=', 'recording.downloaded').execute().then((r) => r.length), 1, 'the download too');

  const beyond = await h.app.fastify.inject({ method: 'GET', url: recording.url, headers: { ...auth, range: `bytes=${wav.length}-` } });
  t.equal(beyond.statusCode, 416);
  t.equal(beyond.headers['content-range'], `bytes */${wav.length}`);
});

t.test('a caller who asks not to be recorded is honoured, and the record says so', async (t) => {
  const h = await startCallHarness(t);
  await recordingOn(h);
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this call is recorded.', audioMs: 300 },
      { toolCall: { name: 'stop_recording', arguments: {} } },
      { text: 'Recording has stopped.', audioMs: 300 },
    );
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(300);
  await model.callerTurn({ transcript: 'Please don’t record me.' });
  await call.heardAll(600);
  await hangUpAndWait(h, call);

  const conversationId = await conversationOf(h, call.callSid);
  const row = await recordingRow(h, conversationId);
  t.equal(row.status, 'declined');
  const events = await eventsOf(h, conversationId);
  t.ok(events.some((e) => e.type === 'recording_stopped' && e.name === 'caller_declined'), 'the timeline says when and why');

  const staff = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'front desk');
  const auth = { authorization: `Bearer ${staff.key}` };
  const detail = (await h.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: auth })).json();
  t.match(detail.recording, { exists: false, reason: 'caller_declined', stoppedAtCallersRequest: true });
  const play = await h.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/recording`, headers: auth });
  t.equal(play.statusCode, 404, 'nothing is left to play');
});

t.test('with recording off nothing is recorded and the detail says why', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello', audioMs: 200 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  await hangUpAndWait(h, call);
  t.notMatch(model.responseCreates[0]?.instructions ?? '', /recorded/);
  t.notOk(JSON.stringify(model.session).includes('stop_recording'), 'no tool to stop what is not happening');
  const conversationId = await conversationOf(h, call.callSid);
  t.equal((await h.database.db.selectFrom('recordings').select('id').where('conversation_id', '=', conversationId).execute()).length, 0);
  const staff = await createApiKey(h.database.db, h.demoSpaId, 'staff', 'front desk');
  const detail = (await h.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: { authorization: `Bearer ${staff.key}` } })).json();
  t.match(detail.recording, { exists: false, reason: 'off', url: null });
});

async function conversationOf(h: CallHarness, callSid: string): Promise<string> {
  await until('the call record', async () =>
    (await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', callSid).executeTakeFirst()) !== undefined,
  );
  const row = await h.database.db.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', callSid).executeTakeFirstOrThrow();
  return row.conversation_id;
}
