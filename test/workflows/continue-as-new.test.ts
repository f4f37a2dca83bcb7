import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { amendCustomerUpdate, meshTaskQueue, statusQuery } from '../../src/contracts/onboarding';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { coreCustomerOnboarding, onboardCustomer } from '../../src/workflows';
import {
  coreCustomerWorkflowId,
  coreEventSignal,
  coreStatusQuery,
  coreTaskQueue,
  type CoreBankingActivities,
} from '../../src/contracts/core-banking';
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

it('continues a long core-banking wait as new, keeping its status, deadline and seen events', async () => {
  const board = { ofac: 'Reviewing' };
  const reads: string[] = [];
  const activities: CoreBankingActivities = {
    createCoreCustomer: () =>
      Promise.resolve({ id: 'cos-can', ofac: 'Pending', pepScan: 'Pending', replayed: false }),
    addCoreAddress: () => Promise.resolve({ id: 'a-1', replayed: false }),
    addCorePhone: () => Promise.resolve({ id: 'p-1', replayed: false }),
    readCoreCustomer: (input) => {
      reads.push(input.customerId);
      return Promise.resolve({ id: 'cos-can', ofac: board.ofac, pepScan: 'Clear' });
    },
  };
  const taskQueue = uniqueTaskQueue('can-core');
  const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
  const connection = local.env.nativeConnection;
  const workers = [
    await Worker.create({ connection, taskQueue, workflowBundle, ...onboardingWorkflowWorkerOptions() }),
    await Worker.create({ connection, taskQueue: coreTaskQueue(taskQueue), activities }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  try {
    const customer = uniqueCustomer({
      date_of_birth: { day: 1, month: 1, year: 1990 },
      address: { address_line1: '1 Main St', city: 'Town', postal_code: '12345', country: 'US' },
      phone_number: '2015550123',
    });
    const workflowId = coreCustomerWorkflowId(customer.external_identifier);
    const first = await client.workflow.start(coreCustomerOnboarding, {
      taskQueue,
      workflowId,
      args: [
        {
          externalIdentifier: customer.external_identifier,
          customer,
          terms: { partnerId: 'p', pollIntervalMs: 1_000, reviewDeadlineMs: 3_600_000 },
        },
      ],
    });
    const event = {
      eventId: 'evt-can-1',
      eventName: 'Core.Customer.Ofac.Changed',
      coreCustomerId: 'cos-can',
      receivedAt: new Date().toISOString(),
    };
    await first.signal(coreEventSignal, event);
    const latest = client.workflow.getHandle(workflowId);
    await waitFor(
      async () => {
        const { runId } = await latest.describe();
        return runId !== first.firstExecutionRunId && reads.length >= 12 ? true : undefined;
      },
      { timeoutMs: 60_000, description: 'a continuation after a dozen reads' },
    );
    const status = await latest.query(coreStatusQuery);
    expect(status).toMatchObject({ state: 'CORE_SCANNING', coreCustomerId: 'cos-can', eventsSeen: 1 });
    // The same event after the continuation is remembered and dropped.
    await latest.signal(coreEventSignal, event);
    expect(((await latest.fetchHistory()).events ?? []).length).toBeLessThan(80);
    board.ofac = 'Clear';
    const done = await latest.result();
    expect(done).toMatchObject({ state: 'CORE_READY', eventsSeen: 1 });
  } finally {
    for (const w of workers) w.shutdown();
    await running;
  }
});
