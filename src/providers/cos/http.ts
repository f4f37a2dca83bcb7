import type { IncomingHttpHeaders } from 'node:http';
import got, { type Method } from 'got';
import { parseJsonBody } from '../common/http-status';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import { CosError, errorFromTransport } from './errors';

/**
 * The transport every COS request goes through, the token request included: got 11, no retries
 * (Temporal owns them, so a write is never sent twice over by two layers), no redirects followed (the
 * bearer token and the client secret must not travel to another origin), a request timeout, and one log
 * line per request with the operation, method, route template, status, duration and the idempotency key
 * (a hash, docs/providers/cos.md "Idempotency"): never a body, which holds names, birth dates and tax ids,
 * and never a header value.
 */

/** The transport's logger; `error` (Temporal's loggers have it) carries the alerts, `warn` stands in. */
export interface CosLogger extends ProviderLogger {
  error?(message: string, attributes?: Record<string, unknown>): void;
}

/** An alert: one error line an operator must act on (falls back to warn for a logger without `error`). */
export function alert(logger: CosLogger, message: string, attributes: Record<string, unknown>): void {
  if (logger.error !== undefined) logger.error(message, attributes);
  else logger.warn(message, attributes);
}

export interface CosHttpRequest {
  /** e.g. `createCore`, `token`; used in errors and logs. */
  operation: string;
  method: Method;
  /** Path template for logs, e.g. `/core/v1/cm/customers/{id}/phones`: never values. */
  route: string;
  /** An absolute URL (the token endpoint), or a path relative to COS_BASE_URL, already URL-encoded. */
  url: string;
  /** Sent exactly as given: never parsed and re-serialised (COS compares bodies byte for byte). */
  body?: string;
  contentType?: string;
  bearerToken?: string;
  idempotencyKey?: string;
}

export interface CosHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

export interface CosHttp {
  send(request: CosHttpRequest): Promise<CosHttpResponse>;
  readonly timeoutMs: number;
}

/**
 * COS's guidance: keep a connection open at least 30 s, or it answers 408 for a request it could not
 * finish in time (docs/providers/cos.md, "Errors"). The activities' start-to-close must be longer.
 */
export const COS_REQUEST_TIMEOUT_MS = 30_000;

export function createCosHttp(options: {
  /** Relative request URLs resolve against it; undefined for the token provider's own transport. */
  baseUrl?: string;
  requestTimeoutMs?: number;
  logger?: CosLogger;
  clock?: Clock;
}): CosHttp {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.requestTimeoutMs ?? COS_REQUEST_TIMEOUT_MS;
  const base =
    options.baseUrl === undefined
      ? undefined
      : options.baseUrl.endsWith('/')
        ? options.baseUrl
        : `${options.baseUrl}/`;
  const client = got.extend({
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { accept: 'application/json' },
  });

  return {
    timeoutMs,
    async send(request) {
      const started = clock.now();
      // Relative paths join the base URL's own path (https://host/api/ + core/v1/… → /api/core/v1/…).
      const url = base === undefined ? new URL(request.url) : new URL(request.url, base);
      const headers: Record<string, string> = {};
      if (request.bearerToken !== undefined) headers.authorization = `Bearer ${request.bearerToken}`;
      // COS documents the name as `idempotency-Key`; header names are case-insensitive (got sends them in
      // lower case), so only the value matters.
      if (request.idempotencyKey !== undefined) headers['idempotency-Key'] = request.idempotencyKey;
      if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
      const line = {
        operation: request.operation,
        method: request.method,
        route: request.route,
        ...(request.idempotencyKey !== undefined && { idempotencyKey: request.idempotencyKey }),
      };
      try {
        const response = await client(url, {
          method: request.method,
          headers,
          ...(request.body !== undefined && { body: request.body }),
        });
        const replayed = response.headers['original-request-id'] !== undefined;
        const done = {
          ...line,
          status: response.statusCode,
          durationMs: clock.now() - started,
          ...(replayed && { replayed }),
        };
        if (response.statusCode >= 400) logger.warn('cos request failed', done);
        else logger.debug?.('cos request', done);
        return {
          status: response.statusCode,
          headers: response.headers,
          body: parseJsonBody(response.body),
        };
      } catch (error) {
        const mapped =
          error instanceof CosError ? error : errorFromTransport(request.operation, error, timeoutMs);
        logger.warn('cos request failed', { ...line, error: mapped.kind, durationMs: clock.now() - started });
        throw mapped;
      }
    },
  };
}
