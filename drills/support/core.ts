/**
 * The core-banking side of a drill (`core: true` stacks): the `core-customer-<id>` runs an approved
 * onboarding starts and what COS holds for them.
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  coreCustomerWorkflowId,
  coreStatusQuery,
  type CoreState,
  type CoreStatus,
} from '../../src/contracts/core-banking';
import { kycCoreState } from '../../src/contracts/search-attributes';
import type { CosSandboxCustomer } from '../../testkit/cos-sandbox-control';
import { inPool, waitFor } from '../../testkit/wait';
import type { Planned } from './onboardings';
import { sample } from './report';
import type { Stack } from './stack';

const CORE_WORKFLOW_TYPE = 'coreCustomerOnboarding';

function coreRunsQuery(stack: Stack, extra?: string): string {
  return (
    `WorkflowType = "${CORE_WORKFLOW_TYPE}" AND TaskQueue = "${stack.taskQueue}"` +
    (extra !== undefined ? ` AND ${extra}` : '')
  );
}

/** How many of this stack's `coreCustomerOnboarding` runs match a visibility query. */
export async function countCoreRuns(stack: Stack, query?: string): Promise<number> {
  return (await stack.client.workflow.count(coreRunsQuery(stack, query))).count;
}

/**
 * Waits until `expected` core runs exist and none of them runs any more; a timeout names the runs still
 * open and the state each one is in.
 */
export async function waitForCoreClosed(stack: Stack, expected: number, timeoutMs: number): Promise<void> {
  try {
    await waitFor(async () => (await countCoreRuns(stack, 'ExecutionStatus != "Running"')) >= expected, {
      description: `all ${expected} core-customer runs to finish`,
      timeoutMs,
      intervalMs: 500,
      retryErrors: false,
      signal: stack.signal,
    });
  } catch (err) {
    if (stack.signal.aborted) throw err;
    const open: string[] = [];
    for await (const run of stack.client.workflow.list({
      query: coreRunsQuery(stack, 'ExecutionStatus = "Running"'),
    })) {
      open.push(`${run.workflowId} (${run.typedSearchAttributes.get(kycCoreState) ?? '?'})`);
    }
    throw new Error(`${(err as Error).message}; still running: ${sample(open, 5)}`);
  }
}

export interface CoreOutcome {
  externalIdentifier: string;
  workflowId: string;
  /** The run's result, or its status right now while it runs; undefined when there is no run or it failed. */
  status: CoreStatus | undefined;
  running: boolean;
  failure?: string;
}

/** The `core-customer-<id>` run of every planned applicant: its result, or its status while it runs. */
export async function coreOutcomes(
  stack: Stack,
  planned: readonly Planned[],
): Promise<Map<string, CoreOutcome>> {
  const out = new Map<string, CoreOutcome>();
  await inPool(planned, 10, async (p) => {
    const workflowId = coreCustomerWorkflowId(p.externalIdentifier);
    const base = { externalIdentifier: p.externalIdentifier, workflowId };
    const handle = stack.client.workflow.getHandle(workflowId);
    try {
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') {
        out.set(p.externalIdentifier, {
          ...base,
          status: await handle.query(coreStatusQuery),
          running: true,
        });
        return;
      }
      out.set(p.externalIdentifier, {
        ...base,
        status: (await handle.result()) as CoreStatus,
        running: false,
      });
    } catch (err) {
      const failure =
        err instanceof WorkflowNotFoundError
          ? 'no core-customer run'
          : err instanceof WorkflowFailedError
            ? String(err.cause?.message ?? err.message)
            : String(err);
      out.set(p.externalIdentifier, { ...base, status: undefined, running: false, failure });
    }
  });
  return out;
}

/** When a run first entered `state` (its status history), in ms since the epoch. */
export function enteredAt(status: CoreStatus | undefined, state: CoreState): number | undefined {
  const at = status?.history.find((h) => h.state === state)?.at;
  return at === undefined ? undefined : Date.parse(at);
}

export interface CoreCustomerCount {
  /** Customers COS holds, all together (the stack's COS sandbox serves this drill alone). */
  total: number;
  /** Runs whose `coreCustomerId` COS does not hold, or that have none. */
  unknown: string[];
  /** COS customers no run names (a second customer for one applicant, say). */
  orphans: string[];
  /** Customer ids several runs name. */
  shared: string[];
  /** COS customers without exactly one address / one phone: `id (addresses/phones)`. */
  notOneEach: string[];
  addresses: number;
  phones: number;
}

/** What COS holds against what the runs report: exactly one customer per run, one address and one phone each. */
export async function coreCustomerCount(
  stack: Stack,
  outcomes: Map<string, CoreOutcome>,
): Promise<CoreCustomerCount & { customers: CosSandboxCustomer[] }> {
  const customers = await stack.cos.customers();
  const held = new Map(customers.map((c) => [c.id, c]));
  const named = new Map<string, number>();
  const unknown: string[] = [];
  for (const o of outcomes.values()) {
    const id = o.status?.coreCustomerId;
    if (id === undefined || !held.has(id)) unknown.push(o.externalIdentifier);
    if (id !== undefined) named.set(id, (named.get(id) ?? 0) + 1);
  }
  return {
    customers,
    total: customers.length,
    unknown,
    orphans: customers.filter((c) => !named.has(c.id)).map((c) => c.id),
    shared: [...named].filter(([, n]) => n > 1).map(([id]) => id),
    notOneEach: customers
      .filter((c) => c.addresses.length !== 1 || c.phones.length !== 1)
      .map((c) => `${c.id} (${c.addresses.length}/${c.phones.length})`),
    addresses: customers.reduce((n, c) => n + c.addresses.length, 0),
    phones: customers.reduce((n, c) => n + c.phones.length, 0),
  };
}

/**
 * The `coreCustomerReview` runs of this stack (the bridge starts one for an Ofac event whose customer's run
 * already ended CORE_READY), each with its final state, or `running` / the failure.
 */
export async function coreReviews(stack: Stack): Promise<{ workflowId: string; state: string }[]> {
  const ids: string[] = [];
  for await (const run of stack.client.workflow.list({
    query: `WorkflowType = "coreCustomerReview" AND TaskQueue = "${stack.taskQueue}"`,
  })) {
    ids.push(run.workflowId);
  }
  const out: { workflowId: string; state: string }[] = [];
  await inPool(ids, 10, async (workflowId) => {
    const handle = stack.client.workflow.getHandle(workflowId);
    try {
      const state = await waitFor(
        async () => {
          const description = await handle.describe();
          if (description.status.name === 'RUNNING') return undefined;
          return ((await handle.result()) as CoreStatus).state;
        },
        {
          description: `${workflowId} to end`,
          timeoutMs: 15_000,
          intervalMs: 250,
          retryErrors: false,
          signal: stack.signal,
        },
      );
      out.push({ workflowId, state });
    } catch (err) {
      out.push({
        workflowId,
        state:
          err instanceof WorkflowFailedError
            ? `failed (${String(err.cause?.message ?? err.message)})`
            : String(err),
      });
    }
  });
  return out;
}
