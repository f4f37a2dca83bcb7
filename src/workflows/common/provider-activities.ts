import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  DEFAULT_SCREENING_PROVIDER,
  providerTaskQueue,
  SCREENING_PROVIDER_NAMES,
  type ScreeningProviderName,
} from '../../contracts/screening-provider';
import {
  riskTaskQueue,
  type RiskActivities,
  type RiskCheckInput,
  type RiskTerms,
} from '../../contracts/risk';
import type {
  ComplyCubeActivities,
  OnboardingTermsActivities,
  ScreeningActivities as Activities,
  ScreeningResume,
} from '../../contracts/screening-activities';

/**
 * A Mesh attempt heartbeats every 2 s while its call runs (callMesh): a worker that dies mid-call is
 * noticed after this, and the attempt retried, instead of after its start-to-close timeout. Only the
 * schedule of the next attempt changes; a run's commands do not, so runs in flight replay unchanged.
 */
const HEARTBEAT_TIMEOUT = '10 seconds';

/**
 * Activity presets, one per kind of provider call (table in docs/workflow.md). Every call runs on the
 * rate-limited queue of the run's provider (`<queue>-mesh`, `<queue>-complycube`). The Mesh client answers within its 10 s request timeout and
 * got never retries, so each attempt is one request and Temporal alone owns retries.
 * Permanent failures are non-retryable at the source (src/providers/mesh/activity-failures.ts); transient ones
 * honour the provider's wait hint through `nextRetryDelay`.
 */

/** Create-and-screen: the customer must not be lost to a provider outage. */
export const SCREENING: ActivityOptions = {
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // The sync call takes 1-3 s and the client gives up at 10 s; 30 s also fits a token fetch and the
  // duplicate recovery's extra lookups.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    // Back within a minute of a provider outage ending, without hammering it meanwhile.
    maximumInterval: '1 minute',
    // No maximumAttempts: transient failures are retried until Mesh answers; a retry after a lost
    // response is safe because a duplicate external identifier recovers the customer created first.
  },
};

/**
 * Create-and-screen in runs that clean up after themselves: a cancelled run waits for the call in
 * flight, so a customer it created is known and its monitoring can be switched off.
 */
export const SCREENING_AWAITED: ActivityOptions = {
  ...SCREENING,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/** Monitoring on/off and update-and-rescore: a rejected customer must end up unmonitored, however long Mesh is down. */
export const CUSTOMER_CHANGE: ActivityOptions = {
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // One request with a 10 s client timeout, plus a token fetch or the 405 → PATCH fallback.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    // Same reasoning as screening: resume promptly after an outage, no attempt limit.
    maximumInterval: '1 minute',
  },
};

/** Reads (case checks, customer lookups): cheap to skip, the next poll tries again. */
export const CASE_CHECK: ActivityOptions = {
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // One GET with a 10 s client timeout, plus a possible token fetch or 308 redirect.
  startToCloseTimeout: '25 seconds',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '30 seconds',
    // A failed check is logged and the next poll (hours later) tries again, so the wait is not held up.
    maximumAttempts: 3,
  },
};

/** A customer lookup that a post-onboarding operation cannot do without. */
export const CUSTOMER_READ: ActivityOptions = {
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // One GET, or two with the 308 from /customers/external/{id}, each within the 10 s client timeout.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    // No attempt limit: the operation was requested and must happen once Mesh is reachable.
    maximumInterval: '1 minute',
  },
};

/**
 * Create-and-screen within a failover window: schedule-to-close is what is left of the window, and the
 * back-off is scaled to it (at most a fifth of it), so Temporal keeps retrying until close to its end
 * instead of giving up when a minute-long back-off would overshoot it.
 */
function windowed(preset: ActivityOptions, windowMs: number): ActivityOptions {
  const step = Math.max(1_000, Math.floor(windowMs / 5));
  return {
    ...preset,
    scheduleToCloseTimeout: windowMs,
    startToCloseTimeout: Math.min(30_000, windowMs),
    retry: { initialInterval: Math.min(2_000, step), maximumInterval: Math.min(60_000, step) },
  };
}

/**
 * One proxy per preset, bound to the queue of the run's provider on the task queue this run lives on
 * (Mesh unless told otherwise: runs recorded before the port name none); every call carries a one-line
 * summary for the Web UI's event history.
 */
