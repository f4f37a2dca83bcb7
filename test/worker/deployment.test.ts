import { Worker } from '@temporalio/worker';
import * as workflows from '../../src/workflows';
import { VERSIONING_BEHAVIOR } from '../../src/workflows/common/versioning';
import { promoteIfWanted, type DeploymentVersion } from '../../src/worker/deployment';
import { deploymentNameFor } from '../../src/worker/deployment-config';
import { loadWorkerConfig } from '../../src/worker/config';
import { workflowWorkerOptions } from '../../src/worker/options';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { TEST_ONBOARDING_DEFAULTS } from '../helpers/onboarding';
import { uniqueTaskQueue, uniqueWorkflowId, useTestConnection } from '../helpers/temporal';

/**
 * Worker Versioning against the dev server: the worker's promote modes (src/worker/deployment.ts), and
 * the versioning behaviour each workflow type declares reaching the server through the worker's options.
 */
const temporal = useTestConnection();

/** The production workflow worker of one version on `taskQueue`, running until the test stops it. */
async function versionedWorker(taskQueue: string, version: DeploymentVersion) {
  const { workflowsPath: _bundledBelow, ...options } = workflowWorkerOptions(
    { connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue },
    loadWorkerConfig({}),
    TEST_ONBOARDING_DEFAULTS,
    version,
  );
  const worker = await Worker.create({
    ...options,
    workflowBundle: await bundleOnce(require.resolve('../../src/workflows')),
  });
  const running = worker.run();
  return { stop: async () => (worker.shutdown(), await running) };
}

const promote = (version: DeploymentVersion, mode: 'if-unset' | 'always' | 'never', timeoutMs?: number) =>
  promoteIfWanted({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    version,
    mode,
    identity: 'deployment.test',
    ...(timeoutMs !== undefined && { timeoutMs }),
  });

describe('promoting a worker version', () => {
  it('makes a first version current by itself, leaves a second one to the operator unless told always', async () => {
    const taskQueue = uniqueTaskQueue('promote');
    const deploymentName = deploymentNameFor(taskQueue);
    const v1 = { deploymentName, buildId: 'v1' };
    const v2 = { deploymentName, buildId: 'v2' };
    const first = await versionedWorker(taskQueue, v1);
    try {
      await expect(promote(v1, 'if-unset')).resolves.toEqual({ kind: 'promoted', previous: undefined });
      await expect(promote(v1, 'if-unset')).resolves.toEqual({ kind: 'already-current' });
      const second = await versionedWorker(taskQueue, v2);
      try {
        await expect(promote(v2, 'if-unset')).resolves.toEqual({
          kind: 'left-to-operator',
          current: 'v1',
          command: `temporal worker deployment set-current-version --deployment-name ${deploymentName} --build-id v2`,
        });
        await expect(promote(v2, 'never')).resolves.toMatchObject({
          kind: 'left-to-operator',
          current: 'v1',
        });
        await expect(promote(v2, 'always')).resolves.toEqual({ kind: 'promoted', previous: 'v1' });
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it('names the setting to change when the server never registers the version', async () => {
    const version = { deploymentName: deploymentNameFor(uniqueTaskQueue('nobody')), buildId: 'v1' };
    await expect(promote(version, 'if-unset', 1_500)).rejects.toThrow(
      /has not registered deployment version .*WORKER_VERSIONING=false/,
    );
  });
});

describe('versioning behaviour of each workflow type', () => {
  it('is declared for every workflow the worker registers: the long ones pinned, the short operations auto-upgrading', () => {
    expect(VERSIONING_BEHAVIOR).toEqual({
      onboardCustomer: 'PINNED',
      monitoringCaseReview: 'PINNED',
      updateCustomerData: 'AUTO_UPGRADE',
      setCustomerMonitoring: 'AUTO_UPGRADE',
      offboardCustomer: 'AUTO_UPGRADE',
      complyCubeCheckEvents: 'PINNED',
      complyCubeWebhookHealth: 'AUTO_UPGRADE',
      coreCustomerOnboarding: 'PINNED',
      coreCustomerReview: 'PINNED',
      reconcileAbandonedScreening: 'AUTO_UPGRADE',
      caClassicSearchEvents: 'AUTO_UPGRADE',
    });
    expect(Object.keys(workflows).sort()).toEqual(Object.keys(VERSIONING_BEHAVIOR).sort());
    for (const fn of Object.values(workflows)) {
      // Read when a worker first runs a run: only a versioned worker gets a behaviour (see the test below).
      expect(typeof (fn as { workflowDefinitionOptions?: unknown }).workflowDefinitionOptions).toBe(
        'function',
      );
    }
  });

  it('reaches the server: an onboarding is pinned to the version that started it, an operation auto-upgrades', async () => {
    const taskQueue = uniqueTaskQueue('pinned');
    const version = { deploymentName: deploymentNameFor(taskQueue), buildId: 'pin-1' };
    const worker = await versionedWorker(taskQueue, version);
    try {
      await promote(version, 'if-unset');
      const onboarding = await temporal.client.workflow.start('onboardCustomer', {
        taskQueue,
        workflowId: uniqueWorkflowId('onboarding-pinned'),
        args: [
          {
            customer: {
              external_identifier: 'PIN-1',
              person: { first_name: 'Test', last_name: 'CleanUser' },
            },
          },
        ],
      });
      const operation = await temporal.client.workflow.start('setCustomerMonitoring', {
        taskQueue,
        workflowId: uniqueWorkflowId('monitoring-auto'),
        args: [{ externalIdentifier: 'PIN-1', customerIdentifier: 'cus-1', enabled: false, requestId: 'r1' }],
      });
      // Each run's first workflow task (the Mesh activity it schedules has no worker here) sets its behaviour.
      const versioning = async (id: string) =>
        (await temporal.client.workflow.getHandle(id).describe()).raw.workflowExecutionInfo?.versioningInfo;
      const pinned = await waitFor(() => versioning(onboarding.workflowId), {
        until: (info) => info?.behavior !== undefined && Number(info.behavior) !== 0,
        description: 'the onboarding to record its versioning behaviour',
        timeoutMs: 20_000,
      });
      const auto = await waitFor(() => versioning(operation.workflowId), {
        until: (info) => info?.behavior !== undefined && Number(info.behavior) !== 0,
        description: 'the operation to record its versioning behaviour',
        timeoutMs: 20_000,
      });
      expect([Number(pinned?.behavior), pinned?.deploymentVersion?.buildId]).toEqual([1, 'pin-1']); // 1 = PINNED
      expect(Number(auto?.behavior)).toBe(2); // 2 = AUTO_UPGRADE
      await onboarding.terminate('test over');
      await operation.terminate('test over');
    } finally {
      await worker.stop();
    }
  });
});
