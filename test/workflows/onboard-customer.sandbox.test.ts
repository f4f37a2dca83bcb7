import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { ScreeningOutcome } from '../../src/contracts/screening-activities';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import type { MeshCustomer } from '../../src/contracts/customer';
import { meshTaskQueue, statusQuery, type OnboardingInput } from '../../src/contracts/onboarding';
import { uniqueTaskQueue, useTestConnection, TEST_NAMESPACE } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { startOnboarding, testPolicy, waitForState, withOnboardingWorkers } from '../helpers/onboarding';
import {
  person as sandboxPerson,
  sandboxActivities,
  screeningRequests as countScreenings,
  useSandboxHarness,
  withSandboxWorkers,
} from '../helpers/mesh-sandbox';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';

/**
 * `onboardCustomer` end to end: the real dev server, the real activities and Mesh client, the
 * in-process Mesh sandbox (src/sandbox) with its faults, and the two workers of src/worker/main.ts.
 */
const t = useTestConnection();
const h = useSandboxHarness();

function input(customer: MeshCustomer, policy = testPolicy()): OnboardingInput {
  return { customer, configuration: { screening_configuration_identifier: 'sandbox-default' }, policy };
}

const person = (firstName: string, lastName: string) => sandboxPerson(firstName, lastName, 'ONB');
const start = (taskQueue: string, input: OnboardingInput) => startOnboarding(t.client, taskQueue, input);
const screeningRequests = () => countScreenings(h);

