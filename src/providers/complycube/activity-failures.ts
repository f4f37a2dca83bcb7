import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FailureLogger } from '../common/logger';
import { callWithHeartbeat, countInActivity, maxRetryDelayMs } from '../common/provider-call';
import { ComplyCubeError } from './api';

/**
 * The one place a ComplyCube failure becomes a Temporal failure. The client already classified it
 * (src/providers/complycube/errors.ts): refusals of our request or the customer's data end the activity at
 * once, with the error kind as the failure type; everything else (429, 5xx, timeouts, network, a check
 * still pending, refused credentials, an unpaid account) is retried by Temporal. A 429 waits
 * COMPLYCUBE_RETRY_BACKOFF plus jitter (ComplyCube sends no wait hint), never longer than the activity's
 * retry policy allows.
 */

/** Every ComplyCube call refused for the key (401) or a permission (403), labelled `operation` and `status`. */
export const CREDENTIALS_REFUSED_METRIC = 'kyc_complycube_credentials_refused';
/** Every ComplyCube call refused for payment (402), labelled `operation`. */
export const PAYMENT_REQUIRED_METRIC = 'kyc_complycube_payment_required';
/**
 * Every 429, labelled `operation`. The task queue's rate limit should keep them rare; a run of them on
 * `createCheck` alone is the monthly check quota, which no back-off clears (docs/providers/complycube.md,
 * "Rate limits and quota").
 */
export const RATE_LIMITED_METRIC = 'kyc_complycube_rate_limited';

/** The share of the back-off added as random jitter, so retries of many runs do not arrive together. */
const JITTER_SHARE = 0.25;

/**
 * The wait before the next attempt: `baseMs` plus up to a quarter more, at random; never longer than
 * `maxMs` (the retry policy's maximum interval), and when that cap bites, still spread below it.
 */
export function jitteredDelayMs(baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const high = Math.min(baseMs * (1 + JITTER_SHARE), maxMs);
  const low = Math.min(baseMs, high * (1 - JITTER_SHARE / (1 + JITTER_SHARE)));
  return Math.round(low + random() * (high - low));
}

export interface FailureOptions {
  maxRetryDelayMs: number;
  random?: () => number;
}

export function toActivityFailure(err: unknown, options: FailureOptions): unknown {
  if (!(err instanceof ComplyCubeError)) return err;
  const { status, operation, retryAfterMs, credentials, payment, errorType, param } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: !err.retryable,
    ...(retryAfterMs !== undefined && {
      nextRetryDelay: jitteredDelayMs(retryAfterMs, options.maxRetryDelayMs, options.random),
    }),
    details: [
      {
        operation,
        ...(status !== undefined && { status }),
        ...(errorType !== undefined && { errorType }),
        ...(param !== undefined && { param }),
        ...(credentials === true && { credentials }),
        ...(payment === true && { payment }),
      },
    ],
  });
}

/**
 * A refused key or an unpaid account pauses every onboarding until an operator acts: a counter an alert
 * can watch, and one warn line naming the call only (never a message). A 429 is only counted.
 */
function report(err: ComplyCubeError, logger: FailureLogger): void {
  const { operation, status } = err.details;
  const tags = { operation, ...(status !== undefined && { status }) };
  if (err.details.credentials === true) {
    countInActivity(
      CREDENTIALS_REFUSED_METRIC,
      'requests',
      'ComplyCube calls refused for the API key or a permission; the activity retries until they are fixed',
      tags,
    );
    logger.warn('complycube refused the credentials; retrying until they are fixed', {
      ...tags,
      kind: err.kind,
    });
  } else if (err.details.payment === true) {
    countInActivity(
      PAYMENT_REQUIRED_METRIC,
      'requests',
      'ComplyCube calls refused for payment (402); the activity retries until the account is topped up',
      tags,
    );
    logger.warn('complycube asks for payment; retrying until the account is topped up', {
      ...tags,
      kind: err.kind,
    });
  } else if (err.kind === 'ComplyCubeRateLimited') {
    countInActivity(
      RATE_LIMITED_METRIC,
      'requests',
      'ComplyCube calls answered 429 (rate or monthly quota)',
      {
        operation,
      },
    );
  }
}

/**
 * Runs one ComplyCube call inside an activity attempt (heartbeating while it runs, ending it when the
 * attempt must stop: src/providers/common/provider-call.ts) and maps its failure.
 */
export function callComplyCube<T>(
  call: () => Promise<T>,
  options: { logger?: FailureLogger; random?: () => number } = {},
): Promise<T> {
  return callWithHeartbeat(call, (err) => {
    if (err instanceof ComplyCubeError) report(err, options.logger ?? Context.current().log);
    return toActivityFailure(err, {
      maxRetryDelayMs: maxRetryDelayMs(),
      ...(options.random !== undefined && { random: options.random }),
    });
  });
}

/** A refusal raised by the activity itself (no request sent), ending it like a classified one. */
export function finalFailure(
  kind: ComplyCubeError['kind'],
  message: string,
  operation: string,
): ApplicationFailure {
  return ApplicationFailure.create({ message, type: kind, nonRetryable: true, details: [{ operation }] });
}
