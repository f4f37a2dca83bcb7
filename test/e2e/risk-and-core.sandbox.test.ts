/**
 * The flow around screening end to end on the real dev server: the risk sandbox scores, the Mesh sandbox
 * screens, the COS sandbox holds the core-banking customer and delivers its scan events (batched, HTTP
 * Basic) to the bridge, which routes them to the waiting `core-customer-<id>` run. Real adapters on their
 * queues (-mesh, -risk, -cos), as src/worker/main.ts wires them; faults through the sandboxes' control routes.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { createOnboardingTermsActivities } from '../../src/activities';
import { coreCustomerWorkflowId, coreTaskQueue, type CoreStatus } from '../../src/contracts/core-banking';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  decideUpdate,
  DEFAULT_ONBOARDING_POLICY,
  meshTaskQueue,
  type OnboardingDefaults,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import { riskTaskQueue } from '../../src/contracts/risk';
import { Secret } from '../../src/platform/config/secret';
import { createCosActivities } from '../../src/providers/cos/activities';
import { createCosClient } from '../../src/providers/cos/client';
import { createCosTokenProvider } from '../../src/providers/cos/token-provider';
import { createRiskActivities } from '../../src/providers/risk/activities';
import { createRiskClient } from '../../src/providers/risk/client';
import { startCosSandbox, type CosSandbox } from '../../src/sandbox/cos';
import { startRiskSandbox } from '../../src/sandbox/risk';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../../src/sandbox/mesh';
import { startInProcessBridge, type InProcessBridge } from '../../testkit/bridge';
import { bundleOnce } from '../../testkit/bundle';
import { CosSandboxControl } from '../../testkit/cos-sandbox-control';
import { RiskSandboxControl } from '../../testkit/risk-sandbox-control';
import { waitFor } from '../../testkit/wait';
import { startOnboarding, testPolicy, waitForState } from '../helpers/onboarding';
import { guidePerson, sandboxActivities, startHarness, type SandboxHarness } from '../helpers/mesh-sandbox';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';

const t = useTestConnection();
const workflowsPath = require.resolve('../../src/workflows');

const COS = {
  clientId: 'e2e-cos-client',
  clientSecret: 'e2e-cos-secret',
  partnerId: '00000000-0000-0000-0000-000000000000',
};
const BASIC = { username: 'cos-e2e', password: 'cos-e2e-webhook-password' };
const RISK_KEY = 'e2e-risk-key';

interface Stack {
  taskQueue: string;
  mesh: SandboxHarness;
  risk: RiskSandboxControl;
  cos: CosSandboxControl;
  bridge: InProcessBridge;
}

/** The stack for one test: fresh sandboxes and bridge, workers on a queue of their own. */
async function withStack(
  o: { pollIntervalMs?: number; riskTimeoutMs?: number; deliverWith?: typeof BASIC },
  fn: (stack: Stack) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueTaskQueue('risk-core-e2e');
  const workflowBundle = await bundleOnce(workflowsPath);
  const bridge = await startInProcessBridge({
    temporalAddress: t.address,
    taskQueue,
    secrets: [SANDBOX_DEV_WEBHOOK_SECRET],
    cosCredentials: BASIC,
  });
  const mesh = await startHarness();
  const riskSandbox = await startRiskSandbox({ apiKey: RISK_KEY, logLevel: 'silent' });
  let cosSandbox: CosSandbox | undefined;
  try {
    cosSandbox = await startCosSandbox({
      clientId: COS.clientId,
      clientSecret: COS.clientSecret,
      scanDelayMs: 300,
      reviewDelayMs: 600,
      eventBatchWindowMs: 200,
      deliveryRetryDelayMs: 200,
      webhookRegistrations: [{ callbackUrl: bridge.cosUrl, ...(o.deliverWith ?? BASIC) }],
      logLevel: 'silent',
    });
    const defaults: OnboardingDefaults = {
      screeningConfigurationIdentifier: 'sandbox-default',
      policy: DEFAULT_ONBOARDING_POLICY,
      providers: { mesh: { screeningProfile: 'sandbox-default', extensiveProfile: 'sandbox-extensive' } },
      risk: { standardLevels: ['low', 'medium'], checkTimeoutMs: o.riskTimeoutMs ?? 20_000 },
      core: {
        partnerId: COS.partnerId,
        pollIntervalMs: o.pollIntervalMs ?? 3_600_000,
        reviewDeadlineMs: 7_200_000,
      },
    };
    const cosConnection = {
      baseUrl: cosSandbox.url,
      tokenUrl: `${cosSandbox.url}/connect/token`,
      clientId: COS.clientId,
      clientSecret: new Secret(COS.clientSecret),
      scope: undefined,
      audience: undefined,
      partnerId: COS.partnerId,
    };
    const cosActivities = createCosActivities({
      cos: createCosClient({
        config: cosConnection,
        requestTimeoutMs: 2_000,
        tokens: createCosTokenProvider({ config: cosConnection }),
      }),
    });
    const riskActivities = createRiskActivities({
      risk: createRiskClient({
        config: { baseUrl: riskSandbox.url, apiKey: new Secret(RISK_KEY) },
        requestTimeoutMs: 2_000,
      }),
    });
    await runWorker(
      {
        taskQueue,
        workflowBundle,
        activities: createOnboardingTermsActivities(defaults),
        enableNonLocalActivities: false,
      },
      () =>
        runWorker({ taskQueue: meshTaskQueue(taskQueue), activities: sandboxActivities(mesh) }, () =>
          runWorker({ taskQueue: riskTaskQueue(taskQueue), activities: riskActivities }, () =>
            runWorker({ taskQueue: coreTaskQueue(taskQueue), activities: cosActivities }, () =>
              fn({
                taskQueue,
                mesh,
                risk: new RiskSandboxControl(riskSandbox.url),
                cos: new CosSandboxControl(cosSandbox!.url),
                bridge,
              }),
            ),
          ),
        ),
    );
  } finally {
    await cosSandbox?.close();
    await riskSandbox.close();
    await mesh.close();
    await bridge.close();
  }
}