export function providerActivities(
  options: {
    awaitScreeningOnCancel?: boolean;
    provider?: ScreeningProviderName | undefined;
    /** The tenant's account at the provider (its own queue and budget); the worker's own when absent. */
    account?: string | undefined;
    /**
     * How long create-and-screen may take, queueing, attempts and back-off together, before the run
     * counts the provider unavailable (failover); without it, retried until the provider answers.
     */
    screeningWindowMs?: number;
  } = {},
) {
  const provider = options.provider ?? DEFAULT_SCREENING_PROVIDER;
  const taskQueue = providerTaskQueue(workflowInfo().taskQueue, provider, options.account);
  const unbounded = options.awaitScreeningOnCancel === true ? SCREENING_AWAITED : SCREENING;
  const screening =
    options.screeningWindowMs === undefined ? unbounded : windowed(unbounded, options.screeningWindowMs);
  const label = SCREENING_PROVIDER_NAMES[provider];
  return {
    provider,
    screening: withSummaries(proxyActivities<Activities>({ ...screening, taskQueue }), label),
    customerChange: withSummaries(proxyActivities<Activities>({ ...CUSTOMER_CHANGE, taskQueue }), label),
    caseCheck: withSummaries(proxyActivities<Activities>({ ...CASE_CHECK, taskQueue }), label),
    customerRead: withSummaries(proxyActivities<Activities>({ ...CUSTOMER_READ, taskQueue }), label),
  };
}

export type ProviderActivities = ReturnType<typeof providerActivities>;

/** ComplyCube's calls beside the port (routing a check's webhook, the webhook's health), on its queue. */
export function complyCubeActivities(preset: ActivityOptions) {
  const taskQueue = providerTaskQueue(workflowInfo().taskQueue, 'complycube');
  return proxyActivities<ComplyCubeActivities>({ ...preset, taskQueue });
}

/**
 * The risk score, on its own queue. The run waits at most RISK_CHECK_TIMEOUT for it (schedule-to-close:
 * queueing, every attempt and every back-off together), then goes on fail-closed without a score. The
 * first retry comes after a second: the API answers 425 to two calls for one customer less than 1 s apart.
 */
export function riskActivities(terms: RiskTerms) {
  const proxy = proxyActivities<RiskActivities>({
    taskQueue: riskTaskQueue(workflowInfo().taskQueue),
    scheduleToCloseTimeout: terms.checkTimeoutMs,
    startToCloseTimeout: Math.min(30_000, terms.checkTimeoutMs),
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  return {
    checkCustomerRisk: (input: RiskCheckInput) =>
      proxy.checkCustomerRisk.executeWithOptions(
        { summary: `risk-score customer ${input.customer.external_identifier}` },
        [input],
      ),
  };
}

/** The calls as plain functions (no `this`), so they can be handed around, e.g. to `untilDone`. */
type Bound<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => R : never };

/**
 * Calls an activity that may answer `{ next }` (a provider operation of several calls, one per
 * activity) until it answers without one. Never loops for Mesh, whose operations are one call each.
 */
export async function untilDone<I extends { resume?: ScreeningResume }, R>(
  call: (input: I) => Promise<R | (R & { next?: ScreeningResume })>,
  input: I,
): Promise<Exclude<R, { next: ScreeningResume }>> {
  let result = await call(input);
  while (hasNext(result)) result = await call({ ...input, resume: result.next });
  return result as Exclude<R, { next: ScreeningResume }>;
}

export function hasNext(result: unknown): result is { next: ScreeningResume } {
  return typeof result === 'object' && result !== null && 'next' in result && result.next !== undefined;
}

/**
 * What each call does, in an analyst's words, with identifiers only: names and other personal data
 * stay in the inputs. Summaries are metadata, not part of the determinism check: recorded histories
 * without them still replay (test/workflows/replay.test.ts).
 */
function withSummaries(proxy: ActivityInterfaceFor<Activities>, label: string): Bound<Activities> {
  return {
    createAndScreen: (input) =>
      proxy.createAndScreen.executeWithOptions(
        {
          summary:
            input.resume === undefined
              ? `create and screen customer ${input.customer.external_identifier}`
              : `screen customer ${input.customer.external_identifier}: ${input.resume.step}`,
        },
        [input],
      ),
    checkOnboardingCase: (input) =>
      proxy.checkOnboardingCase.executeWithOptions(
        {
          summary:
            input.caseIdentifier !== undefined
              ? `check case ${input.caseIdentifier} for a decision`
              : `look for the onboarding case of ${label} customer ${input.customerIdentifier}`,
        },
        [input],
      ),
    setMonitoring: (input) =>
      proxy.setMonitoring.executeWithOptions(
        {
          summary: `switch monitoring ${input.enabled ? 'on' : 'off'} for ${label} customer ${input.customerIdentifier}`,
        },
        [input],
      ),
    updateAndRescore: (input) =>
      proxy.updateAndRescore.executeWithOptions(
        { summary: `update and re-score ${label} customer ${input.customerIdentifier}` },
        [input],
      ),
    getCustomer: (input) =>
      proxy.getCustomer.executeWithOptions(
        {
          summary:
            'customerIdentifier' in input
              ? `read ${label} customer ${input.customerIdentifier}`
              : `look up the ${label} customer with external identifier ${input.externalIdentifier}`,
        },
        [input],
      ),
  };
}

/**
 * The run's terms, resolved on the workflow worker (which holds the defaults) and recorded once. A
 * refused input is final at once; anything else (a worker restarting) is tried again a few times.
 */
export function termsActivities() {
  return proxyLocalActivities<OnboardingTermsActivities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 5 },
  });
}
