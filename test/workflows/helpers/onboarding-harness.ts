import type { WorkflowHandle } from '@temporalio/client';
import type { Activities } from '../../../src/activities';
import type { CaseSnapshot } from '../../../src/contracts/screening-activities';
import { caseDecisionSignal, type CaseDecision } from '../../../src/contracts/case-decision';
import type { ScreeningOutcome } from '../../../src/contracts/screening-activities';
import type { MeshCustomer } from '../../../src/contracts/customer';
import {
  meshTaskQueue,
  statusQuery,
  type OnboardingDefaults,
  type OnboardingPolicy,
  type OnboardingState,
  type OnboardingStatus,
} from '../../../src/contracts/onboarding';
import { bundleOnce, runWorker, uniqueTaskQueue, waitFor } from '../../helpers/temporal';
import { onboardingWorkflowWorkerOptions } from '../../helpers/onboarding-worker';

/** Every call a fake activity received, in order, so tests can assert what reached "Mesh". */
export interface ActivityCall {
  name: keyof Activities;
  input: unknown;
}

/** A screening answer; an override of `undefined` removes the field (e.g. no screening result). */
export function screeningOutcome(
  overrides: { [K in keyof ScreeningOutcome]?: ScreeningOutcome[K] | undefined } = {},
): ScreeningOutcome {
  const outcome: Record<string, unknown> = {
    customerIdentifier: 'cust-1',
    externalIdentifier: 'ext-1',
    workflowStatus: 'COMPLETED',
    riskLevel: 'LOW-RISK',
    screeningResult: 'NO_PROFILES',
    amlTypes: [],
    alertIdentifiers: [],
    recoveredFromDuplicate: false,
    ...overrides,
  };
  for (const key of Object.keys(outcome)) if (outcome[key] === undefined) delete outcome[key];
  return outcome as unknown as ScreeningOutcome;
}

/**
 * Typed fake activities: the real names and signatures (a renamed activity breaks compilation), with
 * answers a test chooses. Defaults: a clean LOW-RISK customer, a case that is still undecided.
 */
export type FakeActivities = {
  [K in keyof Activities]: (
    ...args: Parameters<Activities[K]>
  ) => Awaited<ReturnType<Activities[K]>> | ReturnType<Activities[K]>;
};

/** What "Mesh" holds about each case: an analyst's decision is set here, then a webhook may report it. */
export type FakeCases = Map<string, Omit<CaseSnapshot, 'caseIdentifier'>>;

export function fakeActivities(overrides: Partial<FakeActivities> = {}): {
  activities: Activities;
  calls: ActivityCall[];
  cases: FakeCases;
} {
  const calls: ActivityCall[] = [];
  const cases: FakeCases = new Map();
  const snapshot = (caseIdentifier: string): CaseSnapshot => ({
    caseIdentifier,
    caseType: 'CUSTOMER_ONBOARDING',
    customerIdentifier: 'cust-1',
    decisionType: null,
    ...cases.get(caseIdentifier),
  });
  const defaults: FakeActivities = {
    createAndScreen: (input) => screeningOutcome({ externalIdentifier: input.customer.external_identifier }),
    // Reads the case board: undecided unless a test played the analyst (decideCase).
    checkOnboardingCase: (input) => ({
      case: snapshot(input.caseIdentifier ?? [...cases.keys()][0] ?? 'case-1'),
      checkedAt: new Date().toISOString(),
    }),
    setMonitoring: (input) => ({ enabled: input.enabled }),
    updateAndRescore: (input) => ({
      customerIdentifier: input.customerIdentifier,
      riskLevel: 'MEDIUM-RISK',
    }),
    getCustomer: (input) => ({
      customerIdentifier: 'customerIdentifier' in input ? input.customerIdentifier : 'cust-1',
      externalIdentifier: 'externalIdentifier' in input ? input.externalIdentifier : 'ext-1',
      riskLevel: 'LOW-RISK',
      customer: { external_identifier: 'ext-1', person: { last_name: 'Stored', first_name: 'Kept' } },
    }),
  };
  const chosen = { ...defaults, ...overrides };
  const recorded = {} as Record<string, (input: never) => Promise<unknown>>;
  for (const [name, fn] of Object.entries(chosen) as [
    keyof Activities,
    (input: never) => Promise<unknown>,
  ][]) {
    recorded[name] = (input: never) => {
      calls.push({ name, input });
      return fn(input);
    };
  }
  return { activities: recorded as unknown as Activities, calls, cases };
}

