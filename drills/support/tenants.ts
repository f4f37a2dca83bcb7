/**
 * Helpers for drills whose stack has tenants (`startStack({ tenants })`, stack.ts): onboardings started
 * for a tenant, each run's status however far it got, the `reconcileAbandonedScreening` runs a failover
 * left, how long a run's screening calls took against the failover window, and the rate a provider saw
 * its requests at.
 */
import { tsToMs } from '@temporalio/common/lib/time';
import type { MeshCustomer } from '../../src/contracts/customer';
import { statusQuery, type OnboardingStatus } from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import type { onboardCustomer } from '../../src/workflows';
import type { ReconcileAbandonedScreeningResult } from '../../src/workflows/screening/reconcile-abandoned-screening';
import { inPool, waitFor } from '../../testkit/wait';
import type { Planned } from './onboardings';
import type { Stack } from './stack';

/**
 * A clean applicant (`Test CleanUser`: no profile at Mesh, no hit at CA classic) with what every provider
 * searches by: a name, a birth date (CA classic's birth year) and a nationality and address.
 */
export function cleanCustomer(externalIdentifier: string): MeshCustomer {
  return {
    external_identifier: externalIdentifier,
    person: { first_name: 'Test', last_name: 'CleanUser' },
    date_of_birth: { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    address: { address_line_1: '1 Drill Street', postal_code: '10001', country: 'US' },
  };
}

/**
 * Starts one onboarding per planned applicant for `tenant`, the way the onboarding service does: the
 * workflow ID, the customer and the tenant (`OnboardingInput.tenant`); the rest are the worker's terms.
 * Answers when each was started (ms since the epoch), by external identifier.
 */
export async function startForTenant(
  stack: Stack,
  planned: readonly Planned[],
  tenant: string,
): Promise<Map<string, number>> {
  const startedAt = new Map<string, number>();
  await inPool(planned, 10, async (p) => {
    startedAt.set(p.externalIdentifier, Date.now());
    await stack.client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
      workflowId: onboardingWorkflowId(p.externalIdentifier),
      taskQueue: stack.taskQueue,
      args: [{ customer: cleanCustomer(p.externalIdentifier), tenant }],
    });
  });
  return startedAt;
}

/** The run's status through its `status` query (running or closed), undefined when it does not answer. */
export async function statusOf(
  stack: Stack,
  externalIdentifier: string,
): Promise<OnboardingStatus | undefined> {
  try {
    return await stack.client.workflow.getHandle(onboardingWorkflowId(externalIdentifier)).query(statusQuery);
  } catch {
    return undefined;
  }
}

/** Every planned run's status, read in parallel. */
export async function statusesOf(
  stack: Stack,
  planned: readonly Planned[],
): Promise<Map<string, OnboardingStatus | undefined>> {
  const out = new Map<string, OnboardingStatus | undefined>();
  await inPool(planned, 10, async (p) => {
    out.set(p.externalIdentifier, await statusOf(stack, p.externalIdentifier));
  });
  return out;
}

/** When the run entered `state` (its status history), ms since the epoch. */
export function enteredAt(status: OnboardingStatus | undefined, state: string): number | undefined {
  const at = status?.history.find((h) => h.state === state)?.at;
  return at === undefined ? undefined : Date.parse(at);
}

export interface Reconciliation {
  workflowId: string;
  /** RUNNING, COMPLETED, FAILED, … or NOT_FOUND when no such run exists. */
  state: string;
  result?: ReconcileAbandonedScreeningResult;
  closedAt?: number;
}

/**
 * The `reconcileAbandonedScreening` runs named (`screening-reconcile-<provider>-<external identifier>`,
 * listed in `status.failover.reconciliations`), by workflow ID, read in parallel.
 */
export async function reconciliationsOf(
  stack: Stack,
  workflowIds: readonly string[],
): Promise<Map<string, Reconciliation>> {
  const out = new Map<string, Reconciliation>();
  await inPool(workflowIds, 10, async (workflowId) => {
    const handle = stack.client.workflow.getHandle(workflowId);
    try {
      const description = await handle.describe();
      const state = description.status.name;
      out.set(workflowId, {
        workflowId,
        state,
        ...(state === 'COMPLETED' && {
          result: (await handle.result()) as ReconcileAbandonedScreeningResult,
        }),
        ...(description.closeTime !== undefined && { closedAt: description.closeTime.getTime() }),
      });
    } catch {
      out.set(workflowId, { workflowId, state: 'NOT_FOUND' });
    }
  });
  return out;
}

/** Waits until none of the named reconciliations is running (or `timeoutMs` passed); answers them all. */
export async function waitForReconciliations(
  stack: Stack,
  workflowIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, Reconciliation>> {
  let latest = new Map<string, Reconciliation>();
  await waitFor(
    async () => {
      latest = await reconciliationsOf(stack, workflowIds);
      return [...latest.values()].every((r) => r.state !== 'RUNNING');
    },
    { description: 'the reconciliations to finish', timeoutMs, intervalMs: 500, signal: stack.signal },
  ).catch(() => undefined);
  return latest;
}

export interface RequestRate {
  requests: number;
  /** From the first request to the last, ms. */
  spanMs: number;
  /** Requests after the first, per minute of the span: the pace the provider saw them at. */
  perMinute: number;
  /** The most requests in any `windowMs` (sliding). */
  busiestWindow: number;
}

/** The rate of requests logged at `at` timestamps: pace over the span, and the busiest window. */
export function requestRate(timestamps: readonly number[], windowMs = 10_000): RequestRate {
  const at = [...timestamps].sort((a, b) => a - b);
  if (at.length === 0) return { requests: 0, spanMs: 0, perMinute: 0, busiestWindow: 0 };
  const spanMs = at[at.length - 1]! - at[0]!;
  let busiest = 0;
  let from = 0;
  for (let to = 0; to < at.length; to += 1) {
    while (at[to]! - at[from]! >= windowMs) from += 1;
    busiest = Math.max(busiest, to - from + 1);
  }
  return {
    requests: at.length,
    spanMs,
    perMinute: spanMs === 0 ? 0 : ((at.length - 1) * 60_000) / spanMs,
    busiestWindow: busiest,
  };
}

/**
 * The longest create-and-screen call of a run, from its scheduling to its close (completed, failed or timed
 * out): what the failover window (`failoverAfter`, the call's schedule-to-close timeout) bounds, queueing
 * behind the account's rate limit included.
 */
export async function longestScreeningCallMs(stack: Stack, workflowId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, number>();
  let longest = 0;
  for (const event of history.events ?? []) {
    const at = tsToMs(event.eventTime);
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes?.activityType?.name === 'createAndScreen') scheduled.set(String(event.eventId), at);
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    const from = closed ? scheduled.get(String(closed.scheduledEventId)) : undefined;
    if (from !== undefined) longest = Math.max(longest, at - from);
  }
  return longest;
}
