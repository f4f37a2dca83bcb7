import { ApplicationFailure, Context } from '@temporalio/activity';
import { CORE_REQUEST_REFUSED } from '../../contracts/core-banking';
import { callWithHeartbeat, countInActivity, maxRetryDelayMs } from '../common/provider-call';
import { CosError } from './errors';
import { alert, type CosLogger } from './http';

/**
 * The one place a COS failure becomes a Temporal failure. The client already classified it
 * (src/providers/cos/errors.ts): a refusal of the request (400, 404, 422) ends the activity at once as a
 * non-retryable `CoreRequestRefused`; everything else is retried by Temporal with the same key and body,
 * no sooner than COS's `Retry-After` and no later than the activity's retry policy allows.
 */

/** Every COS call refused for the credentials (a refused token request, a 401 after a new token) or a scope (403). */
export const COS_CREDENTIALS_REFUSED_METRIC = 'kyc_cos_credentials_refused';
/** Every 429 from COS, labelled `operation`: the rate plan (COS_RATE_LIMIT_PER_SECOND) may be too high. */
export const COS_RATE_LIMITED_METRIC = 'kyc_cos_rate_limited';

export function toActivityFailure(err: unknown, maxDelayMs: number): unknown {
  if (!(err instanceof CosError)) return err;
  const { status, operation, retryAfterMs, credentials, fields } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: !err.retryable,
    // A gateway asking for an hour must not park the run past what its retry policy accepted.
    ...(err.retryable &&
      retryAfterMs !== undefined && { nextRetryDelay: Math.min(retryAfterMs, maxDelayMs) }),
    details: [
      {
        operation,
        ...(status !== undefined && { status }),
        ...(fields !== undefined && { fields }),
        ...(credentials === true && { credentials }),
      },
    ],
  });
}

/**
 * Refused credentials or a missing scope pause every core-banking step until an operator acts: a counter
 * an alert can watch and one error line naming the call and what to check. The token provider already
 * logged a refused token request with the variables to check; here it is only counted.
 */
function report(err: CosError, logger: CosLogger): void {
  const { operation, status } = err.details;
  const tags = { operation, ...(status !== undefined && { status }) };
  if (err.details.credentials === true) {
    countInActivity(
      COS_CREDENTIALS_REFUSED_METRIC,
      'requests',
      'COS calls refused for the credentials or a scope; the activity retries until they are fixed',
      tags,
    );
    if (err.kind === 'CosForbidden') {
      alert(logger, 'cos refused the call: the token lacks a scope it needs; retrying until it is fixed', {
        ...tags,
        check: 'COS_SCOPE and the permissions of COS_CLIENT_ID',
      });
    } else if (err.kind === 'CosUnauthorized') {
      alert(logger, 'cos refused a freshly fetched token; retrying until the credentials are fixed', {
        ...tags,
        check:
          'COS_CLIENT_ID, COS_CLIENT_SECRET and COS_TOKEN_URL (the identity server of the same environment)',
      });
    }
  } else if (err.kind === 'CosRateLimited') {
    countInActivity(COS_RATE_LIMITED_METRIC, 'requests', 'COS calls answered 429', { operation });
  }
}

/**
 * Runs one COS call inside an activity attempt (heartbeating while it runs, ending it when the attempt
 * must stop: src/providers/common/provider-call.ts) and maps its failure.
 */
export function callCos<T>(call: () => Promise<T>, logger?: CosLogger): Promise<T> {
  return callWithHeartbeat(call, (err) => {
    if (err instanceof CosError) report(err, logger ?? Context.current().log);
    return toActivityFailure(err, maxRetryDelayMs());
  });
}

/** A write refused before it was sent (the workflow handed over something COS must not receive). */
export function refusedBeforeSending(operation: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `COS ${operation} not sent: ${message}`,
    type: CORE_REQUEST_REFUSED,
    nonRetryable: true,
    details: [{ operation, sent: false }],
  });
}
