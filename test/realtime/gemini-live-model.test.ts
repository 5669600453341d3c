import t from 'tap';
import { PCM16_16K, PCM16_24K } from '../../src/audio/audio-format.js';
import { GeminiLiveModel } from '../../src/realtime/gemini-live-model.js';
import type { RealtimeError, RealtimeResponseDone, RealtimeSessionOptions, RealtimeToolCall } from '../../src/realtime/realtime-model.js';
import { FakeGeminiLiveServer, REFUSALS } from '../doubles/fake-gemini-live-server.js';

const SESSION: RealtimeSessionOptions = {
  instructions: 'Be kind.',
  voice: 'marin',
  turnDetection: { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 },
  transcriptionModel: 'gpt-4o-mini-transcribe',
  language: 'en',
  transcriptionPrompt: null,
  tools: [{ name: 'check_availability', description: 'Free slots.', parameters: { type: 'object', properties: { day: { type: 'string' } } } }],
  audioFormat: 'pcmu',
};

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function connected(t: { teardown(fn: () => unknown): void }, options: { clock?: () => number; connectionMaxMs?: number; livenessMs?: number } = {}) {
  const server = await FakeGeminiLiveServer.start();
  server.apiKey = 'g-test';
  t.teardown(() => server.close());
  const model = new GeminiLiveModel({ url: server.url, model: 'gemini-2.5-flash-native-audio-preview-12-2025', apiKey: 'g-test', ...options });
  t.teardown(() => model.close());
  const ready = new Promise<void>((resolve) => model.once('ready', resolve));
  await model.connect(SESSION);
  const connection = await server.connection(0);
  await ready;
  return { server, model, connection };
}

t.test('the adapter declares PCM16 16 kHz in and 24 kHz out, without truncation or out-of-band replies', async (t) => {
  const { model } = await connected(t);
  t.same(model.audioFormats, { input: PCM16_16K, output: PCM16_24K });
  t.same(model.capabilities, { truncation: false, outOfBandResponses: false });
  t.equal(model.provider, 'gemini');
});

