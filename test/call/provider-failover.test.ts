/**
 * A spa can run on either realtime provider, and a call whose provider cannot be reached, refuses
 * the session or keeps failing carries on with the other one: same instructions and tools, the
 * conversation so far as its context, the caller hearing at most "One moment, please."
 */
import t from 'tap';
import { holdPromptAudio } from '../../src/call/hold-prompt.js';
import { DEFAULT_GEMINI_LIVE_MODEL } from '../../src/config/config.js';
import { conversationDetail } from '../../src/storage/conversation-queries.js';
import { REFUSALS } from '../doubles/fake-gemini-live-server.js';
import { FAILURES } from '../doubles/fake-realtime-server.js';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { callRecordWritten, eventsOf, hangUpAndWait, messagesOf, mulawTone } from '../support/call-scenarios.js';
import { until } from '../support/until.js';

async function setProviders(h: CallHarness, settings: { provider?: string; fallbackProvider?: string | null }): Promise<void> {
  const current = await h.database.db.selectFrom('spas').select('settings').where('id', '=', h.demoSpaId).executeTakeFirstOrThrow();
  await h.database.db
    .updateTable('spas')
    .set({ settings: JSON.stringify({ ...(current.settings as object), ...settings }) })
    .where('id', '=', h.demoSpaId)
    .execute();
}

t.test('a spa on Gemini is greeted, heard and answered by Gemini, and its call is priced at Gemini rates', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  await setProviders(h, { provider: 'gemini' });
  h.gemini!.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 }, { text: 'Yes, we offer facials.', audioMs: 300 });
  const call = h.call();
  await call.dial();
  const gemini = await h.gemini!.connection(0);
  await call.heardAll(200);
  t.match(gemini.setup, { model: `models/${DEFAULT_GEMINI_LIVE_MODEL}`, systemInstruction: { parts: [{ text: /^You are Ava/ }] } });
  t.ok((gemini.setup!.tools as { functionDeclarations: unknown[] }[])[0]!.functionDeclarations.length > 0, 'the receptionist tools are declared');

  await call.say(mulawTone(300, 200), { paced: false });
  await until('caller audio at the model', () => gemini.callerSamples().length >= 3_200);
  t.equal(gemini.callerSamples().length, 3_200, '200 ms of the caller as 16 kHz PCM');
  await gemini.callerTurn({ transcript: 'Do you do facials?' });
  await call.heardAll(500);
  t.equal(h.realtime.connections.length, 0, 'OpenAI was never asked');
  // The caller's words are written once late transcription had its moment after the answer.
  const conversationId = (await conversationOf(h, call)).conversation_id;
  await until('the caller turn written', async () => (await messagesOf(h, conversationId)).some((m) => m.role === 'customer'));

  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.model, DEFAULT_GEMINI_LIVE_MODEL);
  const messages = await messagesOf(h, row.conversation_id);
  t.same(
    messages.map((m) => [m.role, m.text]),
    [
      ['assistant', 'Hello, this is Ava.'],
      ['customer', 'Do you do facials?'],
      ['assistant', 'Yes, we offer facials.'],
    ],
  );
  const detail = await conversationDetail(h.database.db, h.demoSpaId, row.conversation_id);
  t.equal(detail?.providers.length, 1);
  t.match(detail?.providers[0], { provider: 'gemini', model: DEFAULT_GEMINI_LIVE_MODEL, why: null, until: null });
  t.ok(Number(detail?.providers[0]?.costUsd) > 0, 'its part is priced');
  t.equal(Number(row.cost_usd).toFixed(6), detail?.providers[0]?.costUsd, 'the call costs what its one provider cost');
});

t.test('when OpenAI cannot be reached, the call is greeted on Gemini and the record says why', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  h.realtime.refuseConnections = 100;
  h.gemini!.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
  const call = h.call();
  await call.dial();
  await h.gemini!.connection(0);
  await call.heardAll(200, 8_000);
  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'caller');
  const events = await eventsOf(h, row.conversation_id);
  t.match(events.find((e) => e.type === 'provider_switched'), { name: 'gemini', data: { from: 'openai', to: 'gemini', why: 'connect_failed' } });
  const detail = await conversationDetail(h.database.db, h.demoSpaId, row.conversation_id);
  t.match(detail?.providers, [
    { provider: 'openai', why: null, usage: null, costUsd: null },
    { provider: 'gemini', why: 'connect_failed', until: null },
  ]);
  t.ok(Number(detail?.providers[1]?.costUsd) > 0, 'only the provider that served is billed');
});

