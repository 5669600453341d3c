import { context, isSpanContextValid, trace, type Span } from '@opentelemetry/api';

/** `trace_id` and `span_id` of a span, for log lines that belong to it; empty for a no-op span. */
export function traceLogFields(span: Span | undefined): Record<string, string> {
  const spanContext = span?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** The same for whatever span is active (an HTTP request's, a job's). */
export function activeTraceLogFields(): Record<string, string> {
  return traceLogFields(trace.getSpan(context.active()));
}