/**
 * The analyst decides in "Mesh" (the case board the fake case checks read), and the webhook reporting
 * it reaches the run: what really happens, so the run's confirming case read agrees with the webhook.
 */
export async function decideCase(
  handle: WorkflowHandle,
  cases: FakeCases,
  decision: CaseDecision,
): Promise<void> {
  cases.set(decision.caseIdentifier, {
    ...cases.get(decision.caseIdentifier),
    decisionType: decision.decisionType,
    ...(decision.caseType !== undefined && { caseType: decision.caseType }),
    ...(decision.stageIdentifier !== undefined && { stageIdentifier: decision.stageIdentifier }),
    ...(decision.stageName !== undefined && { stageName: decision.stageName }),
  });
  await handle.signal(caseDecisionSignal, decision);
}

export function callsTo(calls: ActivityCall[], name: keyof Activities): unknown[] {
  return calls.filter((c) => c.name === name).map((c) => c.input);
}

/** Durations that keep a test in seconds; polls and timers stay out of the way unless a test asks. */
export function testPolicy(overrides: Partial<OnboardingPolicy> = {}): Partial<OnboardingPolicy> {
  return {
    reviewPollIntervalMs: 3_600_000,
    reviewPollJitter: 0,
    reviewReminderMs: 3_600_000,
    reviewDeadlineMs: 7_200_000,
    ...overrides,
  };
}

let counter = 0;
export function uniqueCustomer(overrides: Partial<MeshCustomer> = {}): MeshCustomer {
  counter += 1;
  return {
    external_identifier: `T-${process.pid}-${Date.now()}-${counter}`,
    person: { first_name: 'Test', last_name: 'CleanUser' },
    ...overrides,
  };
}

const workflowsPath = require.resolve('../../../src/workflows');

/**
 * Runs `fn` while a workflow worker (main queue) and a Mesh activity worker (`<queue>-mesh`, with the
 * given activities) poll, the same split as src/worker/main.ts.
 */
export async function withOnboardingWorkers<R>(
  activities: Activities,
  fn: (taskQueue: string) => Promise<R>,
  defaults?: OnboardingDefaults,
  /** The queue of workers that ran before (a restart); a new one by default. */
  taskQueue = uniqueTaskQueue('onboarding'),
): Promise<R> {
  const workflowBundle = await bundleOnce(workflowsPath);
  return runWorker({ taskQueue, workflowBundle, ...onboardingWorkflowWorkerOptions(defaults) }, () =>
    runWorker({ taskQueue: meshTaskQueue(taskQueue), activities }, () => fn(taskQueue)),
  );
}

/** Polls the `status` query until `predicate` holds (never sleeps for a fixed time). */
export function waitForStatus(
  handle: WorkflowHandle,
  predicate: (status: OnboardingStatus) => boolean,
  description: string,
  timeoutMs = 20_000,
): Promise<OnboardingStatus> {
  return waitFor(
    async () => {
      const status = await handle.query(statusQuery);
      return predicate(status) ? status : undefined;
    },
    { timeoutMs, description },
  );
}

export function waitForState(handle: WorkflowHandle, state: OnboardingState, timeoutMs?: number) {
  return waitForStatus(handle, (s) => s.state === state, `state ${state}`, timeoutMs);
}