t.test('setup carries the model, audio output and voice, instructions, tools, activity detection, transcription, resumption and compression', async (t) => {
  const { connection } = await connected(t);
  t.equal(connection.apiKey, 'g-test', 'the key goes as ?key=');
  const setup = connection.setup!;
  t.equal(setup.model, 'models/gemini-2.5-flash-native-audio-preview-12-2025');
  t.same(setup.generationConfig, { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Aoede' } } } });
  t.same(setup.systemInstruction, { parts: [{ text: 'Be kind.' }] });
  t.same(setup.tools, [{ functionDeclarations: [{ name: 'check_availability', description: 'Free slots.', parametersJsonSchema: SESSION.tools[0]!.parameters }] }]);
  t.match(setup.realtimeInputConfig, { automaticActivityDetection: { disabled: false, prefixPaddingMs: 300, silenceDurationMs: 500 } });
  t.same(setup.inputAudioTranscription, {});
  t.same(setup.outputAudioTranscription, {});
  t.same(setup.sessionResumption, {});
  t.same(setup.contextWindowCompression, { slidingWindow: {} });
});

t.test('caller audio goes as realtimeInput audio blobs of 16 kHz PCM', async (t) => {
  const { model, connection } = await connected(t);
  const pcm = Buffer.alloc(640, 7);
  model.appendAudio(pcm);
  await until(() => connection.callerAudio.length === 1);
  t.same(connection.callerAudio[0], pcm);
});

t.test('a model turn becomes an item with audio, a transcript and a completed response with its usage', async (t) => {
  const { model, connection } = await connected(t);
  const audio: Buffer[] = [];
  const items: string[] = [];
  const transcripts: string[] = [];
  const callerWords: string[] = [];
  const done: RealtimeResponseDone[] = [];
  model.on('audio', (chunk) => audio.push(chunk));
  model.on('assistantItem', (itemId) => items.push(itemId));
  model.on('assistantTranscript', (_, text) => transcripts.push(text));
  model.on('callerTranscript', (_, text) => callerWords.push(text));
  model.on('responseDone', (d) => done.push(d));
  connection.replies.push({ text: 'We open at nine tomorrow.', audioMs: 500 });
  await connection.callerTurn({ transcript: 'When do you open tomorrow?' });
  await until(() => done.length === 1);
  t.equal(items.length, 1);
  t.equal(Buffer.concat(audio).length, 24_000, '500 ms of 24 kHz PCM16, binary frames included');
  t.same(transcripts, ['We open at nine tomorrow.']);
  t.equal(done[0]!.status, 'completed');
  t.equal(done[0]!.usage.outputAudioTokens, 13, "the turn's usageMetadata, audio by modality");
  t.equal(done[0]!.usage.inputTextTokens, 940, 'prompt text by modality (the double counts 900 + 40 a turn of history)');
  // The caller's words are complete once a new turn begins (late transcription may trail the answer).
  connection.replies.push({ text: 'Yes.', audioMs: 100 });
  model.createResponse({ note: 'Confirm.' });
  await until(() => callerWords.length === 1);
  t.same(callerWords, ['When do you open tomorrow?']);
});

t.test('a request is a clientContent turn that says what to do; after tool results the model goes on by itself', async (t) => {
  const { model, connection } = await connected(t);
  const calls: RealtimeToolCall[] = [];
  const done: RealtimeResponseDone[] = [];
  model.on('toolCall', (call) => calls.push(call));
  model.on('responseDone', (d) => done.push(d));
  connection.replies.push({ toolCall: { name: 'check_availability', args: { day: 'friday' } } }, { text: 'Friday at ten is free.', audioMs: 200 });
  model.createResponse({ note: 'Greet the caller.' });
  const request = await connection.waitFor((m) => m.clientContent !== undefined);
  t.match(request, { clientContent: { turns: [{ role: 'user', parts: [{ text: /Greet the caller\./ }] }], turnComplete: true } });
  await until(() => calls.length === 1 && done.length === 1);
  t.same(calls[0], { callId: calls[0]!.callId, name: 'check_availability', argumentsJson: '{"day":"friday"}', responseId: done[0]!.responseId });
  t.same(done[0]!.request, { note: 'Greet the caller.' });
  model.sendToolResult(calls[0]!.callId, JSON.stringify({ slots: ['10:00'] }));
  model.createResponse();
  await until(() => done.length === 2);
  t.equal(done[1]!.status, 'completed');
  t.equal(connection.received.filter((m) => m.clientContent !== undefined).length, 1, 'no second request after the tool results');
  t.match(connection.received.find((m) => m.toolResponse), { toolResponse: { functionResponses: [{ id: calls[0]!.callId, name: 'check_availability', response: { slots: ['10:00'] } }] } });
});

t.test('interrupted cancels the turn and tells the call the caller started speaking', async (t) => {
  const { model, connection } = await connected(t);
  const done: RealtimeResponseDone[] = [];
  let speechStarted = 0;
  model.on('responseDone', (d) => done.push(d));
  model.on('speechStarted', () => (speechStarted += 1));
  connection.replies.push({ text: 'A long answer about our services.', audioMs: 2_000, chunkIntervalMs: 20 });
  model.createResponse({ note: 'Explain.' });
  await until(() => connection.received.some((m) => m.clientContent));
  await new Promise((resolve) => setTimeout(resolve, 60));
  connection.bargeIn();
  await until(() => done.length === 1);
  t.equal(done[0]!.status, 'cancelled');
  t.equal(done[0]!.reason, 'turn_detected');
  t.equal(speechStarted, 1);
});

t.test('a refused session is an error that is not recoverable, with a stable code, then closed', async (t) => {
  const server = await FakeGeminiLiveServer.start();
  t.teardown(() => server.close());
  server.refuseSessions = { count: 1, ...REFUSALS.quota };
  const model = new GeminiLiveModel({ url: server.url, model: 'gemini-2.5-flash-native-audio-preview-12-2025', apiKey: undefined });
  const errors: RealtimeError[] = [];
  model.on('error', (error) => errors.push(error));
  const closed = new Promise<number>((resolve) => model.once('closed', (code) => resolve(code)));
  await model.connect(SESSION);
  t.equal(await closed, 1011);
  t.equal(errors[0]!.code, 'resource_exhausted');
  t.equal(errors[0]!.recoverable, false);
});

t.test('goAway renews the connection with the resumption handle at a quiet moment; the session goes on unnoticed', async (t) => {
  const { server, model, connection } = await connected(t);
  const closed: number[] = [];
  model.on('closed', (code) => closed.push(code));
  const done: RealtimeResponseDone[] = [];
  model.on('responseDone', (d) => done.push(d));
  connection.replies.push({ text: 'Hello there.', audioMs: 100 });
  model.createResponse({ note: 'Greet.' });
  await until(() => done.length === 1);
  await until(() => connection.received.length > 0 && server.sessions.size === 1);
  connection.goAway(3_000);
  const resumed = await server.connection(1);
  await until(() => model.renewals === 1);
  t.ok(resumed.resumedFrom, 'the new connection resumed the session by its handle');
  t.same(resumed.history.map((h) => h.role), ['user', 'model'], 'the conversation came with it');
  await until(() => !connection.isOpen);
  model.appendAudio(Buffer.alloc(320));
  await until(() => resumed.callerAudio.length === 1);
  t.same(closed, [], 'the call never saw the connection close');
});

t.test('the connection limit renews too, before Google ends it', async (t) => {
  let now = 0;
  const { server, model } = await connected(t, { clock: () => now, connectionMaxMs: 60_000 });
  const connection = server.connections[0]!;
  connection.replies.push({ text: 'Hi.', audioMs: 100 });
  const done = new Promise<void>((resolve) => model.once('responseDone', () => resolve()));
  model.createResponse({ note: 'Greet.' });
  await done;
  await until(() => server.sessions.size === 1);
  now = 61_000;
  await server.connection(1);
  await until(() => model.renewals === 1);
  t.pass('renewed at the limit');
});

t.test('cancelResponse ends the turn at once (a key press) and drops the rest of it until the server ends it', async (t) => {
  const { model, connection } = await connected(t);
  const done: RealtimeResponseDone[] = [];
  let audio = 0;
  let audioAfterCancel = 0;
  let cancelled = false;
  model.on('responseDone', (d) => done.push(d));
  model.on('audio', () => {
    audio += 1;
    if (cancelled) audioAfterCancel += 1;
  });
  connection.replies.push({ text: 'A long answer about our services.', audioMs: 600, chunkIntervalMs: 20 }, { text: 'We open at nine.', audioMs: 100 });
  model.createResponse({ note: 'Explain.' });
  await until(() => audio > 0);
  model.cancelResponse();
  cancelled = true;
  t.equal(done.length, 1, 'the turn ends for the call at once');
  t.equal(done[0]!.status, 'cancelled');
  t.equal(done[0]!.reason, 'client_cancelled');
  await new Promise((resolve) => setTimeout(resolve, 900));
  t.equal(audioAfterCancel, 0, 'nothing more of the cancelled turn is played');
  cancelled = false;
  model.createResponse({ note: 'Say when we open.' });
  await until(() => done.length === 2);
  t.equal(done[1]!.status, 'completed', 'the next turn is answered as usual');
  t.ok(audio > 0);
});

t.test('updateSession gives the model the new instructions as a system turn, asking for no reply', async (t) => {
  const { model, connection } = await connected(t);
  model.updateSession({ instructions: 'Speak Spanish with this caller.', language: 'es', transcriptionPrompt: null });
  const update = await connection.waitFor((m) => m.clientContent !== undefined);
  t.match(update, { clientContent: { turns: [{ role: 'user', parts: [{ text: /Speak Spanish with this caller\./ }] }], turnComplete: false } });
});

t.test('liveness follows the injected clock: a request left unanswered past the limit gives the connection up', async (t) => {
  let now = 1_000;
  const { model, connection } = await connected(t, { clock: () => now });
  const errors: RealtimeError[] = [];
  model.on('error', (error) => errors.push(error));
  const closed = new Promise<string>((resolve) => model.once('closed', (_code, reason) => resolve(reason)));
  connection.stall();
  model.createResponse({ note: 'Greet the caller.' });
  now += 4_900;
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.equal(errors.length, 0, 'not yet: the limit is 5 s');
  now += 200;
  t.equal(await closed, 'response stalled');
  t.match(errors, [{ code: 'connection_stalled', recoverable: false, message: /Gemini Live connection response stalled/ }]);
});

t.test('a quiet connection is pinged, and one that leaves the ping unanswered is given up', async (t) => {
  let now = 1_000;
  const { model, connection } = await connected(t, { clock: () => now, livenessMs: 2_000 });
  const closed = new Promise<string>((resolve) => model.once('closed', (_code, reason) => resolve(reason)));
  // Quiet for half the limit: a ping goes out, and a live server answers it.
  now += 1_000;
  await new Promise((resolve) => setTimeout(resolve, 400));
  now += 1_500;
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.ok(model.isOpen, 'an answered ping keeps the connection');
  connection.stall();
  now += 1_000;
  await new Promise((resolve) => setTimeout(resolve, 400));
  now += 2_100;
  t.equal(await closed, 'no answer to ping');
});
