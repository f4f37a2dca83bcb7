import type { IncomingHttpHeaders } from 'node:http';
import type { RiskUnscored } from '../../contracts/risk';
import { headerValue, retryAfterHeaderMs, statusLine, transportFailure } from '../common/http-status';

/**
 * Every answer of the customer-checks API that is not a score is classified here, once
 * (docs/providers/risk.md, "Errors and retries"). The status decides, never the body, which may echo the
 * customer's data and so never reaches a failure or a log line.
 *
 * - Retried (thrown as a RiskApiError, retried by Temporal until the run's RISK_CHECK_TIMEOUT): no answer
 *   (network, timeout), 5xx, 429 (Retry-After honoured), 425 Too Early (two checks of one customer less
 *   than 1 s apart: the next attempt waits at least 1 s), 408, 409, and refused credentials or account
 *   (401, 402, 403), which an operator fixes without failing the onboardings.
 * - No score (`unscored`, the run goes on fail-closed): a refusal of our request or of the customer's data
 *   (400, 404, 422 and every other 4xx), a redirect (not followed: the key stays where it was sent) or
 *   another status no retry can change.
 */

export type RiskErrorKind =
  | 'RiskNetwork'
  | 'RiskTimeout'
  | 'RiskServerError'
  | 'RiskRateLimited'
  | 'RiskTooEarly'
  | 'RiskRequestTimeout'
  | 'RiskConflict'
  | 'RiskUnauthorized'
  | 'RiskPaymentRequired'
  | 'RiskForbidden';

export interface RiskErrorDetails {
  status?: number;
  /** The API's wait hint (Retry-After), in ms. */
  retryAfterMs?: number;
  /** Refused for the key, a permission or the account: an operator must act. */
  credentials?: boolean;
}

/** A failure that a later attempt may not repeat: every RiskApiError is retryable. */
export class RiskApiError extends Error {
  constructor(
    readonly kind: RiskErrorKind,
    message: string,
    readonly details: RiskErrorDetails = {},
  ) {
    super(message);
    this.name = 'RiskApiError';
  }
}

/** The least wait after a 425: the API refuses a second check of one customer within 1 s. */
export const TOO_EARLY_MIN_DELAY_MS = 1_000;

const RETRIED: Record<number, { kind: RiskErrorKind; credentials?: boolean; hint?: string }> = {
  401: { kind: 'RiskUnauthorized', credentials: true, hint: '; check RISK_API_KEY' },
  402: { kind: 'RiskPaymentRequired', credentials: true, hint: '; the account needs attention' },
  403: { kind: 'RiskForbidden', credentials: true, hint: '; check RISK_API_KEY and its permissions' },
  408: { kind: 'RiskRequestTimeout' },
  409: { kind: 'RiskConflict' },
  425: { kind: 'RiskTooEarly', hint: '; another check of this customer ran less than 1 s ago' },
  429: { kind: 'RiskRateLimited' },
};

/**
 * A non-2xx answer (or a 202): a RiskApiError to throw when a retry may help, else the `unscored` result.
 */
export function classifyStatus(
  status: number,
  headers: IncomingHttpHeaders,
  nowMs: number,
): RiskApiError | RiskUnscored {
  if (status === 202) return { kind: 'unscored', reason: '202 accepted without a score' };
  const line = statusLine(status);
  const wait = retryAfterHeaderMs(headerValue(headers, 'retry-after'), nowMs);
  const retried = RETRIED[status];
  if (retried !== undefined || (status >= 500 && status <= 599)) {
    const kind = retried?.kind ?? 'RiskServerError';
    const retryAfter = status === 425 ? Math.max(wait ?? 0, TOO_EARLY_MIN_DELAY_MS) : wait;
    return new RiskApiError(kind, `risk API check failed: ${line}${retried?.hint ?? ''}`, {
      status,
      ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
      ...(retried?.credentials === true && { credentials: true }),
    });
  }
  if (status >= 400 && status <= 499) {
    return { kind: 'unscored', reason: `the risk API refused the request: ${line}` };
  }
  return { kind: 'unscored', reason: `the risk API answered an unexpected status ${line}` };
}

/** A request that got no answer: timeout or a broken connection, both retried. */
export function errorFromTransport(error: unknown, timeoutMs: number): RiskApiError {
  const { timeout, message } = transportFailure('risk API', 'check', error, timeoutMs);
  return new RiskApiError(timeout ? 'RiskTimeout' : 'RiskNetwork', message);
}
