import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FailureLogger } from '../common/logger';
import {
  callWithHeartbeat,
  countInActivity,
  DEFAULT_MAX_RETRY_DELAY_MS,
  maxRetryDelayMs,
} from '../common/provider-call';
import { MeshError } from './api';

export type { FailureLogger } from '../common/logger';
export { DEFAULT_MAX_RETRY_DELAY_MS, HEARTBEAT_EVERY_MS, maxRetryDelayMs } from '../common/provider-call';

/**
 * The one place a Mesh failure becomes a Temporal failure. The client already classified it
 * (src/providers/mesh/errors.ts): refusals of the customer's data (400/404/422, …) end the activity at once with
 * the error kind as the failure type; everything else (429, 5xx, timeouts, network, and refused
 * credentials or permissions) is retried by Temporal, no sooner than the provider's wait hint, and no
 * later than the activity's own retry policy allows.
 */

/** Counts every Mesh call refused for credentials or permissions, labelled `operation` and `status`. */
export const CREDENTIALS_REFUSED_METRIC = 'kyc_mesh_credentials_refused';

export function toActivityFailure(err: unknown, maxRetryDelayMs = DEFAULT_MAX_RETRY_DELAY_MS): unknown {
  if (!(err instanceof MeshError)) return err;
  const { status, operation, retryAfterMs, credentials } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: !err.retryable,
    // A gateway announcing a reset a year away must not park the run for a year: the retry policy's
    // maximum interval is the longest wait the workflow author accepted.
    ...(retryAfterMs !== undefined && { nextRetryDelay: Math.min(retryAfterMs, maxRetryDelayMs) }),
    details: [
      { operation, ...(status !== undefined && { status }), ...(credentials === true && { credentials }) },
    ],
  });
}

/**
 * Refused credentials pause every onboarding until an operator acts: make that visible as a metric an
 * alert can watch, and one warn line naming the call only (never a message, which may grow prose).
 */
function reportCredentialsRefused(err: MeshError, logger: FailureLogger): void {
  const { operation, status } = err.details;
  countInActivity(
    CREDENTIALS_REFUSED_METRIC,
    'requests',
    'Mesh calls refused for credentials or permissions; the activity retries until they are fixed',
    { operation, ...(status !== undefined && { status }) },
  );
  logger.warn('mesh refused the credentials; retrying until they are fixed', {
    operation,
    kind: err.kind,
    ...(status !== undefined && { status }),
  });
}

/**
 * Runs one Mesh call and maps its failure; activities stay one readable line each. The attempt
 * heartbeats while the call runs and ends it when the worker or the server gives the attempt up
 * (src/providers/common/provider-call.ts); a run that only asks to cancel lets the call finish, so a
 * customer it created is known (SCREENING_AWAITED). A request already sent may still complete at Mesh:
 * create-and-screen recovers that customer as a duplicate.
 */
export function callMesh<T>(call: () => Promise<T>, logger?: FailureLogger): Promise<T> {
  return callWithHeartbeat(call, (err) => {
    if (err instanceof MeshError && err.details.credentials === true) {
      reportCredentialsRefused(err, logger ?? Context.current().log);
    }
    return toActivityFailure(err, maxRetryDelayMs());
  });
}
