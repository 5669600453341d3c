import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { BridgeDirection, CallObservation, CallObserver, CallStart, CallStep, CallSummary } from '../call/call-observer.js';
import type { Metrics } from './metrics.js';
import { traceLogFields } from './trace-log-fields.js';

/**
 * The call path's observer: each call's metrics (prom-client) and trace (OpenTelemetry). The trace
 * is one root span per call, from the voice webhook to the call's end, linked to the webhook's
 * HTTP span when there is one, with a child span per model connection, turn, tool call, transfer
 * and reconnect. Attributes are ids, enums and figures: never numbers, names or what was said.
 * With tracing off the spans are the API's no-ops.
 */

/** Provider codes a failed response is counted under; any other is `other` (labels stay few). */
const KNOWN_FAILURE_CODES = new Set([
  'server_error',
  'rate_limit_exceeded',
  'insufficient_quota',
  'invalid_request_error',
  'invalid_api_key',
  'model_not_found',
  'session_expired',
  'unknown',
]);
/** Tool statuses are `ok` or our error codes (upper-case words); anything else is `error`. */
const TOOL_STATUS = /^(ok|[A-Z][A-Z0-9_]{0,39})$/;

export function callTelemetry(metrics: Metrics, tracer: Tracer = trace.getTracer('medspa-receptionist')): CallObserver {
  // Bound once: a sampled frame's observation looks nothing up.
  const frameDelay: Record<BridgeDirection, { observe(seconds: number): void }> = {
    uplink: metrics.bridgeFrameDelay.labels('uplink'),
    downlink: metrics.bridgeFrameDelay.labels('downlink'),
  };
  return {
    callRejected: (reason) => metrics.callsRejected.inc({ reason }),
    callStarted: (call) => new ObservedCall(metrics, tracer, frameDelay, call),
  };
}

class ObservedCall implements CallObservation {
  readonly logFields: Readonly<Record<string, string>>;
  private readonly span: Span;
  private readonly within: Context;
  private turn: Span | undefined;
  private over = false;

  constructor(
    private readonly metrics: Metrics,
    private readonly tracer: Tracer,
    private readonly delays: Record<BridgeDirection, { observe(seconds: number): void }>,
    call: CallStart,
  ) {
    const webhook = trace.getSpanContext(context.active());
    this.span = tracer.startSpan('call', {
      root: true,
      attributes: { 'spa.id': call.spaId, 'conversation.id': call.conversationId, 'twilio.call_sid': call.callSid, 'call.model': call.model },
      ...(webhook ? { links: [{ context: webhook, attributes: { 'link.kind': 'voice_webhook' } }] } : {}),
    });
    this.within = trace.setSpan(ROOT_CONTEXT, this.span);
    this.logFields = traceLogFields(this.span);
  }

  traceCarrier(): Record<string, string> | undefined {
    const carrier: Record<string, string> = {};
    propagation.inject(this.within, carrier);
    return carrier.traceparent ? carrier : undefined;
  }

  audioFormat(description: string): void {
    this.span.setAttribute('call.audio_format', description);
  }

  modelConnecting(): CallStep {
    return this.step('model.connect', {}, () => {});
  }

  turnStarted(): void {
    this.turn?.setAttribute('turn.replied', false);
    this.turn?.end();
    this.turn = this.tracer.startSpan('turn', {}, this.within);
  }

  turnReplied(latencyMs: number): void {
    this.metrics.turnLatency.observe(latencyMs / 1000);
    this.turn?.setAttributes({ 'turn.replied': true, 'turn.latency_ms': latencyMs });
    this.turn?.end();
    this.turn = undefined;
  }

  greeted(latencyMs: number): void {
    this.metrics.greetingLatency.observe(latencyMs / 1000);
    this.span.setAttribute('call.greeting_latency_ms', latencyMs);
  }

  frameDelay(direction: BridgeDirection, seconds: number): void {
    this.delays[direction].observe(seconds);
  }

  bargeIn(): void {
    this.metrics.bargeIns.inc();
    this.span.addEvent('barge_in');
  }

  responseFailed(code: string): void {
    const known = KNOWN_FAILURE_CODES.has(code) ? code : 'other';
    this.metrics.modelResponseFailures.inc({ code: known });
    this.span.addEvent('response_failed', { 'error.code': known });
  }

  reconnecting(): CallStep {
    return this.step('model.reconnect', {}, (result) => this.metrics.modelReconnects.inc({ result }));
  }

  toolCalled(tool: string): CallStep {
    return this.step(`tool ${tool}`, { 'tool.name': tool }, (status, durationMs) => {
      const bounded = TOOL_STATUS.test(status) ? status : 'error';
      this.metrics.toolCalls.inc({ tool, status: bounded });
      if (durationMs !== undefined) this.metrics.toolDuration.observe({ tool }, durationMs / 1000);
    });
  }

  transferring(): CallStep {
    return this.step('transfer', {}, () => {});
  }

  ended(summary: CallSummary): void {
    if (this.over) return;
    this.metrics.callsTotal.inc({ outcome: summary.outcome, ended_by: summary.endedBy });
    this.span.setAttributes({ 'call.outcome': summary.outcome, 'call.ended_by': summary.endedBy, 'call.barge_ins': summary.bargeIns, 'call.replies': summary.replies });
    if (summary.outcome === 'failed') this.span.setStatus({ code: SpanStatusCode.ERROR, message: summary.endedBy });
    this.finish();
  }

  abandoned(): void {
    if (this.over) return;
    this.span.setAttributes({ 'call.outcome': 'no_stream' });
    this.finish();
  }

  private finish(): void {
    this.over = true;
    this.turn?.setAttribute('turn.replied', false);
    this.turn?.end();
    this.turn = undefined;
    this.span.end();
  }

  /** A child span of the call, ended once with its status (and counted by `count`). */
  private step(name: string, attributes: Record<string, string>, count: (status: string, durationMs?: number) => void): CallStep {
    const span = this.tracer.startSpan(name, { attributes }, this.within);
    const inside = trace.setSpan(this.within, span);
    let done = false;
    return {
      run: (work) => context.with(inside, work),
      end: (status, durationMs) => {
        if (done) return;
        done = true;
        count(status, durationMs);
        span.setAttribute('step.status', status);
        if (durationMs !== undefined) span.setAttribute('step.duration_ms', durationMs);
        if (status !== 'ok' && status !== 'ready' && status !== 'restored') span.setStatus({ code: SpanStatusCode.ERROR, message: status });
        span.end();
      },
    };
  }
}
