import { z } from 'zod';
import { ConfigError } from './config.js';

/**
 * Whether and where traces go, from the standard OpenTelemetry variables. Read on its own (not in
 * loadConfig) because the tracing preload runs before the rest of the service is loaded, and a
 * mistake elsewhere in the environment must be reported by the service, once. Other OTEL_*
 * variables (headers, timeouts, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) are read by the SDK.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingConfig {
  /** Where spans are posted (…/v1/traces). */
  readonly tracesUrl: string;
  readonly protocol: OtlpProtocol;
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const httpUrl = z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional());
const protocol = z.preprocess(
  emptyAsUndefined,
  z.enum(['http/protobuf', 'http/json', 'grpc'], { message: 'must be http/protobuf or http/json' }).optional(),
);

const tracingEnvSchema = z.object({
  OTEL_SDK_DISABLED: z.preprocess(emptyAsUndefined, z.enum(['true', 'false'], { message: 'must be true or false' }).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
});

/** Undefined: tracing is off (no endpoint set, or OTEL_SDK_DISABLED=true) and costs nothing. */
export function tracingConfig(env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  const parsed = tracingEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'OTEL'), issue?.message ?? 'is invalid');
  }
  const e = parsed.data;
  if (e.OTEL_SDK_DISABLED === 'true') return undefined;
  // The per-signal endpoint is used as given; the general one gets the signal's path (the OTLP exporter spec).
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT && `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (!tracesUrl) return undefined;
  const chosen = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (chosen === 'grpc') {
    const variable = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    throw new ConfigError(variable, 'grpc is not supported here: use http/protobuf (a collector takes it on port 4318) or http/json');
  }
  return { tracesUrl, protocol: chosen };
}
