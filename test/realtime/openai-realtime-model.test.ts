import t from 'tap';
import { MULAW_8K, PCM16_24K } from '../../src/audio/audio-format.js';
import { OpenAIRealtimeModel, type UnheardErrorLog } from '../../src/realtime/openai-realtime-model.js';
import { RealtimeError, type RealtimeResponseDone, type RealtimeSessionOptions } from '../../src/realtime/realtime-model.js';
import { FAILURES, FakeRealtimeServer } from '../doubles/fake-realtime-server.js';

const SESSION: RealtimeSessionOptions = {
  instructions: 'Be kind.',
  voice: 'marin',
  turnDetection: { type: 'semantic_vad', eagerness: 'auto' },
  transcriptionModel: null,
  language: 'en',
  transcriptionPrompt: null,
  tools: [],
  audioFormat: 'pcm16',
};

async function connected(t: { teardown(fn: () => unknown): void }, options: { clock?: () => number; log?: UnheardErrorLog; audioFormat?: 'pcm16' | 'pcmu' } = {}) {
  const server = await FakeRealtimeServer.start();
  t.teardown(() => server.close());
  const model = new OpenAIRealtimeModel({ url: server.url, model: 'gpt-realtime', apiKey: 'sk-test', clock: options.clock, log: options.log });
  t.teardown(() => model.close());
  const ready = new Promise<void>((resolve) => model.once('ready', resolve));
  await model.connect({ ...SESSION, audioFormat: options.audioFormat ?? 'pcm16' });
  const connection = await server.connection(0);
  await ready;
  return { model, connection };
}

function recordingLog(): UnheardErrorLog & { seen: RealtimeError[] } {
  const seen: RealtimeError[] = [];
  return { seen, warn: ({ err }) => seen.push(err) };
}

t.test('the adapter declares PCM16 24 kHz both ways and that it can truncate', async (t) => {
  const { model } = await connected(t);
  t.same(model.audioFormats, { input: PCM16_24K, output: PCM16_24K });
  t.equal(model.capabilities.truncation, true);
});

t.test('a session opened for μ-law declares μ-law 8 kHz both ways', async (t) => {
  const { model } = await connected(t, { audioFormat: 'pcmu' });
  t.same(model.audioFormats, { input: MULAW_8K, output: MULAW_8K });
});

t.test('an error nobody listens to is logged with its code, not lost or thrown', async (t) => {
  const log = recordingLog();
  const { connection } = await connected(t, { log });
  connection.send({ type: 'error', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: 'Unknown parameter.' } });
  await t.resolves(waitUntil(() => log.seen.length === 1));
  t.equal(log.seen[0]!.code, 'unknown_parameter');
  t.equal(log.seen[0]!.recoverable, true);
});

t.test('a heard error goes to its listener only, and says whether the session can go on', async (t) => {
  const log = recordingLog();
  const { model, connection } = await connected(t, { log });
  const heard: RealtimeError[] = [];
  model.on('error', (error) => heard.push(error));
  connection.send({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Expired.' } });
  await t.resolves(waitUntil(() => heard.length === 1));
  t.ok(heard[0] instanceof RealtimeError);
  t.equal(heard[0]!.recoverable, false, 'an expired session is lost');
  t.same(log.seen, []);
});

t.test('a connection that cannot open rejects with a transport error that is not recoverable', async (t) => {
  const server = await FakeRealtimeServer.start();
  server.refuseConnections = 1;
  t.teardown(() => server.close());
  const log = recordingLog();
  const model = new OpenAIRealtimeModel({ url: server.url, model: 'gpt-realtime', apiKey: undefined, log });
  const error = await model.connect(SESSION).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof RealtimeError);
  t.match(error, { code: 'transport_error', recoverable: false });
  t.equal(log.seen.length, 1, 'and the unheard error event is logged');
});

t.test('liveness follows the injected clock: a response owed past the limit gives the connection up', async (t) => {
  let now = 1_000;
  const { model, connection } = await connected(t, { clock: () => now });
  const errors: RealtimeError[] = [];
  model.on('error', (error) => errors.push(error));
  const closed = new Promise<string>((resolve) => model.once('closed', (_code, reason) => resolve(reason)));
  connection.stall();
  model.createResponse();
  now += 5_001;
  t.equal(await closed, 'response stalled');
  t.match(errors, [{ code: 'connection_stalled', recoverable: false }]);
});

t.test('a note is given on top of the session instructions, never instead of them', async (t) => {
  const { model, connection } = await connected(t);
  model.createResponse({ note: 'Greet the caller.' });
  model.createResponse();
  await waitUntil(() => connection.responseCreates.length === 2);
  t.equal(connection.responseCreates[0]!.instructions, 'Be kind.\n\n# What to do now\nGreet the caller.');
  t.same(connection.responseCreates[1], { instructions: undefined, outOfBand: false, metadata: undefined }, 'a plain request is a plain response.create');
});

t.test('response.done says how a response ended, what was asked for, and whether a failure is worth a retry', async (t) => {
  const { model, connection } = await connected(t);
  const done: RealtimeResponseDone[] = [];
  model.on('responseDone', (d) => done.push(d));
  connection.failResponses = { count: 1, error: FAILURES.insufficientQuota };
  model.createResponse({ note: 'Greet the caller.' });
  await waitUntil(() => done.length === 1);
  t.match(done[0], {
    status: 'failed',
    failure: { code: 'insufficient_quota', message: /exceeded your current quota/, transient: false },
    request: { note: 'Greet the caller.' },
    outOfBand: false,
  });
  connection.failResponses = { count: 1, error: FAILURES.serverError };
  model.createResponse();
  await waitUntil(() => done.length === 2);
  t.match(done[1], { status: 'failed', failure: { code: 'server_error', transient: true } });
  t.equal(done[1]!.request, undefined, 'a plain request is not tagged');
  connection.replies.push({ text: 'We have', audioMs: 100, outcome: { status: 'incomplete', reason: 'content_filter' } });
  model.createResponse();
  await waitUntil(() => done.length === 3);
  t.match(done[2], { status: 'incomplete', reason: 'content_filter' });
  t.equal(done[2]!.failure, undefined);
});

t.test("an out-of-band response's items are marked as outside the conversation", async (t) => {
  const { model, connection } = await connected(t);
  const items: boolean[] = [];
  const done: RealtimeResponseDone[] = [];
  model.on('assistantItem', (_item, _response, inConversation) => items.push(inConversation));
  model.on('responseDone', (d) => done.push(d));
  model.createResponse({ note: 'Say one moment.', outOfBand: true });
  await waitUntil(() => done.length === 1);
  model.createResponse();
  await waitUntil(() => done.length === 2);
  t.same(items, [false, true]);
  t.match(done, [{ outOfBand: true, request: { outOfBand: true } }, { outOfBand: false }]);
  t.match(connection.responseCreates[0], { outOfBand: true, instructions: /^Be kind\./ });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
