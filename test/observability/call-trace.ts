/**
 * One traced call, checked the same way for each OTLP encoding (call-trace-json.test.ts,
 * call-trace-protobuf.test.ts): the SDK is started first, as the preload does in production, and
 * only then are the service's modules loaded, so the standard instrumentations can patch them.
 */
import { context, trace } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import type { OtlpProtocol } from '../../src/config/tracing-config.js';
import { startTracing } from '../../src/observability/tracing.js';
import { OtlpReceiver, type ReceivedSpan } from '../doubles/otlp-receiver.js';

const CALLER = '+12025550123';
const SAID = 'When do you open Saturday? My name is Jane Doe.';

export async function traceOneCall(t: Test, protocol: OtlpProtocol): Promise<void> {
  const receiver = await OtlpReceiver.start();
  t.teardown(() => receiver.close());
  const tracing = startTracing({ tracesUrl: `${receiver.url}/v1/traces`, protocol }, { instrument: true, batchDelayMs: 100 });
  t.teardown(() => tracing.shutdown());
  const { z } = await import('zod');
  const { defineTool } = await import('../../src/tools/tool.js');
  const { ToolRegistry } = await import('../../src/tools/tool-registry.js');
  const { transferToStaff } = await import('../../src/tools/front-desk-tools.js');
  const { startCallHarness } = await import('../support/call-harness.js');
  const { hangUpAndWait } = await import('../support/call-scenarios.js');
  const { createLogger } = await import('../../src/config/logger.js');
  const { until } = await import('../support/until.js');
  const { FakeOpenAIResponses } = await import('../doubles/fake-openai-responses.js');
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => openai.close());

  const tools = new ToolRegistry([
    defineTool({
      name: 'lookup_opening_time',
      description: 'When the spa opens on a day',
      schema: z.object({ day: z.string() }),
      readOnly: true,
      async execute() {
        return { opens: '9:00 AM' };
      },
    }),
    transferToStaff,
  ]);
  // Tuesday 11 AM in Washington: open, so a transfer goes to the front desk. Jobs run: the analysis is traced too.
  const h = await startCallHarness(t, { tools, jobs: true, now: () => new Date('2026-12-01T16:00:00Z'), env: { OPENAI_BASE_URL: openai.baseUrl } });
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Hello, this is Ava.', audioMs: 100 },
      { toolCall: { name: 'lookup_opening_time', arguments: { day: 'saturday' } } },
      { text: 'We open at nine on Saturday.', audioMs: 100 },
    );
  const call = h.call({ from: CALLER });
  await call.dial();
  const model = await h.realtime.connection(0);
  await model.waitFor('response.create');
  await call.heardAll(100);
  await model.callerTurn({ transcript: SAID });
  await model.waitFor('conversation.item.create');
  await call.heardAll(200);
  await hangUpAndWait(h, call);

  // A second call: the model connection drops and comes back, then the caller is transferred.
  h.realtime.configure = (c) =>
    c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 }, { toolCall: { name: 'transfer_to_staff', arguments: { reason: 'billing question' } } });
  const transferred = h.call({ from: '+12025550124' });
  h.twilioRest.on('call-update', (callSid: string) => {
    if (callSid === transferred.callSid) transferred.hangUp();
  });
  await transferred.dial();
  const dropped = await h.realtime.connection(1);
  await transferred.heardAll(100);
  dropped.drop();
  const back = await h.realtime.connection(2, 8_000);
  await back.waitFor('session.update');
  await back.callerTurn({ transcript: 'Can I talk to a person about my bill?' });
  await transferred.closed(8_000);

  // A text, traced on its own.
  const sms = await h.post('/twilio/sms', { MessageSid: `SM${'7'.repeat(32)}`, AccountSid: `AC${'1'.repeat(32)}`, From: '+12025550125', To: '+12025550100', Body: 'Jane here, are you open Saturday?', NumMedia: '0', NumSegments: '1' });
  t.equal(sms.status, 200);
  await until('both calls to be analysed', async () => (await h.database.db.selectFrom('conversations').select('id').where('channel', '=', 'voice').where('analysed_at', 'is not', null).execute()).length === 2, 20_000);
  await until('the analysis spans to arrive', async () => (await tracing.flush(), receiver.spans.filter((s) => s.name === 'conversation.analyse').length >= 2), 20_000);

  const spans = receiver.spans;
  t.ok(receiver.contentTypes.every((type) => type.startsWith(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf')), `sent as ${protocol}`);
  const root = spans.find((s) => s.name === 'call');
  if (!root) return void t.fail('the call span was received');
  t.equal(root.parentSpanId, '', 'the call span is the root of its trace');
  t.match(root.attributes, {
    'spa.id': h.demoSpaId,
    'conversation.id': String,
    'twilio.call_sid': call.callSid,
    'call.outcome': 'completed',
    'call.ended_by': 'caller',
    'call.model': String,
    'call.audio_format': /^caller pcmu 8000 Hz, model /,
  });
  const children = (name: string | RegExp) => spans.filter((s) => s.traceId === root.traceId && s.parentSpanId === root.spanId && s.name.match(name));
  t.equal(children('model.connect').length, 1, 'the model connection');
  t.match(children('model.connect')[0]?.attributes, { 'step.status': 'ready' });
  const turns = children(/^turn$/);
  t.equal(turns.length, 1, 'the turn');
  t.match(turns[0]?.attributes, { 'turn.replied': true, 'turn.latency_ms': Number });
  const tool = children('tool lookup_opening_time');
  t.equal(tool.length, 1, 'the tool call');
  t.match(tool[0]?.attributes, { 'tool.name': 'lookup_opening_time', 'step.status': 'ok', 'step.duration_ms': Number });

  const webhook = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/twilio/voice');
  t.ok(webhook, "the voice webhook's HTTP request has a span of its own (the HTTP instrumentation)");
  t.same(root.links, webhook ? [{ traceId: webhook.traceId, spanId: webhook.spanId }] : [], 'the call span links to it');

  const analysed = spans.filter((s) => s.name === 'conversation.analyse' && s.links.some((l) => l.traceId === root.traceId && l.spanId === root.spanId));
  t.equal(analysed.length, 1, "the after-call analysis job's span links to the call");
  t.equal(analysed[0]?.parentSpanId, '', 'in a trace of its own');
  t.match(analysed[0]?.attributes, { 'conversation.id': root.attributes['conversation.id'] });

  const second = spans.find((s) => s.name === 'call' && s.attributes['twilio.call_sid'] === transferred.callSid);
  if (!second) return void t.fail('the second call span was received');
  t.match(second.attributes, { 'call.outcome': 'transferred', 'call.ended_by': 'transfer' });
  const of = (name: string) => spans.filter((s) => s.traceId === second.traceId && s.parentSpanId === second.spanId && s.name === name);
  t.match(of('model.reconnect'), [{ attributes: { 'step.status': 'restored', 'step.duration_ms': Number } }], 'the reconnect, restored');
  t.match(of('transfer'), [{ attributes: { 'step.status': 'ok' } }], 'the transfer');

  // Outgoing requests: the transfer's Twilio REST call (the SDK's node:http client) and the
  // analysis's OpenAI request (fetch, through undici), each a client span inside its own trace.
  const urlOf = (span: ReceivedSpan) => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');
  const clients = spans.filter((s) => s.kind === 3 && /^https?:/.test(urlOf(s)));
  const twilioUpdate = clients.find((s) => s.traceId === second.traceId && /\/Calls\/CA\w+\.json/.test(urlOf(s)));
  t.ok(twilioUpdate, "the transfer's request to Twilio has a client span in the call's trace");
  t.equal(twilioUpdate?.parentSpanId, of('transfer')[0]?.spanId, 'inside the transfer step');
  t.match(twilioUpdate?.attributes, { 'http.request.method': 'POST' }, 'with its method');
  const analysisRequest = clients.find((s) => s.traceId === analysed[0]?.traceId && urlOf(s).startsWith(openai.baseUrl));
  t.ok(analysisRequest, "the analysis's request to OpenAI has a client span in the analysis trace (fetch, through undici)");

  const text = spans.find((s) => s.name === 'sms.inbound');
  t.match(text?.attributes, { 'twilio.message_sid': `SM${'7'.repeat(32)}` }, 'an inbound text has a span of its own');
  const smsWebhook = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/twilio/sms');
  t.ok(smsWebhook && text?.parentSpanId === smsWebhook.spanId && text.traceId === smsWebhook.traceId, "under the SMS webhook's HTTP span");
  t.ok(spans.some((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql'), 'pg queries have spans (the pg instrumentation)');
  t.notOk(JSON.stringify(spans.filter((s) => 'db.statement' in s.attributes || 'db.query.text' in s.attributes).map((s) => s.attributes)).match(/\$1.*Jane|Jane/), 'the SQL carries no values');

  const attributes = JSON.stringify(spans.map((s: ReceivedSpan) => s.attributes));
  t.notMatch(attributes, /202555012[345]|2025550111/, 'no phone number (callers, texter, front desk) in any span');
  t.notMatch(attributes, /Jane|Saturday|Ava\b|at nine|my bill/, 'no names or words said');

  const lines: string[] = [];
  const logger = createLogger({ logLevel: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  const span = trace.getTracer('test').startSpan('request');
  context.with(trace.setSpan(context.active(), span), () => logger.info('inside a span'));
  span.end();
  t.match(JSON.parse(lines[0] ?? '{}'), { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId }, 'log lines carry the active trace');
}
