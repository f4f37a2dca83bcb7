import type { IncomingHttpHeaders } from 'node:http';
import got, { type Got, type Method } from 'got';
import { parseJsonBody } from '../common/http-status';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import type { Secret } from '../../platform/config/secret';
import { CaClassicError } from './api';
import { errorFromTransport, failureCodeOf } from './errors';

/**
 * The transport every classic call goes through (docs/providers/ca-classic.md, "Authentication"): got 11,
 * JSON in and out, the key only as `Authorization: Token <key>` (the API also takes `api_key` in the query
 * string, which ends up in access logs: never used), no retries (Temporal owns them), a request timeout,
 * no redirects followed (the key must not travel elsewhere), and one log line per request with the
 * operation, method, route template, status, duration, and on failure the envelope's numeric `code` only.
 */

export interface CaClassicHttpRequest {
  /** The CaClassicApi method, e.g. `createSearch`; used in errors and logs. */
  operation: string;
  method: Method;
  /** Path template for logs, e.g. `/searches/{id}`: never values that may be personal data. */
  route: string;
  /** Relative to CA_CLASSIC_BASE_URL, without a leading slash, already URL-encoded. */
  path: string;
  searchParams?: Record<string, string | number>;
  json?: Record<string, unknown>;
}

export interface CaClassicHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

export interface CaClassicHttp {
  send(request: CaClassicHttpRequest): Promise<CaClassicHttpResponse>;
  readonly timeoutMs: number;
}

/** The reference documents no timeout; 10 s, like the other providers, within the activities' 30 s. */
export const CA_CLASSIC_REQUEST_TIMEOUT_MS = 10_000;

export function createCaClassicHttp(options: {
  baseUrl: string;
  apiKey: Secret;
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}): CaClassicHttp {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.requestTimeoutMs ?? CA_CLASSIC_REQUEST_TIMEOUT_MS;
  const prefixUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const client: Got = got.extend({
    prefixUrl,
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
      try {
        const response = await client(request.path, {
          method: request.method,
          headers: { authorization: `Token ${options.apiKey.reveal()}` },
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
        if (response.statusCode !== 200) {
          const code = failureCodeOf(body);
          logger.warn('ca-classic request failed', { ...line, ...(code !== undefined && { code }) });
        } else {
          logger.debug?.('ca-classic request', line);
        }
        return { status: response.statusCode, headers: response.headers, body };
      } catch (error) {
        const mapped =
          error instanceof CaClassicError ? error : errorFromTransport(request.operation, error, timeoutMs);
        logger.warn('ca-classic request failed', {
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
