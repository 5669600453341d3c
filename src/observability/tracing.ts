import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { TracingConfig } from '../config/tracing-config.js';
import { QueryStripping } from './query-stripping.js';

/**
 * The OpenTelemetry SDK, started only when an OTLP endpoint is configured (tracing-preload.ts).
 * Spans go out in batches over OTLP/HTTP, protobuf or JSON. With `instrument`, incoming and
 * outgoing HTTP (node:http, and fetch through undici's diagnostics channel) and pg queries get
 * the standard instrumentations' spans; those patch modules, so they must be registered before
 * the modules load.
 */

export interface Tracing {
  /** Sends what is buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/** Whether the SDK runs in this process (the preload started it). */
export function tracingStarted(): boolean {
  return started !== undefined;
}

export function startTracing(config: TracingConfig, options: { instrument: boolean; batchDelayMs?: number }): Tracing {
  if (started) return started;
  const exporter: SpanExporter = config.protocol === 'http/json' ? new OtlpJsonExporter({ url: config.tracesUrl }) : new OtlpProtobufExporter({ url: config.tracesUrl });
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, read by the SDK's detector, override our name.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'medspa-receptionist' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new QueryStripping(), new BatchSpanProcessor({ exporter, ...(options.batchDelayMs ? { scheduledDelayMillis: options.batchDelayMs } : {}) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  if (options.instrument)
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new HttpInstrumentation({
          // Probes and scrapes every few seconds would drown the traces that matter.
          ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|metrics)(\?|$)/.test(request.url ?? ''),
        }),
        new UndiciInstrumentation(),
        // Statements only (Kysely binds every value as a parameter; parameters are not recorded).
        new PgInstrumentation({ enhancedDatabaseReporting: false }),
      ],
    });
  started = { flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
  return started;
}
