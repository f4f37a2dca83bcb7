import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

/**
 * An answer the bridge gives on purpose (a refused signature or payload, Temporal unreachable); its
 * message is safe to show the sender. Sent from the handler rather than thrown: an exception through
 * Fastify's error path cost a sixth of the CPU of a refusal (bench/bridge-throughput.ts).
 */
export function refuse(reply: FastifyReply, statusCode: 400 | 401 | 503, message: string): FastifyReply {
  return reply.code(statusCode).send(body(statusCode, message));
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

  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
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
