import { once } from 'node:events';
import t from 'tap';
import { z } from 'zod';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { defineTool } from '../../src/tools/tool.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { dominantFrequency } from '../audio/tone-analysis.js';
import { conversationOf, startCallHarness } from '../support/call-harness.js';
import { eventsOf, hangUpAndWait as endAndWait, hearToneGreeting, interruptGreeting, messagesOf, mulawTone } from '../support/call-scenarios.js';

t.test('the model session is configured in the GA shape from the spa settings', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const model = await h.realtime.connection(0);
  const update = await model.waitFor('session.update');
  t.equal(model.authorization, 'Bearer sk-test');
  t.match(model.request.url, /\?model=gpt-realtime$/);
  t.match(update.session, {
    type: 'realtime',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: { model: 'gpt-4o-mini-transcribe' },
        turn_detection: { type: 'server_vad', threshold: 0.6, prefix_padding_ms: 300, silence_duration_ms: 550 },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
    },
  });
  const instructions = String((update.session as { instructions: string }).instructions);
  t.match(instructions, /You are Ava, the receptionist at Willow & Oak Medical Spa/);
  t.match(instructions, /HydraFacial: 60 minutes, \$225/);
  t.match(instructions, /Local time now: .*\(America\/New_York\)/);
});

t.test('the receptionist greets the caller first, and the greeting latency is recorded', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 300 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  const greeting = await model.waitFor('response.create');
  t.match(JSON.stringify(greeting), /Greet the caller now/);
  await call.heardAll(300);
  await endAndWait(h, call);
  const row = await conversationOf(h, call);
  t.type(row.greeting_latency_ms, 'number');
  t.ok(row.greeting_latency_ms! < 1_000, `greeting within a second (${row.greeting_latency_ms} ms)`);
  const messages = await messagesOf(h, row.conversation_id);
  t.same(messages.map((m) => [m.role, m.text]), [['assistant', 'Thank you for calling Willow and Oak, this is Ava.']]);
});

t.test('a tone from the caller reaches the model as the same tone at 24 kHz', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hi', audioMs: 100 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  await call.say(mulawTone(1_000, 400), { paced: false });
  await call.waitFor(() => model.callerSamples().length >= 24 * 400, 5_000, '400 ms of caller audio at the model');
  const samples = model.callerSamples();
  t.equal(samples.length, 24 * 400, 'three samples out per sample in');
  t.equal(Math.round(dominantFrequency(samples.subarray(2_400), 24_000)), 1_000);
  await endAndWait(h, call);
});

t.test('a tone from the model reaches the caller as μ-law at 8 kHz in 20 ms frames with marks', async (t) => {
  const h = await startCallHarness(t);
  const { call, frameSizes: sizes } = await hearToneGreeting(h);
  t.ok(sizes.every((s) => s === 160), `every frame is 160 bytes (${[...new Set(sizes)].join(',')})`);
  t.ok(call.messages.some((m) => m.event === 'mark'), 'marks follow the audio');
  const heard = decodeMulaw(call.heard());
  t.equal(Math.round(dominantFrequency(heard.subarray(800), 8_000) / 10) * 10, 600);
  await endAndWait(h, call);
});

t.test('barge-in clears Twilio, truncates at what was heard and drops late audio', async (t) => {
  const h = await startCallHarness(t);
  const { call, truncate, heardMs: heard, receivedBeforeBytes: receivedBefore } = await interruptGreeting(h);
  const sentMs = receivedBefore / 8;
  const audioEndMs = Number(truncate.audio_end_ms);
  t.ok(Math.abs(audioEndMs - heard) <= 40, `truncate at ${audioEndMs} ms, caller heard ${heard} ms`);
  t.ok(audioEndMs <= sentMs, 'never more than was sent');
  t.equal(truncate.content_index, 0);
  const clearIndex = call.messages.findIndex((m) => m.event === 'clear');
  const truncateAfterClear = call.messages.slice(clearIndex + 1).filter((m) => m.event === 'media');
  // A negative check: late audio would follow within a few deltas, so nothing in 150 ms is nothing.
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.equal(
    call.messages.slice(clearIndex + 1).filter((m) => m.event === 'media').length,
    truncateAfterClear.length,
    'no late audio of the interrupted reply is sent after the clear',
  );
  t.equal(truncateAfterClear.length, 0);
  await endAndWait(h, call);
  const row = await conversationOf(h, call);
  const [greeting] = await messagesOf(h, row.conversation_id);
  t.equal(greeting?.interrupted, true);
  t.match(greeting?.text, /^Welcome to Willow/);
  t.ok(greeting!.text.length < 60, `only what was heard is saved: "${greeting?.text}"`);
});

