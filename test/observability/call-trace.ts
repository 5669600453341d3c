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
  const { startCallHarness } = await import('../support/call-harness.js');
  const { hangUpAndWait } = await import('../support/call-scenarios.js');
  const { pendingJobs } = await import('../../src/storage/job-queue.js');
  const { createLogger } = await import('../../src/config/logger.js');
  const { until } = await import('../support/until.js');

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
  ]);
  const h = await startCallHarness(t, { tools });
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
  await until('the analysis to be queued', async () => (await pendingJobs(h.database.db)).some((j) => j.task === 'analyse_conversation'));
  await tracing.flush();

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

  const analysis = (await pendingJobs(h.database.db)).find((j) => j.task === 'analyse_conversation');
  t.match(analysis?.payload, { trace: { traceparent: new RegExp(`^00-${root.traceId}-${root.spanId}-01$`) } }, "the analysis job carries the call's trace context");

  const attributes = JSON.stringify(spans.map((s: ReceivedSpan) => s.attributes));
  t.notMatch(attributes, /2025550123/, 'no phone number in any span');
  t.notMatch(attributes, /Jane|Saturday|Ava|nine/, 'no names or words said');

  const lines: string[] = [];
  const logger = createLogger({ logLevel: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  const span = trace.getTracer('test').startSpan('request');
  context.with(trace.setSpan(context.active(), span), () => logger.info('inside a span'));
  span.end();
  t.match(JSON.parse(lines[0] ?? '{}'), { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId }, 'log lines carry the active trace');
}
