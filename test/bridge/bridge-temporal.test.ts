/**
 * The bridge against the real Temporal dev server of this jest run (test/global-setup.ts), with the
 * real workflows and typed Mesh fakes behind the activities: what a webhook does to a running workflow.
 */
import { createActivities } from '../../src/activities';
import { TemporalUnavailableError } from '../../src/bridge/signaller';
import { createTemporalSignaller } from '../../src/bridge/temporal-signaller';
import type { CaseDecision } from '../../src/contracts/case-decision';
import {
  monitoringCaseStatusQuery,
  MONITORING_CASE_REVIEW_WORKFLOW_TYPE,
} from '../../src/contracts/monitoring-case';
import { meshTaskQueue, statusQuery, type OnboardingInput } from '../../src/contracts/onboarding';
import { kycMarkedForOffboarding } from '../../src/contracts/search-attributes';
import { monitoringCaseWorkflowId, onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer, type monitoringCaseReview } from '../../src/workflows';
import { withUnreachableSignaller } from '../helpers/temporal-signaller';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { startInProcessBridge, type InProcessBridge } from '../../testkit/bridge';
import { TcpProxy } from '../../testkit/net';
import { externalId } from '../helpers/mesh-sandbox';
import { FakeMesh } from './fake-mesh';
import { casePayload, legacySignature, newSecret, signedCaseWebhook } from '../../testkit/webhooks';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';

const SECRET = newSecret();

const t = useTestConnection();

const workflowsPath = require.resolve('../../src/workflows');

/** Runs the workflow worker and the Mesh-queue activity worker of `taskQueue` while `fn` runs. */
async function withWorkers<R>(taskQueue: string, mesh: FakeMesh, fn: () => Promise<R>): Promise<R> {
  const workflowBundle = await bundleOnce(workflowsPath);
  return runWorker({ taskQueue, workflowBundle, ...onboardingWorkflowWorkerOptions() }, () =>
    runWorker({ taskQueue: meshTaskQueue(taskQueue), activities: createActivities({ mesh }) }, fn),
  );
}

interface Posted {
  status: number;
  body: Record<string, unknown>;
}

