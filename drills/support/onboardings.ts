import { WorkflowFailedError } from '@temporalio/client';
import type { MeshCustomer } from '../../src/contracts/customer';
import { loadOnboardingDefaults } from '../../src/worker/onboarding-defaults';
import type { OnboardingStatus } from '../../src/contracts/onboarding';
import { kycOnboardingState } from '../../src/contracts/search-attributes';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import type { onboardCustomer } from '../../src/workflows';
import type { SandboxCustomer } from '../../testkit/sandbox-control';
import { inPool, waitFor } from '../../testkit/wait';
import { countOf, sample, type DrillReport } from './report';
import type { Stack } from './stack';

/** Names from the sandbox's screening table (docs/sandbox.md) and what they lead to. */
export type Applicant = 'clean' | 'prohibited' | 'match';

const NAMES: Record<Applicant, [string, string]> = {
  clean: ['Test', 'CleanUser'], // NO_PROFILES → APPROVED
  prohibited: ['Pablo', 'Prohibited'], // PROHIBITED → REJECTED
  match: ['Victor', 'Bout'], // HAS_PROFILES → a case, AWAITING_REVIEW
};

export interface Planned {
  externalIdentifier: string;
  applicant: Applicant;
}

/**
 * `count` applicants cycling through `kinds`, with external identifiers unique to this drill run:
 * `<prefix>-<start time, base 36>-<0001…>`.
 */
export function plan(prefix: string, count: number, kinds: readonly Applicant[]): Planned[] {
  const run = `${prefix}-${Date.now().toString(36)}`;
  return Array.from({ length: count }, (_, i) => ({
    externalIdentifier: `${run}-${String(i + 1).padStart(4, '0')}`,
    applicant: kinds[i % kinds.length]!,
  }));
}

export interface OnboardingOptions {
  /**
   * With what the core-banking step needs (`core: true` stacks): a whole address (a city too) and a
   * phone number; without, the customer the other drills have always sent.
   */
  withContact?: boolean;
}

function customerOf(p: Planned, o: OnboardingOptions = {}): MeshCustomer {
  const [first_name, last_name] = NAMES[p.applicant];
  return {
    external_identifier: p.externalIdentifier,
    person: { first_name, last_name },
    date_of_birth: { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    address:
      o.withContact === true
        ? { address_line_1: '1 Drill Street', city: 'New York', postal_code: '10001', country: 'US' }
        : { address_line_1: '1 Drill Street', postal_code: '10001', country: 'US' },
    ...(o.withContact === true && { phone_number: '2015552345' }),
  };
}

/**
 * Starts one onboarding per planned applicant the way the onboarding service does
 * (docs/onboarding-service.md): the workflow ID and the customer alone. The screening configuration and
 * the review policy are the worker's (the drill's `workerEnv`), as in a deployment; `checkWorkerTerms`
 * proves the runs took them.
 */
export async function startOnboardings(
  stack: Stack,
  planned: readonly Planned[],
  o: OnboardingOptions = {},
): Promise<void> {
  await inPool(planned, 10, async (p) => {
    await stack.client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
      workflowId: onboardingWorkflowId(p.externalIdentifier),
      taskQueue: stack.taskQueue,
      args: [{ customer: customerOf(p, o) }],
    });
  });
}

/** How many of this stack's onboardings match a visibility query (`AND`-ed with the task queue). */
export async function countRuns(stack: Stack, query: string): Promise<number> {
  const { count } = await stack.client.workflow.count(
    `WorkflowType = "onboardCustomer" AND TaskQueue = "${stack.taskQueue}" AND ${query}`,
  );
  return count;
}

/** Waits until at least `expected` of this stack's onboardings match a visibility query (one call a poll). */
async function waitForRuns(
  stack: Stack,
  query: string,
  expected: number,
  description: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(async () => (await countRuns(stack, query)) >= expected, {
    description,
    timeoutMs,
    intervalMs: 500,
    retryErrors: false,
    signal: stack.signal,
  });
}

export async function waitForState(
  stack: Stack,
  state: string,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const query = `KycOnboardingState = "${state}"`;
  await waitForRuns(stack, query, expected, `${expected} onboardings in ${state}`, timeoutMs);
}

/** Waits until no onboarding of the stack is running; a timeout names the runs still open and their states. */
export async function waitForAllClosed(stack: Stack, started: number, timeoutMs: number): Promise<void> {
  const query = `ExecutionStatus != "Running"`;
  try {
    await waitForRuns(stack, query, started, `all ${started} onboardings to finish`, timeoutMs);
  } catch (err) {
    if (stack.signal.aborted) throw err;
    const open: string[] = [];
    for await (const run of stack.client.workflow.list({
      query: `WorkflowType = "onboardCustomer" AND TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Running"`,
    })) {
      open.push(`${run.workflowId} (${run.typedSearchAttributes.get(kycOnboardingState) ?? '?'})`);
    }
    throw new Error(`${(err as Error).message}; still running: ${sample(open, 5)}`);
  }
}

export interface Outcome {
  externalIdentifier: string;
  /** The final status, or undefined when the run failed or is still running. */
  status: OnboardingStatus | undefined;
  failure?: string;
}

/** The result of every planned onboarding (closed runs answer at once; a running one is reported as such). */
export async function outcomes(stack: Stack, planned: readonly Planned[]): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  await inPool(planned, 10, async (p) => {
    const handle = stack.client.workflow.getHandle<typeof onboardCustomer>(
      onboardingWorkflowId(p.externalIdentifier),
    );
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') {
      out.set(p.externalIdentifier, {
        externalIdentifier: p.externalIdentifier,
        status: undefined,
        failure: 'still running',
      });
      return;
    }
    try {
      out.set(p.externalIdentifier, {
        externalIdentifier: p.externalIdentifier,
        status: await handle.result(),
      });
    } catch (err) {
      const failure =
        err instanceof WorkflowFailedError ? String(err.cause?.message ?? err.message) : String(err);
      out.set(p.externalIdentifier, { externalIdentifier: p.externalIdentifier, status: undefined, failure });
    }
  });
  return out;
}

