import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/** An error a client caused or may act on; its code is stable and its message safe to show. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** More the client can act on, beside code and message (e.g. the free times when one is taken). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { ...details, code, message } };
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}

/**
 * One error handler for the whole app: the real message below 500 (the client can act on it),
 * a generic one above (details stay in the log), always `{error: {code, message}}`.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | ZodError | Error, request, reply) => {
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return reply.status(400).send(errorBody('VALIDATION_FAILED', `${where}${issue?.message ?? 'invalid input'}`));
    }
    // Request validation (zod schemas on the staff API).
    if ('validation' in error && Array.isArray(error.validation)) {
      const first = error.validation[0] as { instancePath?: string; message?: string } | undefined;
      const where = 'validationContext' in error && error.validationContext ? `${String(error.validationContext)}` : 'request';
      const path = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
      return reply.status(400).send(errorBody('VALIDATION_FAILED', `${path}: ${first?.message ?? 'invalid'}`));
    }
    // Ours: deliberate, with a message written for the client, whatever the status.
    if (error instanceof HttpError) return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    const status =
      'statusCode' in error && typeof error.statusCode === 'number'
          ? error.statusCode
          : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(errorBody('INTERNAL_ERROR', 'Something went wrong on our side.'));
    }
    return reply.status(status).send(errorBody(codeForStatus(status), error.message));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}

/**
 * Fastify's router answers some requests before any handler (a URL whose percent escapes are not
 * UTF-8, a path parameter over the length limit) in its own shape; this keeps them in ours.
 * Passed as the `frameworkErrors` option when the app is built.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 400;
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A part of the URL is too long.' : 'The URL is not valid (a percent escape that is not UTF-8?).';
  void reply.status(status).send(errorBody(codeForStatus(status), message));
}
