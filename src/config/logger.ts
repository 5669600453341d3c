import { createRequire } from 'node:module';
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

export function loggerOptions(config: Pick<Config, 'logLevel'>, stream: { isTTY?: boolean } = process.stdout): LoggerOptions {
  const pretty = stream.isTTY === true && prettyTransportAvailable();
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/** The service's logger: to stdout, or to `destination` (tests that read what the service logs). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config, { isTTY: false }), destination) : pino(loggerOptions(config));
}