/** The walkthrough's clean customer, with the address and phone the core needs. */
function applicant(name = 'Test CleanUser'): MeshCustomer {
  const customer = guidePerson(name);
  return {
    ...customer,
    address: {
      address_line_1: '123 Any St',
      city: 'Anywhere',
      country_subdivision: 'NY',
      postal_code: '12345',
      country: 'US',
    },
    phone_number: '2015552345',
  };
}

function coreRun(externalIdentifier: string): WorkflowHandle {
  return t.client.workflow.getHandle(coreCustomerWorkflowId(externalIdentifier));
}

async function onboardToApproval(stack: Stack, customer: MeshCustomer): Promise<OnboardingStatus> {
  const handle = await startOnboarding(t.client, stack.taskQueue, { customer, policy: testPolicy() });
  return handle.result();
}

describe('from applicant to core-banking customer (sandboxes, bridge, dev server)', () => {
  it('approves the clean walkthrough customer and makes it CORE_READY by webhook: one customer, one address, one phone', async () => {
    await withStack({}, async (stack) => {
      const customer = applicant();
      const status = await onboardToApproval(stack, customer);
      expect(status).toMatchObject({ state: 'APPROVED', risk: { route: 'standard', level: 'low' } });
      expect(status.core?.workflowId).toBe(coreCustomerWorkflowId(customer.external_identifier));
      const core = (await coreRun(customer.external_identifier).result()) as CoreStatus;
      expect(core).toMatchObject({ state: 'CORE_READY', ofac: 'Clear', pepScan: 'Clear' });
      expect(core.cifNumber).toMatch(/^\d+$/);
      // Read after an event: the poll interval is an hour.
      expect(core.eventsSeen).toBeGreaterThanOrEqual(1);
      const stored = await stack.cos.customers();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        id: core.coreCustomerId,
        name: { firstName: 'Test', lastName: 'CleanUser' },
      });
      expect(stored[0]!.addresses).toHaveLength(1);
      expect(stored[0]!.phones).toHaveLength(1);
    });
  });

  it('screens a high-risk customer with the extensive configuration and never approves it straight through', async () => {
    await withStack({}, async (stack) => {
      const customer = applicant('Hugo Highrisk');
      const handle = await startOnboarding(t.client, stack.taskQueue, { customer, policy: testPolicy() });
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({
        mandatoryReview: true,
        escalated: true,
        risk: { route: 'enhanced', level: 'high' },
      });
      const atMesh = await stack.mesh.customers(customer.external_identifier);
      expect(atMesh.map((c) => c.screening_configuration_identifier)).toEqual(['sandbox-extensive']);
      const approved = await handle.executeUpdate(decideUpdate, {
        args: [{ outcome: 'APPROVE', actor: 'officer-e2e', reason: 'EDD file complete' }],
      });
      expect(approved.state).toBe('APPROVED');
      await handle.result();
    });
  });

  it('goes on fail-closed when the risk API is down past RISK_CHECK_TIMEOUT', async () => {
    await withStack({ riskTimeoutMs: 3_000 }, async (stack) => {
      await stack.risk.down(true);
      const customer = applicant();
      const handle = await startOnboarding(t.client, stack.taskQueue, { customer, policy: testPolicy() });
      const waiting = await waitForState(handle, 'AWAITING_REVIEW', 30_000);
      expect(waiting.risk).toMatchObject({ level: 'unavailable', route: 'enhanced' });
      expect(waiting.risk?.reason).toContain('no answer within 3 s');
      expect(waiting.screening?.profile).toBe('sandbox-extensive');
      expect((await stack.risk.stats()).requests).toBeGreaterThanOrEqual(2);
      await handle.terminate('test over');
    });
  });

  it('creates one COS customer and one phone although their answers were lost', async () => {
    await withStack({}, async (stack) => {
      await stack.cos.addFault({
        kind: 'lost-response',
        match: { method: 'POST', path: 'cm/customers$' },
        count: 1,
      });
      await stack.cos.addFault({
        kind: 'lost-response',
        match: { method: 'POST', path: '/phones$' },
        count: 1,
      });
      await stack.risk.addFault({ kind: 'lost-response', count: 1 });
      const customer = applicant();
      await onboardToApproval(stack, customer);
      const core = (await coreRun(customer.external_identifier).result()) as CoreStatus;
      expect(core.state).toBe('CORE_READY');
      const stored = await stack.cos.customers();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.phones).toHaveLength(1);
      expect(stored[0]!.addresses).toHaveLength(1);
      const replays = (await stack.cos.requests({ method: 'POST' })).filter((r) => r.replayed === true);
      expect(replays.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('reaches CORE_READY by its own poll when every webhook is dropped', async () => {
    await withStack({ pollIntervalMs: 1_500 }, async (stack) => {
      await stack.cos.addFault({ kind: 'fail-webhook' });
      const customer = applicant();
      await onboardToApproval(stack, customer);
      const core = (await coreRun(customer.external_identifier).result()) as CoreStatus;
      expect(core).toMatchObject({ state: 'CORE_READY', eventsSeen: 0 });
    });
  });

  it('refuses deliveries with wrong Basic credentials (nothing routed); the poll still finds the result', async () => {
    await withStack(
      { pollIntervalMs: 1_500, deliverWith: { username: BASIC.username, password: 'wrong-password' } },
      async (stack) => {
        const customer = applicant();
        await onboardToApproval(stack, customer);
        const core = (await coreRun(customer.external_identifier).result()) as CoreStatus;
        expect(core).toMatchObject({ state: 'CORE_READY', eventsSeen: 0 });
        const deliveries = await waitFor(
          async () => {
            const all = await stack.cos.deliveries();
            return all.length > 0 ? all : undefined;
          },
          { timeoutMs: 10_000, description: 'a delivery attempt' },
        );
        expect(deliveries.every((d) => d.status === 401)).toBe(true);
      },
    );
  });

  it('declines on OFAC Positive (after Failed) and offboards the customer: monitoring off at Mesh', async () => {
    await withStack({}, async (stack) => {
      const customer = {
        ...applicant('Francisco Javier Arellano Félix'),
        date_of_birth: { day: 11, month: 12, year: 1969 },
      };
      const status = await onboardToApproval(stack, customer);
      expect(status.state).toBe('APPROVED');
      const handle = coreRun(customer.external_identifier);
      const core = (await handle.result()) as CoreStatus;
      expect(core).toMatchObject({ state: 'CORE_DECLINED', ofac: 'Positive' });
      const offboarding = await t.client.workflow.getHandle(core.offboardingWorkflowId!).result();
      expect(offboarding).toMatchObject({ monitoringEnabled: false });
      const [atMesh] = await stack.mesh.customers(customer.external_identifier);
      expect(atMesh?.monitoring_enabled).toBe(false);
    });
  });
});