/** One signed delivery over real HTTP; its `headers` fix the webhook id and timestamp for redeliveries. */
async function post(
  bridge: InProcessBridge,
  { body, headers }: { body: string; headers: Record<string, string> },
): Promise<Posted> {
  const res = await fetch(bridge.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A bridge on a fresh task queue for each test of the calling describe block, closed after it. */
function useBridgePerTest(prefix: string): { bridge: InProcessBridge; taskQueue: string } {
  const each = {} as { bridge: InProcessBridge; taskQueue: string };
  beforeEach(async () => {
    each.taskQueue = uniqueTaskQueue(prefix);
    each.bridge = await startInProcessBridge({
      temporalAddress: t.address,
      taskQueue: each.taskQueue,
      secrets: [SECRET],
    });
  });
  afterEach(async () => {
    await each.bridge.close();
  });
  return each;
}

function onboardingInput(externalIdentifier: string): OnboardingInput {
  return {
    customer: {
      external_identifier: externalIdentifier,
      person: { first_name: 'Test', last_name: 'Person' },
    },
    configuration: { screening_configuration_identifier: 'sandbox-default' },
    policy: { reviewPollIntervalMs: 3_600_000 },
  };
}

describe('Temporal signaller', () => {
  it('reports a missing onboarding as workflow-not-found rather than failing', async () => {
    const signaller = createTemporalSignaller({
      client: t.client,
      namespace: 'default',
      taskQueue: uniqueTaskQueue('unused'),
      signalTimeoutMs: 5_000,
      readinessTimeoutMs: 1_000,
    });
    const decision: CaseDecision = {
      caseIdentifier: 'case-none',
      decisionType: 'POSITIVE',
      source: 'webhook',
      receivedAt: new Date().toISOString(),
    };
    await expect(signaller.signalOnboarding(externalId(), decision)).resolves.toBe('workflow-not-found');
    await expect(signaller.isReady()).resolves.toBe(true);
  });

  it('fails with TemporalUnavailableError within its deadline when nothing listens at the address', async () => {
    await withUnreachableSignaller(async (signaller) => {
      const decision: CaseDecision = {
        caseIdentifier: 'c',
        decisionType: null,
        source: 'webhook',
        receivedAt: new Date().toISOString(),
      };
      await expect(signaller.signalOnboarding('CUST-1', decision)).rejects.toBeInstanceOf(
        TemporalUnavailableError,
      );
      await expect(
        signaller.signalMonitoringCase({ caseIdentifier: 'c', externalIdentifier: 'CUST-1' }, decision),
      ).rejects.toBeInstanceOf(TemporalUnavailableError);
      await expect(signaller.isReady()).resolves.toBe(false);
    });
  });
});

describe('webhooks into running workflows', () => {
  const each = useBridgePerTest('bridge');

  it('applies a decision that arrived while screening was still retrying, once screening finds profiles', async () => {
    const { bridge, taskQueue } = each;
    const mesh = new FakeMesh({ screeningResult: 'HAS_PROFILES' });
    mesh.screeningOpen = false;
    const externalIdentifier = externalId();
    const workflowId = onboardingWorkflowId(externalIdentifier);

    await withWorkers(taskQueue, mesh, async () => {
      const handle = await t.client.workflow.start(onboardCustomer, {
        taskQueue,
        workflowId,
        args: [onboardingInput(externalIdentifier)],
      });
      await waitFor(() => mesh.screeningAttempts >= 1, {
        timeoutMs: 20_000,
        description: 'a failed screening attempt',
      });
      expect((await handle.query(statusQuery)).state).toBe('SCREENING');

      // The analyst decided at Mesh (an earlier attempt's screening opened the case); the webhook says so.
      mesh.decide(`case-${externalIdentifier}`, 'POSITIVE');
      const decision = signedCaseWebhook(SECRET, {
        externalIdentifier,
        caseIdentifier: `case-${externalIdentifier}`,
        decisionType: 'POSITIVE',
      });
      expect(await post(bridge, decision)).toEqual({
        status: 200,
        body: { status: 'signalled', workflow: 'onboarding' },
      });
      expect((await handle.query(statusQuery)).state).toBe('SCREENING');

      mesh.screeningOpen = true;
      const result = await handle.result();
      expect(result.state).toBe('APPROVED');
      expect(result.screeningResult).toBe('HAS_PROFILES');
      // Applied only once the run's own read of the case confirmed it.
      expect(result.decision).toMatchObject({
        caseIdentifier: `case-${externalIdentifier}`,
        decisionType: 'POSITIVE',
        source: 'webhook',
        confirmedAt: expect.any(String),
      });
    });
  });

  it('acknowledges a decision for an onboarding that has already finished, without starting another', async () => {
    const { bridge, taskQueue } = each;
    const mesh = new FakeMesh({ screeningResult: 'NO_PROFILES', riskLevel: 'LOW-RISK' });
    const externalIdentifier = externalId();
    await withWorkers(taskQueue, mesh, async () => {
      const result = await t.client.workflow.execute(onboardCustomer, {
        taskQueue,
        workflowId: onboardingWorkflowId(externalIdentifier),
        args: [onboardingInput(externalIdentifier)],
      });
      expect(result.state).toBe('APPROVED');
    });
    const late = signedCaseWebhook(SECRET, { externalIdentifier, decisionType: 'NEGATIVE' });
    expect(await post(bridge, late)).toEqual({
      status: 200,
      body: { status: 'no-running-workflow', workflow: 'onboarding' },
    });
    const runs = await t.client.workflow.count(`WorkflowId = '${onboardingWorkflowId(externalIdentifier)}'`);
    expect(runs.count).toBe(1);
  });
});

describe('Temporal unreachable', () => {
  it('answers 503 while Temporal is down, and the same delivery retried after it is back reaches the workflow', async () => {
    const proxy = await TcpProxy.start(t.address, { up: false });
    const taskQueue = uniqueTaskQueue('bridge-outage');
    const bridge = await startInProcessBridge({
      temporalAddress: proxy.address,
      taskQueue,
      secrets: [SECRET],
      signalTimeoutMs: 1_500,
    });
    const mesh = new FakeMesh({ screeningResult: 'HAS_PROFILES' });
    const externalIdentifier = externalId();
    try {
      await withWorkers(taskQueue, mesh, async () => {
        const handle = await t.client.workflow.start(onboardCustomer, {
          taskQueue,
          workflowId: onboardingWorkflowId(externalIdentifier),
          args: [onboardingInput(externalIdentifier)],
        });
        await waitFor(async () => (await handle.query(statusQuery)).state === 'AWAITING_REVIEW', {
          timeoutMs: 20_000,
          description: 'the onboarding to wait for review',
        });

        // The analyst rejects at Mesh; the webhook reporting it is what the outage holds up.
        mesh.decide(`case-${externalIdentifier}`, 'NEGATIVE');
        const delivery = signedCaseWebhook(SECRET, {
          externalIdentifier,
          caseIdentifier: `case-${externalIdentifier}`,
          decisionType: 'NEGATIVE',
        });
        const refused = await post(bridge, delivery);
        expect(refused.status).toBe(503);
        expect(refused.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'temporarily unavailable, retry later',
        });
        expect((await handle.query(statusQuery)).state).toBe('AWAITING_REVIEW');

        await proxy.up();
        // The sender retries the very same delivery (same webhook-id and signature) after 1, 5 and 10 s.
        const accepted = await waitFor(
          async () => {
            const res = await post(bridge, delivery);
            return res.status === 200 ? res : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 1_000, description: 'the retried delivery to be accepted' },
        );
        expect(accepted.body).toEqual({ status: 'signalled', workflow: 'onboarding' });
        expect(await handle.result()).toMatchObject({
          state: 'REJECTED',
          decision: { decisionType: 'NEGATIVE', source: 'webhook', confirmedAt: expect.any(String) },
        });
      });
    } finally {
      await bridge.close();
      await proxy.down();
    }
  });
});

describe('monitoring cases', () => {
  const each = useBridgePerTest('bridge-monitoring');

  /** A monitoring case of a fresh customer, and its signed webhooks: CASE_CREATED, and a decision. */
  function monitoringCase() {
    const externalIdentifier = externalId();
    const caseIdentifier = `case-m-${externalIdentifier}`;
    const monitoring = { externalIdentifier, caseIdentifier, caseType: 'CUSTOMER_MONITORING' };
    return {
      caseIdentifier,
      created: () =>
        signedCaseWebhook(SECRET, { ...monitoring, webhookType: 'CASE_CREATED', decisionType: null }),
      decided: (decisionType: string) => signedCaseWebhook(SECRET, { ...monitoring, decisionType }),
    };
  }

  it('reviews a new monitoring case and marks the customer for offboarding on a NEGATIVE decision', async () => {
    const { bridge, taskQueue } = each;
    const mesh = new FakeMesh();
    const monitoring = monitoringCase();
    const workflowId = monitoringCaseWorkflowId(monitoring.caseIdentifier);

    await withWorkers(taskQueue, mesh, async () => {
      const created = monitoring.created();
      expect(await post(bridge, created)).toEqual({
        status: 200,
        body: { status: 'signalled', workflow: 'monitoring-case' },
      });
      const handle = t.client.workflow.getHandle<typeof monitoringCaseReview>(workflowId);
      expect((await handle.describe()).type).toBe(MONITORING_CASE_REVIEW_WORKFLOW_TYPE);
      expect((await handle.query(monitoringCaseStatusQuery)).state).toBe('AWAITING_DECISION');

      // The same delivery reaching a restarted bridge (its in-memory dedupe is gone): the workflow drops it.
      const restarted = await startInProcessBridge({
        temporalAddress: t.address,
        taskQueue,
        secrets: [SECRET],
      });
      try {
        expect((await post(restarted, created)).status).toBe(200);
      } finally {
        await restarted.close();
      }
      await waitFor(async () => (await handle.query(monitoringCaseStatusQuery)).duplicateDeliveries === 1, {
        timeoutMs: 10_000,
        description: 'the workflow to drop the redelivery',
      });

      const negative = monitoring.decided('NEGATIVE');
      expect((await post(bridge, negative)).status).toBe(200);
      const result = await handle.result();
      expect(result.state).toBe('MARKED_FOR_OFFBOARDING');

      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(kycMarkedForOffboarding)).toBe(true);
      // Visible to ops: the Web UI / `temporal workflow list` query finds it.
      await waitFor(
        async () =>
          (await t.client.workflow.count(`KycMarkedForOffboarding = true AND WorkflowId = '${workflowId}'`))
            .count === 1,
        { timeoutMs: 10_000, description: 'the offboarding mark in visibility' },
      );
      // The offboarding run it started switches the customer's monitoring off.
      expect(result.offboardingWorkflowId).toBeDefined();
      await t.client.workflow.getHandle(result.offboardingWorkflowId!).result();
      expect(mesh.monitoringCalls).toEqual([{ customerIdentifier: 'cust_abc789', enabled: false }]);
    });

    // A late delivery for the closed case is acknowledged and does not re-open it.
    const late = monitoring.created();
    expect(await post(bridge, late)).toEqual({
      status: 200,
      body: { status: 'case-closed', workflow: 'monitoring-case' },
    });
  });

  it('drops a replayed legacy delivery in the workflow once the bridge has forgotten it', async () => {
    const { taskQueue } = each;
    const legacySecret = 'legacy-secret-for-replay';
    const legacyBridge = () =>
      startInProcessBridge({ temporalAddress: t.address, taskQueue, secrets: [SECRET], legacySecret });
    const mesh = new FakeMesh();
    const externalIdentifier = externalId();
    const caseIdentifier = `case-m-${externalIdentifier}`;
    const body = JSON.stringify(
      casePayload({
        externalIdentifier,
        caseIdentifier,
        caseType: 'CUSTOMER_MONITORING',
        webhookType: 'CASE_CREATED',
        decisionType: null,
      }),
    );
    // No id, no timestamp: anyone who captured it can send it again, at any time.
    const headers = { 'x-complyadvantage-signature': legacySignature(legacySecret, body) };

    await withWorkers(taskQueue, mesh, async () => {
      const first = await legacyBridge();
      try {
        expect(await post(first, { body, headers })).toEqual({
          status: 200,
          body: { status: 'signalled', workflow: 'monitoring-case' },
        });
      } finally {
        await first.close();
      }
      const handle = t.client.workflow.getHandle<typeof monitoringCaseReview>(
        monitoringCaseWorkflowId(caseIdentifier),
      );
      expect((await handle.query(monitoringCaseStatusQuery)).duplicateDeliveries).toBe(0);

      const restarted = await legacyBridge();
      try {
        expect((await post(restarted, { body, headers })).status).toBe(200);
      } finally {
        await restarted.close();
      }
      await waitFor(async () => (await handle.query(monitoringCaseStatusQuery)).duplicateDeliveries === 1, {
        timeoutMs: 10_000,
        description: 'the workflow to drop the replayed legacy delivery',
      });
    });
  });

  it('handles a decision that overtakes its CASE_CREATED: the review closes, the late CASE_CREATED is acknowledged', async () => {
    const { bridge, taskQueue } = each;
    const mesh = new FakeMesh();
    const monitoring = monitoringCase();

    await withWorkers(taskQueue, mesh, async () => {
      const positive = monitoring.decided('POSITIVE');
      expect((await post(bridge, positive)).status).toBe(200);
      const handle = t.client.workflow.getHandle<typeof monitoringCaseReview>(
        monitoringCaseWorkflowId(monitoring.caseIdentifier),
      );
      const result = await handle.result();
      expect(result.state).toBe('CLEARED');
    });
    const created = monitoring.created();
    expect(await post(bridge, created)).toEqual({
      status: 200,
      body: { status: 'case-closed', workflow: 'monitoring-case' },
    });
    expect(mesh.monitoringCalls).toEqual([]);
  });
});
