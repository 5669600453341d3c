import { createRequire } from 'node:module';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

/**
 * Patient data never reaches the logs at info level: phone numbers, names, message text and
 * transcripts are redacted wherever they appear as fields, and auth headers always are.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers.cookie',
  'phone',
  'from',
  'to',
  'name',
  'text',
  'body',
  'transcript',
  'email',
  '*.phone',
  '*.from',
  '*.to',
  '*.name',
  '*.text',
  '*.body',
  '*.transcript',
  '*.email',
  '*.From',
  '*.To',
  '*.Body',
  '*.Caller',
];

function prettyTransportAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * `trace_id` and `span_id` of the span active where the line is logged (an HTTP request, a job),
 * so logs and traces join. A call's logger carries its call span's ids already (the call's events
 * do not run inside its span), and keeps them. With tracing off no span is ever active.
 */
function traceOfLogLine(_line: object, _level: number, logger: { bindings(): Record<string, unknown> }): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span) || 'trace_id' in logger.bindings()) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}

export function loggerOptions(config: Pick<Config, 'logLevel'>, stream: { isTTY?: boolean } = process.stdout): LoggerOptions {
  const pretty = stream.isTTY === true && prettyTransportAvailable();
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: traceOfLogLine,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/** The service's logger: to stdout, or to `destination` (tests that read what the service logs). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config, { isTTY: false }), destination) : pino(loggerOptions(config));
}