/**
 * The runs among `planned` with an activity scheduled (`pending`: past their first workflow task) and
 * those whose attempt is running right now on a worker (`running`), read with one describe each, in parallel.
 */
export async function activitiesInFlight(
  stack: Stack,
  planned: readonly Planned[],
): Promise<{ pending: string[]; running: string[] }> {
  const pending: string[] = [];
  const running: string[] = [];
  await inPool(planned, planned.length, async (p) => {
    const id = onboardingWorkflowId(p.externalIdentifier);
    const activities = (await stack.client.workflow.getHandle(id).describe()).raw.pendingActivities ?? [];
    if (activities.length > 0) pending.push(id);
    if (activities.some((a) => Number(a.state) === 2)) running.push(id); // 2 = STARTED
  });
  return { pending, running };
}

/** The case each matched applicant got, read from the sandbox (works while Temporal is down). */
export async function casesOf(stack: Stack, planned: readonly Planned[]): Promise<Map<string, string>> {
  const cases = new Map<string, string>();
  for (const p of planned) {
    const [customer] = await stack.control.customers(p.externalIdentifier);
    const caseIdentifier = customer?.case_identifiers[0];
    if (caseIdentifier !== undefined) cases.set(p.externalIdentifier, caseIdentifier);
  }
  return cases;
}

/**
 * Starts onboardings of applicants who all need review (`match`), waits until every run awaits review
 * and returns the case each one got, for the analyst to decide.
 */
export async function startForReview(
  stack: Stack,
  planned: readonly Planned[],
): Promise<Map<string, string>> {
  await startOnboardings(stack, planned);
  await waitForState(stack, 'AWAITING_REVIEW', planned.length, 60_000);
  return casesOf(stack, planned);
}

// ---- Checks shared by the drills ------------------------------------------------------------------

export interface CustomerCount {
  /** Customers the sandbox holds for the planned external identifiers, all together. */
  total: number;
  /** Identifiers with other than exactly one customer. */
  notOne: string[];
  /** Runs whose result names another customer than the sandbox's one for its identifier. */
  mismatched: string[];
}

export async function customerCount(
  stack: Stack,
  planned: readonly Planned[],
  results: Map<string, Outcome>,
): Promise<CustomerCount> {
  const all = await stack.control.customers();
  const ids = new Set(planned.map((p) => p.externalIdentifier));
  const byId = new Map<string, SandboxCustomer[]>();
  for (const c of all) {
    if (!ids.has(c.external_identifier)) continue;
    byId.set(c.external_identifier, [...(byId.get(c.external_identifier) ?? []), c]);
  }
  const notOne = planned
    .filter((p) => byId.get(p.externalIdentifier)?.length !== 1)
    .map((p) => p.externalIdentifier);
  const mismatched = planned
    .filter((p) => {
      const mine = results.get(p.externalIdentifier)?.status?.customerIdentifier;
      return mine !== undefined && mine !== byId.get(p.externalIdentifier)?.[0]?.identifier;
    })
    .map((p) => p.externalIdentifier);
  return { total: [...byId.values()].reduce((n, list) => n + list.length, 0), notOne, mismatched };
}

/** 5 s, 1 h, 1 d: a policy duration for a check's detail. */
function duration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/**
 * The runs were started with the customer alone, so their terms (`status.terms`) must be the worker's
 * configuration: MESH_SCREENING_CONFIGURATION_ID and the REVIEW_* policy of `stack.workerEnv()`, read
 * the way src/worker/main.ts reads them, and monitoring on (the default). A run without terms counts as wrong.
 */
export function checkWorkerTerms(report: DrillReport, stack: Stack, results: Map<string, Outcome>): void {
  const env = stack.workerEnv();
  const expected = loadOnboardingDefaults(env['MESH_SCREENING_CONFIGURATION_ID'] ?? '', env);
  const wrong = [...results.values()].filter(({ status }) => {
    const terms = status?.terms;
    return (
      terms === undefined ||
      terms.screeningConfigurationIdentifier !== expected.screeningConfigurationIdentifier ||
      !terms.monitoringEnabled ||
      (Object.keys(expected.policy) as (keyof typeof expected.policy)[]).some(
        (field) => terms.policy[field] !== expected.policy[field],
      )
    );
  });
  const { policy } = expected;
  report.check(
    "every run started with the worker's terms",
    results.size > 0 && wrong.length === 0,
    `${countOf(results.size - wrong.length, results.size)} with ${expected.screeningConfigurationIdentifier}, monitoring on, case checks every ${duration(policy.reviewPollIntervalMs)} (jitter ${policy.reviewPollJitter}), reminder ${duration(policy.reviewReminderMs)}, deadline ${duration(policy.reviewDeadlineMs)}, PARTIAL_POSITIVE ${policy.partialPositive}; other: ${sample(wrong.map((r) => r.externalIdentifier))}`,
  );
}

/** The final state each applicant must reach without an analyst (matches depend on the decision). */
export function expectedWithoutReview(applicant: Applicant): string | undefined {
  return applicant === 'clean' ? 'APPROVED' : applicant === 'prohibited' ? 'REJECTED' : undefined;
}

export const DECISION_STATE: Record<string, string> = { POSITIVE: 'APPROVED', NEGATIVE: 'REJECTED' };