t.test('when OpenAI refuses the session, Gemini takes the call with the same instructions and tools', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  h.realtime.configure = (c) => (c.refuseSession = true);
  h.gemini!.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
  const call = h.call();
  await call.dial();
  const openai = await h.realtime.connection(0);
  const gemini = await h.gemini!.connection(0);
  await call.heardAll(200, 8_000);
  const openaiSession = openai.session as { instructions: string; tools: { name: string }[] };
  t.equal((gemini.setup!.systemInstruction as { parts: { text: string }[] }).parts[0]!.text, openaiSession.instructions);
  t.same(
    (gemini.setup!.tools as { functionDeclarations: { name: string }[] }[])[0]!.functionDeclarations.map((f) => f.name),
    openaiSession.tools.map((tool) => tool.name),
  );
  await hangUpAndWait(h, call);
  const events = await eventsOf(h, (await conversationOf(h, call)).conversation_id);
  t.match(events.find((e) => e.type === 'provider_switched')?.data, { why: 'refused', detail: /invalid_value/ });
});

t.test('responses that keep failing move the call to Gemini with the conversation so far; each provider is billed for its part', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 });
  h.gemini!.configure = (c) => c.replies.push({ text: 'Happy to help with a facial.', audioMs: 200 });
  const call = h.call();
  await call.dial();
  const openai = await h.realtime.connection(0);
  await call.heardAll(200);
  openai.failResponses = { count: Infinity, error: FAILURES.insufficientQuota };
  await openai.callerTurn({ transcript: 'I would like a facial.' });
  const gemini = await h.gemini!.connection(0);
  await until('the conversation given to Gemini', () => gemini.history.length >= 2);
  t.match(gemini.history.slice(0, 2), [
    { role: 'model', text: 'Hello, this is Ava.' },
    { role: 'user', text: 'I would like a facial.' },
  ]);
  await call.heardAll(400, 8_000);
  t.ok(call.receivedAudio().length < 200 * 8 + holdPromptAudio().length + 200 * 8 + 800, 'the caller heard at most "one moment, please" in between');

  await hangUpAndWait(h, call);
  const row = await conversationOf(h, call);
  t.equal(row.ended_by, 'caller', 'the call was never handed over');
  const detail = await conversationDetail(h.database.db, h.demoSpaId, row.conversation_id);
  t.match(detail?.providers, [
    { provider: 'openai', model: 'gpt-realtime', why: null },
    { provider: 'gemini', why: 'responses_failing', detail: /insufficient_quota/ },
  ]);
  t.ok(detail?.providers[0]?.until, 'OpenAI served until the switch');
  const parts = (detail?.providers ?? []).map((p) => Number(p.costUsd));
  t.ok(parts.every((cost) => cost > 0), 'both parts are priced');
  t.equal(Number(row.cost_usd).toFixed(6), (parts[0]! + parts[1]!).toFixed(6), 'the call costs the sum of its parts');
});

t.test('only when both providers fail is the caller handed to people', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  h.realtime.refuseConnections = 100;
  h.gemini!.refuseSessions = { count: 100, ...REFUSALS.unavailable };
  const call = h.call();
  await call.dial();
  await call.closed(10_000);
  await callRecordWritten(h, call);
  const row = await conversationOf(h, call);
  t.ok(['model_failure', 'setup_failure'].includes(row.ended_by ?? ''), `ended by ${row.ended_by}`);
  t.ok(h.gemini!.refused > 0, 'Gemini was tried');
});

t.test('fallbackProvider none keeps a spa on its provider alone', async (t) => {
  const h = await startCallHarness(t, { gemini: true });
  await setProviders(h, { fallbackProvider: 'none' });
  h.realtime.refuseConnections = 100;
  const call = h.call();
  await call.dial();
  await call.closed(10_000);
  await callRecordWritten(h, call);
  t.equal(h.gemini!.connections.length, 0);
  t.equal((await conversationOf(h, call)).ended_by, 'model_failure');
});
