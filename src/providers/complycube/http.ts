import { createProviderHttp, type ProviderHttpRequest } from '../common/json-http';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import type { Secret } from '../../platform/config/secret';
import { ComplyCubeError } from './api';
import { errorFieldsOf, errorFromTransport } from './errors';

/**
 * The transport every ComplyCube call goes through (docs/providers/complycube.md, "Authentication"): the
 * shared JSON transport (src/providers/common/json-http.ts: no retries, so a call is never repeated twice
 * over, a request timeout, no redirects followed: none are documented, and the key must not travel
 * elsewhere), the bare API key as `Authorization` (no `Bearer`), and on failure ComplyCube's error `type`
 * and `param` only in the log line.
 */

/** `operation` is the ComplyCubeApi method, e.g. `createClient`; `path` relative to COMPLYCUBE_BASE_URL. */
export type ComplyCubeHttpRequest = ProviderHttpRequest;

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
  return createProviderHttp({
    name: 'complycube',
    baseUrl: options.baseUrl,
    timeoutMs: options.requestTimeoutMs ?? COMPLYCUBE_REQUEST_TIMEOUT_MS,
    authorization: () => options.apiKey.reveal(),
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
    failureFields: (status, body) => (status >= 400 ? errorFieldsOf(body) : undefined),
    isProviderError: (error) => error instanceof ComplyCubeError,
    fromTransport: errorFromTransport,
  });
}
