/**
 * Onboardings in jest: typed fake activities with answers a test chooses, the workers of
 * src/worker/main.ts on the shared dev server (the workflow worker with the worker's default terms, the
 * Mesh activity worker), and waiting for a run's state through its `status` query.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createOnboardingTermsActivities, type Activities } from '../../src/activities';
import type { CaseSnapshot } from '../../src/contracts/screening-activities';
import { caseDecisionSignal, type CaseDecision } from '../../src/contracts/case-decision';
import type { ScreeningOutcome } from '../../src/contracts/screening-activities';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  DEFAULT_ONBOARDING_POLICY,
  meshTaskQueue,
  statusQuery,
  type OnboardingDefaults,
  type OnboardingInput,
  type OnboardingPolicy,
  type OnboardingState,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer } from '../../src/workflows';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { runWorker, uniqueTaskQueue } from './temporal';

/** The defaults a test's workflow worker gives every onboarding (src/worker/main.ts reads them from the environment). */
export const TEST_ONBOARDING_DEFAULTS: OnboardingDefaults = {
  screeningConfigurationIdentifier: 'sandbox-default',
  policy: DEFAULT_ONBOARDING_POLICY,
};

/**
 * What a test's workflow worker adds to its options to run `onboardCustomer` as src/worker/main.ts does:
 * the local activity that resolves each run's terms, and no polling for other activities.
 */
export function onboardingWorkflowWorkerOptions(defaults: OnboardingDefaults = TEST_ONBOARDING_DEFAULTS) {
  return { activities: createOnboardingTermsActivities(defaults), enableNonLocalActivities: false };
}

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
 * A create-and-screen that holds its answer until `release()`: for a fake's `createAndScreen`. `started`
 * turns true once an attempt runs; the answer is `outcome()`.
 */
export function heldScreening(outcome: () => ScreeningOutcome = () => screeningOutcome()) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const screening = {
    started: false,
    release: () => release(),
    createAndScreen: async (): Promise<ScreeningOutcome> => {
      screening.started = true;
      await held;
      return outcome();
    },
  };
  return screening;
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

const workflowsPath = require.resolve('../../src/workflows');

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

/** Starts `onboardCustomer` with its contract's workflow ID, `onboarding-<external_identifier>`. */
export function startOnboarding(client: Client, taskQueue: string, input: OnboardingInput) {
  return client.workflow.start(onboardCustomer, {
    taskQueue,
    workflowId: onboardingWorkflowId(input.customer.external_identifier),
    args: [input],
  });
}

export type OnboardingHandle = Awaited<ReturnType<typeof startOnboarding>>;

/**
 * A test file's onboardings on its connection (`useTestConnection()`): `start` one on a task queue, or
 * `inReview`: with the workers running (`withOnboardingWorkers`), start one and hand it to `fn` once it
 * awaits review.
 */
export function onboardingsOn(t: { readonly client: Client }) {
  const start = (taskQueue: string, input: OnboardingInput) => startOnboarding(t.client, taskQueue, input);
  const inReview = <R>(
    activities: Activities,
    input: OnboardingInput,
    fn: (handle: OnboardingHandle) => Promise<R>,
  ): Promise<R> =>
    withOnboardingWorkers(activities, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitForState(handle, 'AWAITING_REVIEW');
      return fn(handle);
    });
  return { start, inReview };
}

/** A case decision as the bridge signals it from a webhook, on case `case-1`. */
export function caseWebhook(decisionType: string | null, extra: Partial<CaseDecision> = {}): CaseDecision {
  return {
    caseIdentifier: 'case-1',
    caseType: 'CUSTOMER_ONBOARDING',
    decisionType,
    source: 'webhook',
    receivedAt: new Date().toISOString(),
    ...extra,
  };
}

/** A screening with profiles that opened case `case-1`. */
export const hasProfiles = (): ScreeningOutcome =>
  screeningOutcome({ screeningResult: 'HAS_PROFILES', riskLevel: 'MEDIUM-RISK', caseIdentifier: 'case-1' });
