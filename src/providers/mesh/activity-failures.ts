import { ApplicationFailure, Context } from '@temporalio/activity';
import { msToNumber } from '@temporalio/common/lib/time';
import { MeshError } from './api';

/**
 * The one place a Mesh failure becomes a Temporal failure. The client already classified it
 * (src/providers/mesh/errors.ts): refusals of the customer's data (400/404/422, …) end the activity at once with
 * the error kind as the failure type; everything else (429, 5xx, timeouts, network, and refused
 * credentials or permissions) is retried by Temporal, no sooner than the provider's wait hint, and no
 * later than the activity's own retry policy allows.
 */

/** Counts every Mesh call refused for credentials or permissions, labelled `operation` and `status`. */
export const CREDENTIALS_REFUSED_METRIC = 'kyc_mesh_credentials_refused';

/** The cap on a provider's wait hint when the activity's retry policy names no maximum interval. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

/** Where the warn line about refused credentials goes (the activity logger by default). */
export interface FailureLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
}

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
 * The running activity's `retry.maximumInterval` in ms. The server sends the policy it applies (the
 * SDK gives it as milliseconds; a test may give an ms-formatted string); without one, 60 s.
 */
export function maxRetryDelayMs(): number {
  const interval = Context.current().info.retryPolicy?.maximumInterval;
  if (interval === undefined) return DEFAULT_MAX_RETRY_DELAY_MS;
  try {
    const ms = msToNumber(interval);
    return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_MAX_RETRY_DELAY_MS;
  } catch {
    return DEFAULT_MAX_RETRY_DELAY_MS;
  }
}

/**
 * Refused credentials pause every onboarding until an operator acts: make that visible as a metric an
 * alert can watch, and one warn line naming the call only (never a message, which may grow prose).
 */
function reportCredentialsRefused(err: MeshError, logger: FailureLogger): void {
  const { operation, status } = err.details;
  const context = Context.current();
  context.metricMeter
    .createCounter(
      CREDENTIALS_REFUSED_METRIC,
      'requests',
      'Mesh calls refused for credentials or permissions; the activity retries until they are fixed',
    )
    .add(1, { operation, ...(status !== undefined && { status }) });
  logger.warn('mesh refused the credentials; retrying until they are fixed', {
    operation,
    kind: err.kind,
    ...(status !== undefined && { status }),
  });
}

/** Well inside the activities' 10 s heartbeat timeout (src/workflows/common/provider-activities.ts). */
export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * Runs one Mesh call and maps its failure; activities stay one readable line each.
 *
 * While the call runs the attempt heartbeats: a worker that dies mid-call stops heartbeating, and the
 * server retries the attempt elsewhere after the 10 s heartbeat timeout instead of the 30 s start-to-close
 * (a killed worker's runs go on within seconds). The call also ends when the worker shuts down past its
 * grace time or the server gave the attempt up, so another worker retries it at once. A run that asks to
 * cancel the activity is different: the call in flight finishes (within the client's 10 s timeout), so a
 * customer it created is known (SCREENING_AWAITED). A request already sent may still complete at Mesh:
 * create-and-screen recovers that customer as a duplicate.
 */
export async function callMesh<T>(call: () => Promise<T>, logger?: FailureLogger): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beating = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await Promise.race([call(), endOfAttempt(context)]);
  } catch (err) {
    if (err instanceof MeshError && err.details.credentials === true) {
      reportCredentialsRefused(err, logger ?? Context.current().log);
    }
    throw toActivityFailure(err, maxRetryDelayMs());
  } finally {
    clearInterval(beating);
  }
}

/** Rejects when this attempt must stop now; never when the run only asked to cancel the activity. */
function endOfAttempt(context: Context): Promise<never> {
  return context.cancelled.catch((err: unknown) => {
    if (context.cancellationDetails?.cancelRequested === true) return new Promise<never>(() => undefined);
    throw err;
  });
}
