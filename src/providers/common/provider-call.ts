import { Context } from '@temporalio/activity';
import type { MetricTags } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/**
 * What every provider's activities share around the one HTTP call an attempt makes: heartbeating while it
 * runs, ending it when the attempt must stop, the cap on a provider's wait hint, and counters an alert
 * can watch. Each provider maps its own classified errors to Temporal failures (its activity-failures.ts);
 * this module knows no provider.
 */

/** The cap on a provider's wait hint when the activity's retry policy names no maximum interval. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

/** Well inside the activities' 10 s heartbeat timeout (src/workflows/common/provider-activities.ts). */
export const HEARTBEAT_EVERY_MS = 2_000;

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
 * Runs one provider call inside an activity attempt; a failure goes through `mapFailure` (the
 * provider's one place that turns its errors into Temporal failures) and is thrown as it returns.
 *
 * While the call runs the attempt heartbeats: a worker that dies mid-call stops heartbeating, and the
 * server retries the attempt elsewhere after the 10 s heartbeat timeout instead of the 30 s start-to-close
 * (a killed worker's runs go on within seconds). The call also ends when the worker shuts down past its
 * grace time or the server gave the attempt up, so another worker retries it at once. A run that asks to
 * cancel the activity is different: the call in flight finishes (within the client's 10 s timeout), so
 * what it created at the provider is known.
 */
export async function callWithHeartbeat<T>(
  call: () => Promise<T>,
  mapFailure: (err: unknown) => unknown,
): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beating = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await Promise.race([call(), endOfAttempt(context)]);
  } catch (err) {
    throw mapFailure(err);
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

/**
 * Adds to a counter of the worker's metrics (served by the Temporal runtime's Prometheus exporter beside
 * the SDK's own, WORKER_METRICS_ADDRESS), from inside an activity. The activity context adds its own
 * labels (activity type, namespace, task queue).
 */
export function countInActivity(
  name: string,
  unit: string,
  description: string,
  tags: MetricTags,
  value = 1,
): void {
  Context.current().metricMeter.createCounter(name, unit, description).add(value, tags);
}
