import type { MeshCustomer } from '../../src/contracts/customer';
import {
  offboardCustomerWorkflowId,
  setCustomerMonitoringWorkflowId,
  updateCustomerDataWorkflowId,
} from '../../src/contracts/customer-operations';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import {
  offboardCustomer,
  onboardCustomer,
  setCustomerMonitoring,
  updateCustomerData,
} from '../../src/workflows';
import {
  externalId,
  guidePerson,
  screenInput,
  useSandboxHarness,
  withSandboxWorkers,
} from '../helpers/mesh-sandbox';
import { useTestConnection } from '../helpers/temporal';
import { testPolicy, waitForState } from '../helpers/onboarding';

/**
 * The operations on an onboarded customer (guide Steps 4-5), each its own workflow, on the real dev
 * server with the real activities against the Mesh sandbox.
 */
const t = useTestConnection();
const h = useSandboxHarness();

/** A customer Mesh already holds, as a finished onboarding leaves it. */
async function onboarded(
  name = 'Test CleanUser',
): Promise<{ customer: MeshCustomer; customerIdentifier: string }> {
  const customer = guidePerson(name, externalId('OPS'));
  const { customerIdentifier } = await h.client().createAndScreen(screenInput(customer));
  return { customer, customerIdentifier };
}

const atMesh = (customerIdentifier: string) => h.client().getCustomer(customerIdentifier);

/** Runs one operation's workflow to its result, with the workers running. */
function execute<A, R>(workflow: (input: A) => Promise<R>, workflowId: string, input: A): Promise<R> {
  return withSandboxWorkers(h, (taskQueue) =>
    t.client.workflow.execute(workflow, { taskQueue, workflowId, args: [input] }),
  );
}

describe('updateCustomerData', () => {
  it('re-scores changed data merged into the stored record and returns the new risk level', async () => {
    const { customer, customerIdentifier } = await onboarded();
    const ext = customer.external_identifier;
    const result = await execute(updateCustomerData, updateCustomerDataWorkflowId(ext, 'r1'), {
      externalIdentifier: ext,
      customer: { person: { first_name: 'Hugo', last_name: 'Highrisk' } },
      requestId: 'r1',
    });
    expect(result).toEqual({
      externalIdentifier: ext,
      customerIdentifier,
      previousRiskLevel: 'LOW-RISK',
      riskLevel: 'HIGH-RISK',
      riskValue: 80,
    });
    const record = await atMesh(customerIdentifier);
    expect(record.riskLevel).toBe('HIGH-RISK');
    // Update-and-rescore replaces the record: what the update did not name must still be there.
    expect(record.customer).toMatchObject({
      email_address: customer.email_address,
      address: customer.address,
      person: { first_name: 'Hugo', last_name: 'Highrisk' },
    });
  });

  it('works on accounts that only accept the guide’s PATCH (405 on POST)', async () => {
    await h.settings({ updateAndRescoreAcceptsPost: false });
    const { customer, customerIdentifier } = await onboarded('Victor Bout');
    const ext = customer.external_identifier;
    const result = await execute(updateCustomerData, updateCustomerDataWorkflowId(ext, 'r1'), {
      externalIdentifier: ext,
      customerIdentifier,
      customer: { person: { first_name: 'Lena', last_name: 'Lowrisk' } },
      requestId: 'r1',
    });
    expect(result).toMatchObject({ previousRiskLevel: 'MEDIUM-RISK', riskLevel: 'LOW-RISK' });
  });
});

describe('setCustomerMonitoring', () => {
  it('switches ongoing monitoring off and on again at Mesh', async () => {
    const { customer, customerIdentifier } = await onboarded();
    const ext = customer.external_identifier;
    await withSandboxWorkers(h, async (taskQueue) => {
      const off = await t.client.workflow.execute(setCustomerMonitoring, {
        taskQueue,
        workflowId: setCustomerMonitoringWorkflowId(ext, 'off-1'),
        args: [{ externalIdentifier: ext, enabled: false, requestId: 'off-1' }],
      });
      expect(off).toMatchObject({ externalIdentifier: ext, customerIdentifier, monitoringEnabled: false });
      expect((await atMesh(customerIdentifier)).monitoringEnabled).toBe(false);

      const on = await t.client.workflow.execute(setCustomerMonitoring, {
        taskQueue,
        workflowId: setCustomerMonitoringWorkflowId(ext, 'on-1'),
        args: [{ externalIdentifier: ext, customerIdentifier, enabled: true, requestId: 'on-1' }],
      });
      expect(on.monitoringEnabled).toBe(true);
      expect((await atMesh(customerIdentifier)).monitoringEnabled).toBe(true);
    });
  });

  it('fails visibly, without retrying forever, for a customer Mesh does not know', async () => {
    const failure = await execute(setCustomerMonitoring, setCustomerMonitoringWorkflowId('NOBODY-1', 'x'), {
      externalIdentifier: 'NOBODY-1',
      enabled: false,
      requestId: 'x',
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(JSON.stringify((failure as Error & { cause?: { cause?: unknown } }).cause?.cause)).toContain(
      'NOT_FOUND',
    );
  });
});

describe('offboardCustomer', () => {
  it('switches monitoring off for a customer whose onboarding finished long ago', async () => {
    const { customer, customerIdentifier } = await onboarded();
    const ext = customer.external_identifier;
    const result = await execute(offboardCustomer, offboardCustomerWorkflowId(ext, 'o1'), {
      externalIdentifier: ext,
      reason: 'account closed',
      requestId: 'o1',
    });
    expect(result).toMatchObject({
      externalIdentifier: ext,
      customerIdentifier,
      monitoringEnabled: false,
      onboardingWithdrawn: false,
      reason: 'account closed',
    });
    expect((await atMesh(customerIdentifier)).monitoringEnabled).toBe(false);
  });

  it('withdraws an onboarding still waiting for review, and switches monitoring off', async () => {
    const customer = guidePerson('Victor Bout', externalId('OPS'));
    const ext = customer.external_identifier;
    await withSandboxWorkers(h, async (taskQueue) => {
      const onboarding = await t.client.workflow.start(onboardCustomer, {
        taskQueue,
        workflowId: onboardingWorkflowId(ext),
        args: [
          {
            customer,
            configuration: { screening_configuration_identifier: 'sandbox-default' },
            policy: testPolicy(),
          },
        ],
      });
      const waiting = await waitForState(onboarding, 'AWAITING_REVIEW');
      const result = await t.client.workflow.execute(offboardCustomer, {
        taskQueue,
        workflowId: offboardCustomerWorkflowId(ext, 'o1'),
        args: [{ externalIdentifier: ext, reason: 'customer left', requestId: 'o1' }],
      });
      expect(result).toMatchObject({ onboardingWithdrawn: true, monitoringEnabled: false });
      expect(await onboarding.result()).toMatchObject({ state: 'WITHDRAWN', reason: 'customer left' });
      expect((await atMesh(waiting.customerIdentifier!)).monitoringEnabled).toBe(false);
    });
  });
});
