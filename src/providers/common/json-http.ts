import type { IncomingHttpHeaders } from 'node:http';
import got, { type Got, type Method } from 'got';
import { parseJsonBody } from './http-status';
import type { Clock, ProviderLogger } from './logger';

/**
 * The JSON transport the API-key providers share (ComplyAdvantage classic, ComplyCube): got 11, JSON in and
 * out, no retries (Temporal owns them, so a call is never repeated twice over), a request timeout, no
 * redirects followed (the key must not travel elsewhere), and one log line per request with the operation,
 * method, route template, status, duration, and on failure only what the provider's envelope may show.
 */

export interface ProviderHttpRequest {
  /** The provider API's method, e.g. `createSearch`; used in errors and logs. */
  operation: string;
  method: Method;
  /** Path template for logs, e.g. `/searches/{id}`: never values that may be personal data. */
  route: string;
  /** Relative to the provider's base URL, without a leading slash, already URL-encoded. */
  path: string;
  searchParams?: Record<string, string | number>;
  json?: Record<string, unknown>;
}

export interface ProviderHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

export interface ProviderHttp {
  send(request: ProviderHttpRequest): Promise<ProviderHttpResponse>;
  readonly timeoutMs: number;
}

/** got as the providers call it: relative to `baseUrl`, no retries, `timeoutMs`, no redirects, HTTP errors as statuses. */
export function jsonGot(baseUrl: string, timeoutMs: number): Got {
  return got.extend({
    prefixUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { accept: 'application/json' },
  });
}

export function createProviderHttp<E extends Error & { kind: string }>(options: {
  /** The log messages' `<name> request` and `<name> request failed`. */
  name: string;
  baseUrl: string;
  timeoutMs: number;
  /** The `Authorization` header, revealed at each request only. */
  authorization: () => string;
  logger: ProviderLogger;
  clock: Clock;
  /** For a failed status, what of its body the warning may carry; undefined for a success. */
  failureFields: (status: number, body: unknown) => Record<string, unknown> | undefined;
  /** The provider's own error class: an error of it passes as it is. */
  isProviderError: (error: unknown) => error is E;
  /** A transport failure (timeout, connection) as the provider's error. */
  fromTransport: (operation: string, error: unknown, timeoutMs: number) => E;
}): ProviderHttp {
  const { name, timeoutMs, logger, clock } = options;
  const client = jsonGot(options.baseUrl, timeoutMs);

  return {
    timeoutMs,
    async send(request) {
      const started = clock.now();
      try {
        const response = await client(request.path, {
          method: request.method,
          headers: { authorization: options.authorization() },
          ...(request.searchParams !== undefined && { searchParams: request.searchParams }),
          ...(request.json !== undefined && request.method !== 'GET' && { json: request.json }),
        });
        const body = parseJsonBody(response.body);
        const line = {
          operation: request.operation,
          method: request.method,
          route: request.route,
          status: response.statusCode,
          durationMs: clock.now() - started,
        };
        const failure = options.failureFields(response.statusCode, body);
        if (failure !== undefined) {
          logger.warn(`${name} request failed`, { ...line, ...failure });
        } else {
          logger.debug?.(`${name} request`, line);
        }
        return { status: response.statusCode, headers: response.headers, body };
      } catch (error) {
        const mapped = options.isProviderError(error)
          ? error
          : options.fromTransport(request.operation, error, timeoutMs);
        logger.warn(`${name} request failed`, {
          operation: request.operation,
          method: request.method,
          route: request.route,
          error: mapped.kind,
          durationMs: clock.now() - started,
        });
        throw mapped;
      }
    },
  };
}
