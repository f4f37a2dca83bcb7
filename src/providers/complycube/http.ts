import got, { type Got, type Method } from 'got';
import { parseJsonBody } from '../common/http-status';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import type { Secret } from '../../platform/config/secret';
import { ComplyCubeError } from './api';
import { errorFieldsOf, errorFromTransport } from './errors';

/**
 * The transport every ComplyCube call goes through (docs/providers/complycube.md, "Authentication"): got
 * 11, JSON in and out, the bare API key as `Authorization` (no `Bearer`), no retries (Temporal owns them,
 * so a call is never repeated twice over), a request timeout, no redirects followed (none are documented,
 * and the key must not travel elsewhere), and one log line per request with the operation, method, route
 * template, status, duration, and on failure ComplyCube's error `type` and `param` only.
 */

export interface ComplyCubeHttpRequest {
  /** The ComplyCubeApi method, e.g. `createClient`; used in errors and logs. */
  operation: string;
  method: Method;
  /** Path template for logs, e.g. `/clients/{id}`: never values that may be personal data. */
  route: string;
  /** Relative to COMPLYCUBE_BASE_URL, without a leading slash, already URL-encoded. */
  path: string;
  searchParams?: Record<string, string | number>;
  json?: Record<string, unknown>;
}

export interface ComplyCubeHttpResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

export interface ComplyCubeHttp {
  send(request: ComplyCubeHttpRequest): Promise<ComplyCubeHttpResponse>;
  readonly timeoutMs: number;
}

/** ComplyCube documents no timeout of its own; 10 s, like the Mesh client, within the activities' 30 s. */
export const COMPLYCUBE_REQUEST_TIMEOUT_MS = 10_000;

export function createComplyCubeHttp(options: {
  baseUrl: string;
  apiKey: Secret;
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}): ComplyCubeHttp {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.requestTimeoutMs ?? COMPLYCUBE_REQUEST_TIMEOUT_MS;
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
          headers: { authorization: options.apiKey.reveal() },
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
        if (response.statusCode >= 400) {
          logger.warn('complycube request failed', { ...line, ...errorFieldsOf(body) });
        } else {
          logger.debug?.('complycube request', line);
        }
        return { status: response.statusCode, body };
      } catch (error) {
        const mapped =
          error instanceof ComplyCubeError ? error : errorFromTransport(request.operation, error, timeoutMs);
        logger.warn('complycube request failed', {
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
