/**
 * End to end, in one process: the Mesh sandbox (src/sandbox) delivering signed webhooks to the bridge
 * (src/bridge, over real HTTP), the bridge signalling the real Temporal dev server of this jest run,
 * and a real worker running the onboarding with the real Mesh client against the sandbox. An analyst
 * decision made through the sandbox's analyst route must move a waiting onboarding to its end.
 *
 * The review poll runs hourly here, so a decision that arrives within the test came by webhook.
 */
import { createActivities } from '../../src/activities';
import {
  DEFAULT_NAME_PREFIX,
  DEFAULT_WEBHOOK_TYPES,
  registerWebhooks,
} from '../../src/register-webhooks/register';
import type { MeshApi } from '../../src/providers/mesh/api';
import { SANDBOX_DEV_WEBHOOK_SECRET, type DeliveryLogEntry } from '../../src/sandbox/mesh';
import type { MeshCustomer } from '../../src/contracts/customer';
import { FINAL_STATES, type OnboardingInput, type OnboardingStatus } from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer } from '../../src/workflows';
import { startInProcessBridge, type InProcessBridge } from '../../testkit/bridge';
import { useTestConnection } from '../helpers/temporal';
import { externalId, guidePerson, useSandboxHarness } from '../helpers/mesh-sandbox';
import { testPolicy, waitForState, waitForStatus, withOnboardingWorkers } from '../helpers/onboarding';
import { DroppingFront } from './dropping-front';

const ANALYST_NOTE = 'Different date of birth: confirmed false positive';

const t = useTestConnection();
// The sandbox's defaults are the real delivery schedule: a failed attempt is retried after 1 s, 5 s, 10 s.
// It is reset before each test: webhook registrations of an earlier test point at a bridge that is gone.
const harness = useSandboxHarness();

interface Stack {
  taskQueue: string;
  mesh: MeshApi;
  bridge: InProcessBridge;
  onboard(customer: MeshCustomer, extra?: Partial<OnboardingInput>): Promise<StartedOnboarding>;
}

interface StartedOnboarding {
  result(): Promise<OnboardingStatus>;
  awaitingReview(): Promise<OnboardingStatus>;
}

/**
 * Worker (workflows + Mesh activities against the sandbox), bridge on a free port verifying the
 * sandbox's signing secret, and the sandbox's case webhooks registered for the bridge the way an
 * operator does it (`npm run register-webhooks`), optionally through a network that drops deliveries.
 */
async function withStack(
  fn: (stack: Stack) => Promise<void>,
  network: { dropFirstDecision?: boolean } = {},
): Promise<{ bridgeLogs: string[]; front: DroppingFront | undefined }> {
  const mesh = harness.client();
  let bridgeLogs: string[] = [];
  let front: DroppingFront | undefined;
  await withOnboardingWorkers(createActivities({ mesh }), async (taskQueue) => {
    const bridge = await startInProcessBridge({
      temporalAddress: t.address,
      taskQueue,
      secrets: [SANDBOX_DEV_WEBHOOK_SECRET],
      keepLogs: true,
    });
    bridgeLogs = bridge.logs;
    try {
      if (network.dropFirstDecision === true) {
        front = await DroppingFront.start({
          target: bridge.url,
          drops: 1,
          shouldDrop: (body) =>
            body['webhook_type'] === 'CASE_TRANSITIONED' &&
            (body['case_stage'] as { stage_type?: string } | undefined)?.stage_type === 'DECISION',
        });
      }
      await registerWebhooks(
        mesh,
        {
          url: front?.url ?? bridge.url,
          types: [...DEFAULT_WEBHOOK_TYPES],
          namePrefix: DEFAULT_NAME_PREFIX,
          dryRun: false,
        },
        () => undefined,
      );
      await fn({
        taskQueue,
        mesh,
        bridge,
        async onboard(customer, extra = {}) {
          const handle = await t.client.workflow.start(onboardCustomer, {
            taskQueue,
            workflowId: onboardingWorkflowId(customer.external_identifier),
            args: [
              {
                customer,
                configuration: { screening_configuration_identifier: 'sandbox-default' },
                policy: testPolicy(),
                ...extra,
              },
            ],
          });
          return {
            // Bounded, so a decision that never arrives fails with a message, not jest's timeout.
            result: async () => {
              await waitForStatus(handle, (s) => FINAL_STATES.includes(s.state), 'a final state');
              return handle.result();
            },
            awaitingReview: () => waitForState(handle, 'AWAITING_REVIEW'),
          };
        },
      });
    } finally {
      await front?.close();
      await bridge.close();
    }
  });
  return { bridgeLogs, front };
}

