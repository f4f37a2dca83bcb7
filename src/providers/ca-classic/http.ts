import {
  createProviderHttp,
  type ProviderHttp,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from '../common/json-http';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import type { Secret } from '../../platform/config/secret';
import { CaClassicError } from './api';
import { errorFromTransport, failureCodeOf } from './errors';

/**
 * The transport every classic call goes through (docs/providers/ca-classic.md, "Authentication"): the
 * shared JSON transport (src/providers/common/json-http.ts: no retries, a request timeout, no redirects
 * followed, one log line per request), the key only as `Authorization: Token <key>` (the API also takes
 * `api_key` in the query string, which ends up in access logs: never used), and on failure the envelope's
 * numeric `code` only in the log line.
 */

/** `operation` is the CaClassicApi method, e.g. `createSearch`; `path` relative to CA_CLASSIC_BASE_URL. */
export type CaClassicHttpRequest = ProviderHttpRequest;
export type CaClassicHttpResponse = ProviderHttpResponse;
export type CaClassicHttp = ProviderHttp;

/** The reference documents no timeout; 10 s, like the other providers, within the activities' 30 s. */
export const CA_CLASSIC_REQUEST_TIMEOUT_MS = 10_000;

export function createCaClassicHttp(options: {
  baseUrl: string;
  apiKey: Secret;
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}): CaClassicHttp {
  return createProviderHttp({
    name: 'ca-classic',
    baseUrl: options.baseUrl,
    timeoutMs: options.requestTimeoutMs ?? CA_CLASSIC_REQUEST_TIMEOUT_MS,
    authorization: () => `Token ${options.apiKey.reveal()}`,
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
    failureFields: (status, body) => {
      if (status === 200) return undefined;
      const code = failureCodeOf(body);
      return code === undefined ? {} : { code };
    },
    isProviderError: (error) => error instanceof CaClassicError,
    fromTransport: errorFromTransport,
  });
}
