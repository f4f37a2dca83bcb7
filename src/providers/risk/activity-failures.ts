import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FailureLogger } from '../common/logger';
import { callWithHeartbeat, countInActivity, maxRetryDelayMs } from '../common/provider-call';
import { RiskApiError, TOO_EARLY_MIN_DELAY_MS } from './errors';

/**
 * The one place a risk API failure becomes a Temporal failure. Everything the client throws is retryable
 * (src/providers/risk/errors.ts); what can never become a score was already answered as `unscored`. The
 * API's wait hint becomes `nextRetryDelay`, capped by the activity's retry policy, except after a 425: the
 * API refuses a second check of one customer within 1 s, so that wait is at least 1 s whatever the cap.
 */

/** Every risk call refused for the key, a permission or the account (401, 402, 403), labelled `status`. */
export const RISK_CREDENTIALS_REFUSED_METRIC = 'kyc_risk_credentials_refused';

/** The share added as random jitter to a 425's wait, so a retry does not land on another one's heels. */
const TOO_EARLY_JITTER_SHARE = 0.25;

export interface FailureOptions {
  maxRetryDelayMs: number;
  random?: () => number;
}

/** The wait before the next attempt, when the API gave one or the status demands one. */
export function nextRetryDelayMs(err: RiskApiError, options: FailureOptions): number | undefined {
  const hint = err.details.retryAfterMs;
  if (err.kind === 'RiskTooEarly') {
    const base = Math.max(hint ?? 0, TOO_EARLY_MIN_DELAY_MS);
    const jittered = base * (1 + TOO_EARLY_JITTER_SHARE * (options.random ?? Math.random)());
    return Math.round(Math.max(Math.min(jittered, options.maxRetryDelayMs), TOO_EARLY_MIN_DELAY_MS));
  }
  return hint === undefined ? undefined : Math.min(hint, options.maxRetryDelayMs);
}

export function toActivityFailure(err: unknown, options: FailureOptions): unknown {
  if (!(err instanceof RiskApiError)) return err;
  const delay = nextRetryDelayMs(err, options);
  const { status, credentials } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: false,
    ...(delay !== undefined && { nextRetryDelay: delay }),
    details: [
      {
        operation: 'checkCustomerRisk',
        ...(status !== undefined && { status }),
        ...(credentials === true && { credentials }),
      },
    ],
  });
}

/**
 * A refused key or account holds every onboarding's risk step until an operator acts (and, past
 * RISK_CHECK_TIMEOUT, sends them all to the enhanced route): a counter an alert can watch, and one warn line
 * naming the status only.
 */
function report(err: RiskApiError, logger: FailureLogger): void {
  if (err.details.credentials !== true) return;
  const status = err.details.status;
  countInActivity(
    RISK_CREDENTIALS_REFUSED_METRIC,
    'requests',
    'Risk API calls refused for the API key, a permission or the account; retried until fixed',
    { ...(status !== undefined && { status }) },
  );
  logger.warn('ALERT: the risk API refused the credentials; retrying until they are fixed (RISK_API_KEY)', {
    ...(status !== undefined && { status }),
    kind: err.kind,
  });
}

/**
 * Runs the risk call inside an activity attempt (heartbeating while it runs:
 * src/providers/common/provider-call.ts) and maps its failure.
 */
export function callRisk<T>(
  call: () => Promise<T>,
  options: { logger?: FailureLogger; random?: () => number } = {},
): Promise<T> {
  return callWithHeartbeat(call, (err) => {
    if (err instanceof RiskApiError) report(err, options.logger ?? Context.current().log);
    return toActivityFailure(err, {
      maxRetryDelayMs: maxRetryDelayMs(),
      ...(options.random !== undefined && { random: options.random }),
    });
  });
}
