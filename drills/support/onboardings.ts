import { WorkflowFailedError } from '@temporalio/client';
import type { FaultInput } from '../../src/sandbox/mesh';
import type { DeliveryLogEntry } from '../../src/sandbox/mesh';
import type { MeshCustomer } from '../../src/contracts/customer';
import { loadOnboardingDefaults } from '../../src/worker/onboarding-defaults';
import type { OnboardingStatus } from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import type { onboardCustomer } from '../../src/workflows';
import { countOf, type DrillReport } from './report';
import type { Stack } from './stack';
import { inPool, waitUntil } from './wait';

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

/** `count` applicants cycling through `kinds`, with external identifiers unique to this drill run. */
export function plan(prefix: string, count: number, kinds: readonly Applicant[]): Planned[] {
  return Array.from({ length: count }, (_, i) => ({
    externalIdentifier: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    applicant: kinds[i % kinds.length]!,
  }));
}

function customerOf(p: Planned): MeshCustomer {
  const [first_name, last_name] = NAMES[p.applicant];
  return {
    external_identifier: p.externalIdentifier,
    person: { first_name, last_name },
    date_of_birth: { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    address: { address_line_1: '1 Drill Street', postal_code: '10001', country: 'US' },
  };
}

/**
 * Starts one onboarding per planned applicant the way the onboarding service does
 * (docs/onboarding-service.md): the workflow ID and the customer alone. The screening configuration and
 * the review policy are the worker's (the drill's `workerEnv`), as in a deployment; `checkWorkerTerms`
 * proves the runs took them.
 */
export async function startOnboardings(stack: Stack, planned: readonly Planned[]): Promise<void> {
  await inPool(planned, 10, async (p) => {
    await stack.client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
      workflowId: onboardingWorkflowId(p.externalIdentifier),
      taskQueue: stack.taskQueue,
      args: [{ customer: customerOf(p) }],
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

export async function waitForState(
  stack: Stack,
  state: string,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    `${expected} onboardings in ${state}`,
    timeoutMs,
    async () => (await countRuns(stack, `KycOnboardingState = "${state}"`)) >= expected,
    500,
  );
}

/** Waits until no onboarding of the stack is running; the visibility count is one cheap call per poll. */
export async function waitForAllClosed(stack: Stack, started: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    `all ${started} onboardings to finish`,
    timeoutMs,
    async () => (await countRuns(stack, `ExecutionStatus != "Running"`)) >= started,
    500,
  );
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

// ---- The sandbox's control routes (docs/sandbox.md) -----------------------------------------------

async function control<T>(stack: Stack, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.sandbox.url}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface SandboxCustomer {
  identifier: string;
  external_identifier: string;
  case_identifiers: string[];
}

export async function sandboxCustomers(
  stack: Stack,
  externalIdentifier?: string,
): Promise<SandboxCustomer[]> {
  const query =
    externalIdentifier === undefined ? '' : `?external_identifier=${encodeURIComponent(externalIdentifier)}`;
  return (await control<{ customers: SandboxCustomer[] }>(stack, 'GET', `/_sandbox/customers${query}`))
    .customers;
}

/** The analyst: moves a case to a stage (`IN_REVIEW`) or decides it (`DECISION` + decision). */
export async function transitionCase(
  stack: Stack,
  caseIdentifier: string,
  stage: 'IN_REVIEW' | 'DECISION',
  decision?: string,
): Promise<void> {
  await control(stack, 'POST', `/_sandbox/cases/${caseIdentifier}/transition`, {
    stage,
    ...(decision !== undefined && { decision, note: `drill decision ${decision}` }),
  });
}

export async function deliveries(stack: Stack): Promise<DeliveryLogEntry[]> {
  return control<DeliveryLogEntry[]>(stack, 'GET', '/_sandbox/deliveries');
}

export async function addFault(
  stack: Stack,
  fault: Partial<FaultInput> & { kind: FaultInput['kind'] },
): Promise<void> {
  await control(stack, 'POST', '/_sandbox/faults', { match: {}, ...fault });
}

export async function clearFaults(stack: Stack): Promise<void> {
  await control(stack, 'DELETE', '/_sandbox/faults');
}

export async function patchSettings(stack: Stack, settings: Record<string, unknown>): Promise<void> {
  await control(stack, 'PATCH', '/_sandbox/settings', settings);
}

export async function sandboxStats(stack: Stack): Promise<Record<string, unknown>> {
  return control<Record<string, unknown>>(stack, 'GET', '/_sandbox/stats');
}

/** The case each matched applicant got, read from the sandbox (works while Temporal is down). */
export async function casesOf(stack: Stack, planned: readonly Planned[]): Promise<Map<string, string>> {
  const cases = new Map<string, string>();
  for (const p of planned) {
    const [customer] = await sandboxCustomers(stack, p.externalIdentifier);
    const caseIdentifier = customer?.case_identifiers[0];
    if (caseIdentifier !== undefined) cases.set(p.externalIdentifier, caseIdentifier);
  }
  return cases;
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
  const all = await sandboxCustomers(stack);
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

/** A short list for a check's detail: the first few items and how many more. */
export function sample(items: readonly string[], max = 3): string {
  if (items.length === 0) return 'none';
  return items.slice(0, max).join(', ') + (items.length > max ? ` (+${items.length - max} more)` : '');
}