/** The sandbox's analyst route (sandbox contract: POST /_sandbox/cases/{id}/transition). */
async function analystDecides(caseIdentifier: string, decision: string): Promise<void> {
  await harness.decideCase(caseIdentifier, decision, ANALYST_NOTE);
}

async function deliveries(): Promise<DeliveryLogEntry[]> {
  return harness.deliveries();
}

function caseOf(status: OnboardingStatus): string {
  const caseIdentifier = status.case?.caseIdentifier;
  if (caseIdentifier === undefined) throw new Error('the waiting onboarding knows no case');
  return caseIdentifier;
}

describe('an analyst decision travels from Mesh to the onboarding', () => {
  it('approves a waiting onboarding when the analyst decides POSITIVE', async () => {
    const customer = guidePerson('Victor Bout', externalId('E2E-VB'));
    let final: OnboardingStatus | undefined;

    const { bridgeLogs } = await withStack(async ({ onboard, mesh }) => {
      const run = await onboard(customer);
      const waiting = await run.awaitingReview();
      expect(waiting).toMatchObject({ screeningResult: 'HAS_PROFILES', monitoringEnabled: true });

      await analystDecides(caseOf(waiting), 'POSITIVE');
      final = await run.result();

      const stored = await mesh.getCustomer(final.customerIdentifier!);
      expect(stored.monitoringEnabled).toBe(true);
    });

    expect(final).toMatchObject({
      state: 'APPROVED',
      externalIdentifier: customer.external_identifier,
      monitoringEnabled: true,
      decision: { decisionType: 'POSITIVE', source: 'webhook', webhookId: expect.any(String) },
    });
    const decisionDelivery = (await deliveries()).find((d) => d.webhookId === final?.decision?.webhookId);
    expect(decisionDelivery).toMatchObject({ type: 'CASE_TRANSITIONED', outcome: 'delivered', status: 200 });
    // The bridge logs identifiers only: no name, no analyst note, no signature or secret.
    const logs = bridgeLogs.join('');
    expect(logs).toContain(customer.external_identifier);
    for (const forbidden of ['Victor', 'Bout', ANALYST_NOTE, SANDBOX_DEV_WEBHOOK_SECRET, 'v1,']) {
      expect(logs).not.toContain(forbidden);
    }
  });

  it('rejects a waiting onboarding when the analyst decides NEGATIVE, and switches monitoring off', async () => {
    const customer = guidePerson('Victor Bout', externalId('E2E-VB'));
    let final: OnboardingStatus | undefined;

    await withStack(async ({ onboard, mesh }) => {
      const run = await onboard(customer);
      const waiting = await run.awaitingReview();

      await analystDecides(caseOf(waiting), 'NEGATIVE');
      final = await run.result();

      const stored = await mesh.getCustomer(final.customerIdentifier!);
      expect(stored.monitoringEnabled).toBe(false);
    });

    expect(final).toMatchObject({
      state: 'REJECTED',
      monitoringEnabled: false,
      decision: { decisionType: 'NEGATIVE', source: 'webhook' },
    });
  });

  it('gets the decision through when the first delivery is lost and the sender retries it', async () => {
    const customer = guidePerson('Victor Bout', externalId('E2E-VB'));
    let final: OnboardingStatus | undefined;

    const { front } = await withStack(
      async ({ onboard }) => {
        const run = await onboard(customer);
        const waiting = await run.awaitingReview();

        await analystDecides(caseOf(waiting), 'POSITIVE');
        final = await run.result();
      },
      { dropFirstDecision: true },
    );

    expect(final).toMatchObject({ state: 'APPROVED', decision: { source: 'webhook' } });
    const webhookId = final?.decision?.webhookId;
    expect(front?.dropped).toEqual([webhookId]);
    const attempts = (await deliveries()).filter((d) => d.webhookId === webhookId);
    expect(attempts.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'failed'],
      [2, 'delivered'],
    ]);
  });

  it('approves a clean customer without any analyst, and the bridge has nothing to deliver', async () => {
    const customer = guidePerson('Test CleanUser', externalId('E2E-CLEAN'));
    let final: OnboardingStatus | undefined;

    await withStack(async ({ onboard }) => {
      final = await (await onboard(customer)).result();
    });

    expect(final).toMatchObject({ state: 'APPROVED', screeningResult: 'NO_PROFILES' });
    expect(final?.decision).toBeUndefined();
    // No case was opened, so Mesh had no webhook to send.
    expect(await deliveries()).toEqual([]);
  });
});
