import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';

/** An answer the bridge gives on purpose; its message is safe to show the sender. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 404 | 413 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function body(statusCode: number, message: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * The one place that turns errors into responses. Client errors say what was wrong; server errors say
 * nothing beyond their status (the log has the detail, without request bodies).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(body(404, 'no such route')));

  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send(body(err.statusCode, err.message));
    }
    const statusCode = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    // Fastify's own 4xx (body too large, bad content length, …) carry safe, fixed messages.
    if (statusCode >= 400 && statusCode < 500) {
      request.log.info({ code: (err as FastifyError).code, statusCode }, 'request refused');
      return reply.code(statusCode).send(body(statusCode, err.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send(body(500, 'internal error'));
  });
}