t.test('turns are saved in conversation order even when the caller transcript is late', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => {
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 200 }, { text: 'We open at ten on Saturdays.', audioMs: 200 });
  };
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  await model.callerTurn({ transcript: 'When do you open on Saturday?', transcriptDelayMs: 300 });
  await call.heardAll(400);
  // The caller's transcript is scripted to come 300 ms late; the caller stays on until it has.
  await new Promise((resolve) => setTimeout(resolve, 350));
  await endAndWait(h, call);
  const row = await conversationOf(h, call);
  const messages = await messagesOf(h, row.conversation_id);
  t.same(
    messages.map((m) => [m.role, m.text]),
    [
      ['assistant', 'Hello, this is Ava.'],
      ['customer', 'When do you open on Saturday?'],
      ['assistant', 'We open at ten on Saturdays.'],
    ],
  );
  t.equal(row.reply_latencies_ms.length, 1, 'one reply latency figure');
  t.type(row.reply_latency_p50_ms, 'number');
});

t.test('a tool call runs, its result goes back to the model, and the model speaks again', async (t) => {
  const seen: unknown[] = [];
  const tools = new ToolRegistry([
    defineTool({
      name: 'lookup_opening_time',
      description: 'When the spa opens on a weekday',
      schema: z.object({ day: z.enum(['saturday', 'sunday']) }),
      async execute(args, ctx) {
        seen.push({ args, spa: ctx.spa.name, channel: ctx.channel });
        return { opens: args.day === 'saturday' ? '9:00 AM' : 'closed' };
      },
    }),
  ]);
  const h = await startCallHarness(t, { tools });
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello.', audioMs: 100 },
      { toolCall: { name: 'lookup_opening_time', arguments: { day: 'saturday' } } },
      { text: 'We open at nine on Saturday.', audioMs: 100 },
    );
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  await model.callerTurn({ transcript: 'When do you open Saturday?' });
  const output = await model.waitFor('conversation.item.create');
  t.same(output.item, {
    type: 'function_call_output',
    call_id: (output.item as { call_id: string }).call_id,
    output: JSON.stringify({ opens: '9:00 AM' }),
  });
  await model.waitFor('response.create', (e) => model.received.indexOf(e) > model.received.indexOf(output));
  t.same(seen, [{ args: { day: 'saturday' }, spa: 'Willow & Oak Medical Spa', channel: 'voice' }]);
  await call.heardAll(200);
  await endAndWait(h, call);
  const row = await conversationOf(h, call);
  const events = await eventsOf(h, row.conversation_id);
  const toolCall = events.find((e) => e.type === 'tool_call');
  const toolResult = events.find((e) => e.type === 'tool_result');
  t.match(toolCall, { name: 'lookup_opening_time', data: { arguments: { day: 'saturday' } } });
  t.match(toolResult, { name: 'lookup_opening_time', data: { ok: true, result: { opens: '9:00 AM' } } });
});

t.test('a failing tool comes back to the model as a structured error', async (t) => {
  const tools = new ToolRegistry([
    defineTool({
      name: 'flaky',
      description: 'always fails',
      schema: z.object({}),
      async execute() {
        throw new Error('calendar exploded');
      },
    }),
  ]);
  const h = await startCallHarness(t, { tools });
  h.realtime.configure = (c) => c.replies.push({ text: 'Hi.', audioMs: 100 }, { toolCall: { name: 'flaky', arguments: {} } });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  await model.callerTurn({ transcript: 'Do the thing' });
  const output = await model.waitFor('conversation.item.create');
  const parsed = JSON.parse(String((output.item as { output: string }).output));
  t.same(parsed, { error: { code: 'TOOL_FAILED', message: 'The system could not complete that just now.' } });
  await endAndWait(h, call);
});

t.test('a hang-up finishes the record with duration, usage and cost', async (t) => {
  const h = await startCallHarness(t);
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello.', audioMs: 200 });
  const call = h.call();
  await call.dial();
  const model = await h.realtime.connection(0);
  await call.heardAll(200);
  await endAndWait(h, call);
  if (model.socket.readyState !== model.socket.CLOSED) await once(model, 'closed');
  t.equal(model.socket.readyState, model.socket.CLOSED, 'the model socket is closed');
  const row = await conversationOf(h, call);
  t.equal(row.status, 'completed');
  t.equal(row.ended_by, 'caller');
  t.ok(row.ended_at);
  t.type(row.duration_seconds, 'number');
  t.match(row.usage, { inputTextTokens: 1_000, inputAudioTokens: 200, cachedTextTokens: 700, outputAudioTokens: 120 });
  // (1000-700)*4 + 700*0.4 + (200-100)*32 + 100*0.4 + 30*16 + 120*64, per million tokens
  t.equal(Number(row.cost_usd), 0.01288);
  t.equal(h.app.liveCalls.size, 0);
});
