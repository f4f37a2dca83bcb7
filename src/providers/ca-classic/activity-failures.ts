import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FailureLogger } from '../common/logger';
import { callWithHeartbeat, countInActivity, maxRetryDelayMs } from '../common/provider-call';
import { CaClassicError, type CaClassicErrorKind } from './api';

/**
 * The one place a ComplyAdvantage classic failure becomes a Temporal failure. The client already
 * classified it (src/providers/ca-classic/errors.ts): refusals of our request end the activity at once,
 * with the error kind as the failure type (`CaClassicNotFound` for a 404, so callers can tell); everything
 * else (429, 5xx, timeouts, network, refused credentials) is retried by Temporal, after the provider's
 * `Retry-After` when it sent one, never longer than the activity's retry policy allows.
 */

/** Every classic call refused for the key (401) or a permission (403), labelled `operation` and `status`. */
export const CREDENTIALS_REFUSED_METRIC = 'kyc_ca_classic_credentials_refused';
/** Every 429, labelled `operation`: the task queue's rate limit (CA_CLASSIC_RATE_LIMIT_PER_MINUTE) should keep them rare. */
export const RATE_LIMITED_METRIC = 'kyc_ca_classic_rate_limited';

export function toActivityFailure(err: unknown, options: { maxRetryDelayMs: number }): unknown {
  if (!(err instanceof CaClassicError)) return err;
  const { status, operation, retryAfterMs, credentials, code } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: !err.retryable,
    ...(err.retryable &&
      retryAfterMs !== undefined && {
        nextRetryDelay: Math.max(1, Math.min(retryAfterMs, options.maxRetryDelayMs)),
      }),
    details: [
      {
        operation,
        ...(status !== undefined && { status }),
        ...(code !== undefined && { code }),
        ...(credentials === true && { credentials }),
      },
    ],
  });
}

/**
 * A refused key pauses every onboarding on this account until an operator acts: a counter an alert can
 * watch, and one warn line naming the call only (never a message). A 429 is only counted.
 */
function report(err: CaClassicError, logger: FailureLogger): void {
  const { operation, status } = err.details;
  const tags = { operation, ...(status !== undefined && { status }) };
  if (err.details.credentials === true) {
    countInActivity(
      CREDENTIALS_REFUSED_METRIC,
      'requests',
      'ComplyAdvantage classic calls refused for the API key or a permission; the activity retries until they are fixed',
      tags,
    );
    logger.warn('ca-classic refused the credentials; retrying until CA_CLASSIC_API_KEY is fixed', {
      ...tags,
      kind: err.kind,
    });
  } else if (err.kind === 'CaClassicRateLimited') {
    countInActivity(RATE_LIMITED_METRIC, 'requests', 'ComplyAdvantage classic calls answered 429', {
      operation,
    });
  }
}

/**
 * Runs one classic call inside an activity attempt (heartbeating while it runs, ending it when the
 * attempt must stop: src/providers/common/provider-call.ts) and maps its failure.
 */
export function callCaClassic<T>(
  call: () => Promise<T>,
  options: { logger?: FailureLogger } = {},
): Promise<T> {
  return callWithHeartbeat(call, (err) => {
    if (err instanceof CaClassicError) report(err, options.logger ?? Context.current().log);
    return toActivityFailure(err, { maxRetryDelayMs: maxRetryDelayMs() });
  });
}

/** A refusal raised by the activity itself (no request sent, or nothing usable found), ending it like a classified one. */
export function finalFailure(
  kind: CaClassicErrorKind,
  message: string,
  operation: string,
): ApplicationFailure {
  return ApplicationFailure.create({ message, type: kind, nonRetryable: true, details: [{ operation }] });
}
