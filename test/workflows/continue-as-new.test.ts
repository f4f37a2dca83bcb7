import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { amendCustomerUpdate, meshTaskQueue, statusQuery } from '../../src/contracts/onboarding';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer } from '../../src/workflows';
import { startLocalTemporal, type LocalTemporal } from '../../testkit/temporal-server';
import { installTestRuntime, uniqueTaskQueue } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';
import { callsTo, fakeActivities, screeningOutcome, testPolicy, uniqueCustomer } from '../helpers/onboarding';

/**
 * A review polled every second for weeks must never reach Temporal's history limit: the run continues
 * as new when the server suggests it, carrying its terms, status and memory of messages. A server of
 * its own suggests it after 40 events instead of thousands, so a few seconds of polling show it.
 */
let local: LocalTemporal;
let client: Client;

beforeAll(async () => {
  installTestRuntime();
  local = await startLocalTemporal({
    extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'],
  });
  client = local.env.client;
}, 120_000);

afterAll(async () => {
  await local?.env.teardown();
});

it('continues a long review as new, keeping its terms, status and seen messages', async () => {
  const { activities, calls, cases } = fakeActivities({
    createAndScreen: () =>
      screeningOutcome({
        screeningResult: 'HAS_PROFILES',
        riskLevel: 'MEDIUM-RISK',
        caseIdentifier: 'case-1',
      }),
  });
  const taskQueue = uniqueTaskQueue('can');
  const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
  const connection = local.env.nativeConnection;
  const workers = [
    await Worker.create({ connection, taskQueue, workflowBundle, ...onboardingWorkflowWorkerOptions() }),
    await Worker.create({ connection, taskQueue: meshTaskQueue(taskQueue), activities }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  try {
    const customer = uniqueCustomer();
    const handle = await client.workflow.start(onboardCustomer, {
      taskQueue,
      workflowId: onboardingWorkflowId(customer.external_identifier),
      args: [{ customer, policy: testPolicy({ reviewPollIntervalMs: 1_000 }) }],
    });
    const amended = await handle.executeUpdate(amendCustomerUpdate, {
      args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'r-1' }],
    });
    expect(amended.rescores).toBe(1);
    await handle.signal(caseDecisionSignal, {
      caseIdentifier: 'case-1',
      decisionType: null,
      source: 'webhook',
      webhookId: 'w-stage',
      stageIdentifier: 's-review',
      receivedAt: new Date().toISOString(),
    });

    const continued = await waitFor(
      async () => {
        const status = await client.workflow.getHandle(handle.workflowId).query(statusQuery);
        return (status.continuedAsNew ?? 0) >= 2 ? status : undefined;
      },
      { timeoutMs: 60_000, description: 'two continuations' },
    );
    expect(continued).toMatchObject({
      state: 'AWAITING_REVIEW',
      rescores: 1,
      terms: { policy: { reviewPollIntervalMs: 1_000 } },
    });
    const latest = client.workflow.getHandle(handle.workflowId);
    expect((await latest.describe()).runId).not.toBe(handle.firstExecutionRunId);
    // Each run's history stays short however long the review polls.
    expect(((await latest.fetchHistory()).events ?? []).length).toBeLessThan(80);

    // What it remembers: the same request again changes nothing; the same webhook is dropped.
    const again = await latest.executeUpdate(amendCustomerUpdate, {
      args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'r-1' }],
    });
    expect(again.rescores).toBe(1);
    expect(callsTo(calls, 'updateAndRescore')).toHaveLength(1);

    cases.set('case-1', { decisionType: 'POSITIVE', stageIdentifier: 's-final' });
    expect(await latest.result()).toMatchObject({ state: 'APPROVED', rescores: 1 });
  } finally {
    for (const w of workers) w.shutdown();
    await running;
  }
});
