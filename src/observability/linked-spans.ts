import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Link } from '@opentelemetry/api';

/**
 * Spans for work that happens apart from the request that caused it: the after-call analysis (a
 * job, perhaps on another machine, minutes later) gets a trace of its own, linked to the call's
 * through the trace context carried in the job's payload; an inbound text gets a span of its own
 * (under the webhook's HTTP span when HTTP is instrumented). With tracing off these are no-ops.
 */

const tracer = () => trace.getTracer('medspa-receptionist');

/** Runs `work` in a new trace linked to the one `carrier` (W3C traceparent) came from. */
export async function inLinkedTrace<T>(name: string, carrier: Record<string, string> | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  const origin = carrier ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier)) : undefined;
  const links: Link[] = origin ? [{ context: origin }] : [];
  const span = tracer().startSpan(name, { root: true, attributes, links });
  return runIn(span, work);
}

/** Runs `work` in a span under whatever is active (the webhook's HTTP span), or a new trace. */
export async function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return runIn(tracer().startSpan(name, { attributes }), work);
}

async function runIn<T>(span: ReturnType<ReturnType<typeof tracer>['startSpan']>, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}
