import type { RiskCheckResult } from '../../contracts/risk';
import { parseJsonBody } from '../common/http-status';
import { jsonGot } from '../common/json-http';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import { requireRiskApi, type RiskConfig } from './config';
import { classifyStatus, errorFromTransport, RiskApiError } from './errors';
import type { RiskCheckRequest } from './request-body';
import { parseRiskAnswer } from './response';

/**
 * The customer-checks API client (docs/providers/risk.md): one method, one HTTP call. got 11, JSON in and
 * out, the key as the `api-key` header, no retries (Temporal owns them), a request timeout, no redirects
 * followed (the key must not travel elsewhere), and one log line per request with the route, status and
 * duration only: never the body, which holds the customer's data, nor the key.
 */
export interface RiskApi {
  /**
   * `POST /v2/customer-checks/check`: a score, or `unscored` when no retry can give one (202, a refusal,
   * an unreadable answer). Throws a RiskApiError when a retry may help.
   */
  checkCustomer(body: RiskCheckRequest): Promise<RiskCheckResult>;
}

/** The path of the check, relative to RISK_API_BASE_URL. */
export const RISK_CHECK_PATH = 'v2/customer-checks/check';

/** The reference names no timeout; 10 s, like the other providers' clients. */
export const RISK_REQUEST_TIMEOUT_MS = 10_000;

export interface RiskClientOptions {
  config: Pick<RiskConfig, 'baseUrl' | 'apiKey'>;
  /** Per HTTP request; 10 s by default (RISK_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}

/** Create it once per process; a ConfigError naming the variable when the base URL or key is unset. */
export function createRiskClient(options: RiskClientOptions): RiskApi {
  const { baseUrl, apiKey } = requireRiskApi(options.config);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.requestTimeoutMs ?? RISK_REQUEST_TIMEOUT_MS;
  const client = jsonGot(baseUrl, timeoutMs);
  const route = `/${RISK_CHECK_PATH}`;

  return {
    async checkCustomer(body) {
      const started = clock.now();
      let response;
      try {
        response = await client.post(RISK_CHECK_PATH, {
          headers: { 'api-key': apiKey.reveal() },
          json: body,
        });
      } catch (error) {
        const mapped = errorFromTransport(error, timeoutMs);
        logger.warn('risk request failed', { route, error: mapped.kind, durationMs: clock.now() - started });
        throw mapped;
      }
      const status = response.statusCode;
      const line = { route, status, durationMs: clock.now() - started };
      if (status >= 200 && status <= 299 && status !== 202) {
        const result = parseRiskAnswer(status, parseJsonBody(response.body));
        if (result.kind === 'unscored')
          logger.warn('risk answer unreadable', { ...line, reason: result.reason });
        else logger.debug?.('risk request', line);
        return result;
      }
      const classified = classifyStatus(status, response.headers, clock.now());
      if (classified instanceof RiskApiError) {
        logger.warn('risk request failed', { ...line, error: classified.kind });
        throw classified;
      }
      logger.warn('risk request not scored', { ...line, reason: classified.reason });
      return classified;
    },
  };
}

export { RiskApiError };
