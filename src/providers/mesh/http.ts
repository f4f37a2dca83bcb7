import type { IncomingHttpHeaders } from 'node:http';
import got, { type Got, type Method } from 'got';
import { parseJsonBody } from '../common/http-status';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import { errorFromTransport } from './errors';
import { MeshError } from './api';

/**
 * The transport every Mesh call goes through: got 11 (CommonJS, like the rest of the project), JSON in,
 * JSON out, no retries (Temporal owns them, so a call is never retried twice over), a request timeout,
 * and one log line per request with method, route template, status and duration only.
 */

/** Compatible with Temporal's activity/runtime `Logger` (message first); pino needs a thin adapter. */
export type MeshLogger = ProviderLogger;
export { silentLogger, systemClock, type Clock } from '../common/logger';

export interface MeshHttpRequest {
  /** The MeshApi method or token call, e.g. `createAndScreen`; used in errors and logs. */
  operation: string;
  method: Method;
  /** Path template for logs, e.g. `/v2/customers/{customer_identifier}`: never values that may be personal data. */
  route: string;
  /** Relative to MESH_BASE_URL, without a leading slash, already URL-encoded. */
  path: string;
  searchParams?: Record<string, string | number>;
  json?: Record<string, unknown>;
  bearerToken?: string;
}

export interface MeshHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
  /** Set when Mesh redirected outside MESH_BASE_URL; not followed, so the bearer token stays with Mesh. */
  redirectedOutside?: string;
}

export interface MeshHttp {
  send(request: MeshHttpRequest): Promise<MeshHttpResponse>;
  readonly timeoutMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export function createMeshHttp(options: {
  baseUrl: string;
  requestTimeoutMs: number;
  logger?: MeshLogger;
  clock?: Clock;
}): MeshHttp {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const prefixUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const client: Got = got.extend({
    prefixUrl,
    retry: { limit: 0 },
    timeout: { request: options.requestTimeoutMs },
    throwHttpErrors: false,
    // Followed by hand below: got 11 keeps Authorization on same-host redirects but would follow any
    // Location; we follow only within MESH_BASE_URL (the 308 of /v2/customers/external/{id}).
    followRedirect: false,
    responseType: 'text',
    headers: { accept: 'application/json, application/problem+json' },
  });

  async function once(request: MeshHttpRequest, path: string, method: Method, withQuery: boolean) {
    const started = clock.now();
    const headers: Record<string, string> = {};
    if (request.bearerToken !== undefined) headers.authorization = `Bearer ${request.bearerToken}`;
    try {
      const response = await client(path, {
        method,
        headers,
        ...(withQuery && request.searchParams !== undefined && { searchParams: request.searchParams }),
        ...(request.json !== undefined && method !== 'GET' && { json: request.json }),
      });
      const durationMs = clock.now() - started;
      const line = {
        operation: request.operation,
        method,
        route: request.route,
        status: response.statusCode,
        durationMs,
      };
      if (response.statusCode >= 400) logger.warn('mesh request failed', line);
      else logger.debug?.('mesh request', line);
      return response;
    } catch (error) {
      const mapped =
        error instanceof MeshError
          ? error
          : errorFromTransport(request.operation, error, options.requestTimeoutMs);
      logger.warn('mesh request failed', {
        operation: request.operation,
        method,
        route: request.route,
        error: mapped.kind,
        durationMs: clock.now() - started,
      });
      throw mapped;
    }
  }

  return {
    timeoutMs: options.requestTimeoutMs,
    async send(request) {
      let path = request.path;
      let method = request.method;
      let response = await once(request, path, method, true);
      for (let hop = 0; REDIRECTS.has(response.statusCode) && response.headers.location; hop++) {
        const target = new URL(response.headers.location, new URL(path, prefixUrl));
        if (hop >= MAX_REDIRECTS || !target.href.startsWith(prefixUrl)) {
          return {
            status: response.statusCode,
            headers: response.headers,
            body: undefined,
            redirectedOutside: target.host,
          };
        }
        path = target.href.slice(prefixUrl.length);
        if (
          response.statusCode === 303 ||
          ((response.statusCode === 301 || response.statusCode === 302) && method !== 'GET')
        )
          method = 'GET';
        response = await once({ ...request, route: `${request.route} (redirected)` }, path, method, false);
      }
      return { status: response.statusCode, headers: response.headers, body: parseJsonBody(response.body) };
    },
  };
}