describe('onboardCustomer against the Mesh sandbox', () => {
  it('approves "Test CleanUser" straight through with monitoring on', async () => {
    const customer = person('Test', 'CleanUser');
    const status = await withSandboxWorkers(h, async (tq) => (await start(tq, input(customer))).result());
    expect(status).toMatchObject({
      state: 'APPROVED',
      riskLevel: 'LOW-RISK',
      screeningResult: 'NO_PROFILES',
      monitoringEnabled: true,
    });
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
  });

  it('rejects "Pablo Prohibited" and leaves the customer unmonitored at Mesh', async () => {
    const customer = person('Pablo', 'Prohibited');
    const status = await withSandboxWorkers(h, async (tq) => (await start(tq, input(customer))).result());
    expect(status).toMatchObject({ state: 'REJECTED', riskLevel: 'PROHIBITED', monitoringEnabled: false });
    const [record] = await h.customers(customer.external_identifier);
    expect(record?.monitoring_enabled).toBe(false);
  });

  it('approves "Victor Bout" when the analyst clears the case, found by the run’s own case check', async () => {
    const customer = person('Victor', 'Bout');
    const status = await withSandboxWorkers(h, async (tq) => {
      const handle = await start(tq, input(customer, testPolicy({ reviewPollIntervalMs: 1_000 })));
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({ screeningResult: 'HAS_PROFILES', riskLevel: 'MEDIUM-RISK' });
      await h.decideCase(waiting.case!.caseIdentifier, 'POSITIVE');
      return handle.result();
    });
    expect(status).toMatchObject({
      state: 'APPROVED',
      decision: { decisionType: 'POSITIVE', source: 'case-check' },
    });
  });

  it('keeps a decision that arrives while Mesh is still screening, and applies it after', async () => {
    // Mesh screened and opened the case, the analyst decided it and the webhook arrived, all before
    // create-and-screen's answer reached the run: the real activity's answer is held back meanwhile.
    const real = sandboxActivities(h);
    let screened: ScreeningOutcome | undefined;
    let releaseAnswer!: () => void;
    const answerHeld = new Promise<void>((resolve) => (releaseAnswer = resolve));
    const activities: Activities = {
      ...real,
      createAndScreen: async (request) => {
        const outcome = await real.createAndScreen(request);
        screened = outcome;
        await answerHeld;
        return outcome;
      },
    };
    const customer = person('Victor', 'Bout');
    const status = await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, input(customer));
      try {
        const outcome = await waitFor(() => screened, {
          timeoutMs: 20_000,
          description: 'create-and-screen at the sandbox',
        });
        const caseIdentifier = outcome.caseIdentifier!;
        await h.decideCase(caseIdentifier, 'NEGATIVE');
        await handle.signal(caseDecisionSignal, {
          caseIdentifier,
          caseType: 'CUSTOMER_ONBOARDING',
          decisionType: 'NEGATIVE',
          source: 'webhook',
          webhookId: 'w-early',
          receivedAt: new Date().toISOString(),
        });
        expect((await handle.query(statusQuery)).state).toBe('SCREENING');
      } finally {
        releaseAnswer();
      }
      return handle.result();
    });
    expect(status).toMatchObject({
      state: 'REJECTED',
      monitoringEnabled: false,
      riskLevel: 'MEDIUM-RISK',
      // The webhook's decision (the review poll is an hour away), confirmed by reading the case.
      decision: {
        decisionType: 'NEGATIVE',
        source: 'webhook',
        webhookId: 'w-early',
        confirmedAt: expect.any(String),
      },
    });
    expect(status.history.map((s) => s.state)).toEqual(['SCREENING', 'AWAITING_REVIEW', 'REJECTED']);
  });

  it('rides out Mesh errors and rate limits, and an expired token, then approves', async () => {
    await h.settings({ tokenExpiresInSeconds: 1 });
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'server-error', status: 503, count: 1 });
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'rate-limit', resetSeconds: 1, count: 1 });
    const customer = person('Test', 'CleanUser');
    const status = await withSandboxWorkers(h, async (tq) => (await start(tq, input(customer))).result());
    expect(status.state).toBe('APPROVED');
    expect(await screeningRequests()).toBe(3);
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
  }, 90_000);

  it.each(['errored-200', 'conflict-problem', 'conflict-guide'] as const)(
    'recovers a customer an earlier attempt created (duplicate answered as %s) instead of failing',
    async (duplicateShape) => {
      await h.settings({ duplicateShape, identicalRetry: 'duplicate' });
      const customer = person('Victor', 'Bout');
      // An earlier attempt whose answer never arrived created the customer already.
      await h.client().createAndScreen({
        customer,
        screeningConfigurationIdentifier: 'sandbox-default',
        monitoringEnabled: true,
      });
      await withSandboxWorkers(h, async (tq) => {
        const waiting = await waitForState(await start(tq, input(customer)), 'AWAITING_REVIEW');
        expect(waiting).toMatchObject({
          recoveredFromDuplicate: true,
          screeningResult: 'HAS_PROFILES',
          case: { caseIdentifier: expect.any(String) },
        });
      });
      expect(await h.customerCount(customer.external_identifier)).toBe(1);
    },
  );

  it('keeps exactly one customer when the worker is restarted in the middle of screening, and sends the unread outcome to review', async () => {
    // Mesh answers slowly (within the client's 2 s timeout); the first attempt's request is in flight
    // when its worker goes away.
    await h.settings({ identicalRetry: 'duplicate', duplicateShape: 'conflict-guide' });
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'latency', latencyMs: 1_500, count: 1 });
    const customer = person('Test', 'CleanUser');
    const taskQueue = uniqueTaskQueue('restart');
    const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
    const startWorkers = async () => {
      const workers = [
        await Worker.create({
          connection: t.nativeConnection,
          namespace: TEST_NAMESPACE,
          taskQueue,
          workflowBundle,
          ...onboardingWorkflowWorkerOptions(),
        }),
        await Worker.create({
          connection: t.nativeConnection,
          namespace: TEST_NAMESPACE,
          taskQueue: meshTaskQueue(taskQueue),
          activities: sandboxActivities(h),
          // Shorter than the slow answer: the in-flight attempt is cancelled, as at a real deploy.
          shutdownGraceTime: '200ms',
        }),
      ];
      return { workers, running: Promise.all(workers.map((w) => w.run())) };
    };

    const first = await startWorkers();
    const handle = await start(taskQueue, input(customer));
    await waitFor(async () => (await screeningRequests()) >= 1, {
      timeoutMs: 20_000,
      description: 'create-and-screen at the sandbox',
    });
    for (const worker of first.workers) worker.shutdown();
    await first.running;
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Mesh finishes the request the old worker gave up on: the customer exists before the retry.
    await waitFor(async () => (await h.customerCount(customer.external_identifier)) === 1, {
      timeoutMs: 20_000,
      description: 'the first attempt to create the customer at Mesh',
    });

    const second = await startWorkers();
    try {
      // The retry met the duplicate, and the guide's 409 names no original workflow to read the first
      // screening from: the outcome is unknown, so a person decides (never an approval on a guess).
      const status = await waitForState(handle, 'AWAITING_REVIEW');
      expect(status).toMatchObject({
        escalated: true,
        recoveredFromDuplicate: true,
        reason: expect.stringContaining('screening outcome unknown'),
      });
      expect(status.screeningResult).toBeUndefined();
      expect(status.history.map((s) => s.state)).toEqual(['SCREENING', 'AWAITING_REVIEW']);
    } finally {
      for (const worker of second.workers) worker.shutdown();
      await second.running;
    }
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
    expect(await screeningRequests()).toBe(2);
  }, 120_000);
});
