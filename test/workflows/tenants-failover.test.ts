import { ApplicationFailure } from '@temporalio/common';
import { createOnboardingTermsActivities } from '../../src/activities';
import type { OnboardingDefaults, OnboardingStatus, ScreeningLink } from '../../src/contracts/onboarding';
import { statusQuery } from '../../src/contracts/onboarding';
import { providerTaskQueue } from '../../src/contracts/screening-provider';
import { kycProviderOutage, kycTenant } from '../../src/contracts/search-attributes';
import { reconcileWorkflowId } from '../../src/contracts/workflow-ids';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import {
  callsTo,
  fakeActivities,
  onboardingsOn,
  screeningOutcome,
  TEST_ONBOARDING_DEFAULTS,
  uniqueCustomer,
  waitForState,
} from '../helpers/onboarding';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';

/**
 * Tenants and the fail-closed failover, with fake adapters on each provider account's queue: a fallback
 * screens only after the provider before it gave no answer for the tenant's window; a refusal never fails
 * over; with every provider down the run waits in SCREENING flagged as an outage, never approved; a
 * provider given up on is reconciled (its customer found and unmonitored) once it answers again.
 */

const workflowsPath = require.resolve('../../src/workflows');
const t = useTestConnection();
const { start } = onboardingsOn(t);

const MESH: ScreeningLink = { provider: 'mesh', account: 'default', screeningProfile: 'mesh-standard' };
const CA_B: ScreeningLink = { provider: 'ca-classic', account: 'b', screeningProfile: 'b-standard' };
const CC: ScreeningLink = {
  provider: 'complycube',
  account: 'default',
  screeningProfile: 'standard_screening_check',
};

const DEFAULTS: OnboardingDefaults = {
  ...TEST_ONBOARDING_DEFAULTS,
  tenants: {
    defaultTenant: 'a',
    tenants: {
      a: { chain: [MESH], choosable: [MESH], failoverAfterMs: 1_500 },
      b: { chain: [CA_B, MESH], choosable: [CA_B, MESH], failoverAfterMs: 1_500 },
      c: { chain: [CC, MESH], choosable: [CC, MESH], failoverAfterMs: 1_500 },
    },
  },
};

/** An adapter that never answers in time: every attempt fails as a provider outage does (503). */
const down = () => {
  throw ApplicationFailure.retryable('503 from the provider', 'ServiceUnavailable');
};

async function withTenantWorkers<R>(
  fakes: {
    mesh: ReturnType<typeof fakeActivities>;
    caB: ReturnType<typeof fakeActivities>;
    cc?: ReturnType<typeof fakeActivities>;
  },
  fn: (taskQueue: string) => Promise<R>,
): Promise<R> {
  const taskQueue = uniqueTaskQueue('tenants');
  const workflowBundle = await bundleOnce(workflowsPath);
  const cc = fakes.cc ?? fakeActivities();
  return runWorker(
    {
      taskQueue,
      workflowBundle,
      activities: createOnboardingTermsActivities(DEFAULTS),
      enableNonLocalActivities: false,
    },
    () =>
      runWorker({ taskQueue: providerTaskQueue(taskQueue, 'mesh'), activities: fakes.mesh.activities }, () =>
        runWorker(
          { taskQueue: providerTaskQueue(taskQueue, 'ca-classic', 'b'), activities: fakes.caB.activities },
          () =>
            runWorker(
              { taskQueue: providerTaskQueue(taskQueue, 'complycube'), activities: cc.activities },
              () => fn(taskQueue),
            ),
        ),
      ),
  );
}

async function searchAttributes(workflowId: string) {
  return (await t.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
}

describe('tenants', () => {
  it('screens each tenant at its own primary, on its own account, and records the tenant', async () => {
    const mesh = fakeActivities();
    const caB = fakeActivities({
      createAndScreen: (input) =>
        screeningOutcome({
          customerIdentifier: 'search-1',
          externalIdentifier: input.customer.external_identifier,
        }),
    });
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const a = await start(taskQueue, { customer: uniqueCustomer() });
      const b = await start(taskQueue, { customer: uniqueCustomer(), tenant: 'b' });
      const [sa, sb] = [await waitForState(a, 'APPROVED'), await waitForState(b, 'APPROVED')];
      expect(sa.tenant).toBe('a');
      expect(sa.screening?.provider).toBe('mesh');
      expect(sb.tenant).toBe('b');
      expect(sb.screening?.provider).toBe('ca-classic');
      expect(sb.terms?.screeningChain?.map((l) => `${l.provider}/${l.account}`)).toEqual([
        'ca-classic/b',
        'mesh/default',
      ]);
      expect(callsTo(mesh.calls, 'createAndScreen')).toHaveLength(1);
      expect(callsTo(caB.calls, 'createAndScreen')).toHaveLength(1);
      expect((await searchAttributes(b.workflowId)).get(kycTenant)).toBe('b');
      expect((await searchAttributes(b.workflowId)).get(kycProviderOutage)).toBe(false);
      expect(sb.failover).toMatchObject({
        primary: 'ca-classic',
        screenedBy: 'ca-classic',
        giveUps: 0,
        outage: false,
      });
    });
  });

  it("lets the input choose a provider of the tenant's chain: it replaces the primary, the fallbacks stay", async () => {
    const mesh = fakeActivities();
    const caB = fakeActivities();
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const b = await start(taskQueue, {
        customer: uniqueCustomer(),
        tenant: 'b',
        screening: { provider: 'mesh' },
      });
      const status = await waitForState(b, 'APPROVED');
      expect(status.terms?.screeningChain?.map((l) => l.provider)).toEqual(['mesh']);
      expect(caB.calls).toHaveLength(0);
      const refused = await start(taskQueue, {
        customer: uniqueCustomer(),
        tenant: 'a',
        screening: { provider: 'complycube' },
      });
      await expect(refused.result()).rejects.toThrow();
      expect((await refused.query<OnboardingStatus>(statusQuery)).state).toBe('FAILED');
    });
  });

  it('fails a run naming an unknown tenant at once, before any provider call', async () => {
    const mesh = fakeActivities();
    const caB = fakeActivities();
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const handle = await start(taskQueue, { customer: uniqueCustomer(), tenant: 'zz' });
      await expect(handle.result()).rejects.toThrow();
      const status: OnboardingStatus = await handle.query(statusQuery);
      expect(status.state).toBe('FAILED');
      expect(mesh.calls).toHaveLength(0);
      expect(caB.calls).toHaveLength(0);
    });
  });
});

describe('failover', () => {
  it('screens at the fallback once the primary gave no answer for the window, and reconciles the primary', async () => {
    let primaryUp = false;
    let firstPrimaryCall: number | undefined;
    let firstFallbackCall: number | undefined;
    const caB = fakeActivities({
      createAndScreen: () => {
        firstPrimaryCall ??= Date.now();
        throw ApplicationFailure.retryable('503', 'ServiceUnavailable');
      },
      getCustomer: (input) => {
        if (!primaryUp) down();
        return {
          customerIdentifier: 'search-lost',
          externalIdentifier: 'externalIdentifier' in input ? input.externalIdentifier : '',
          customer: { external_identifier: 'x' },
        };
      },
    });
    const mesh = fakeActivities({
      createAndScreen: (input) => {
        firstFallbackCall ??= Date.now();
        return screeningOutcome({ externalIdentifier: input.customer.external_identifier });
      },
    });
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const customer = uniqueCustomer();
      const handle = await start(taskQueue, { customer, tenant: 'b' });
      const status = await waitForState(handle, 'APPROVED', 30_000);
      // Given up on only after the whole window without an answer, not when Temporal stopped retrying.
      expect(firstFallbackCall! - firstPrimaryCall!).toBeGreaterThanOrEqual(1_500 - 50);
      expect(status.screening?.provider).toBe('mesh');
      expect(status.failover).toMatchObject({ primary: 'ca-classic', screenedBy: 'mesh', outage: false });
      expect(status.failover?.giveUps).toBeGreaterThanOrEqual(1);
      expect(status.failover?.unavailable[0]).toMatchObject({ provider: 'ca-classic' });
      const reconcileId = reconcileWorkflowId(customer.external_identifier, 'ca-classic');
      expect(status.failover?.reconciliations).toEqual([{ provider: 'ca-classic', workflowId: reconcileId }]);
      // The primary comes back: the customer its lost call may have created is found and unmonitored.
      primaryUp = true;
      const result = await t.client.workflow.getHandle(reconcileId).result();
      expect(result).toMatchObject({
        found: true,
        customerIdentifier: 'search-lost',
        monitoringSwitchedOff: true,
      });
      expect(callsTo(caB.calls, 'setMonitoring')).toEqual([
        { customerIdentifier: 'search-lost', enabled: false },
      ]);
    });
  }, 60_000);

  it('never fails over on a refusal about the data: the run fails at the primary', async () => {
    const caB = fakeActivities({
      createAndScreen: () => {
        throw ApplicationFailure.nonRetryable('400 search_term', 'CaClassicBadRequest');
      },
    });
    const mesh = fakeActivities();
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const handle = await start(taskQueue, { customer: uniqueCustomer(), tenant: 'b' });
      await expect(handle.result()).rejects.toThrow();
      const status: OnboardingStatus = await handle.query(statusQuery);
      expect(status.state).toBe('FAILED');
      expect(callsTo(mesh.calls, 'createAndScreen')).toHaveLength(0);
    });
  });

  it('a fallback refusing the data fails the run, and the primary given up on is still reconciled', async () => {
    const cc = fakeActivities({
      createAndScreen: down,
      getCustomer: () => {
        throw ApplicationFailure.nonRetryable('404', 'ComplyCubeNotFound');
      },
    });
    const mesh = fakeActivities({
      createAndScreen: () => {
        throw ApplicationFailure.nonRetryable('400 the data', 'BAD_REQUEST');
      },
    });
    await withTenantWorkers({ mesh, caB: fakeActivities(), cc }, async (taskQueue) => {
      const customer = uniqueCustomer();
      const handle = await start(taskQueue, { customer, tenant: 'c' });
      await expect(handle.result()).rejects.toThrow();
      const status: OnboardingStatus = await handle.query(statusQuery);
      expect(status.state).toBe('FAILED');
      const reconcileId = reconcileWorkflowId(customer.external_identifier, 'complycube');
      expect(status.failover?.reconciliations).toEqual([{ provider: 'complycube', workflowId: reconcileId }]);
      // ComplyCube never created the client: nothing to switch off.
      await expect(t.client.workflow.getHandle(reconcileId).result()).resolves.toMatchObject({
        found: false,
      });
    });
  }, 60_000);

  it('with every provider down, waits in SCREENING flagged as an outage, never approved, until one answers', async () => {
    let meshUp = false;
    const caB = fakeActivities({ createAndScreen: down });
    const mesh = fakeActivities({
      createAndScreen: (input) => {
        if (!meshUp) down();
        return screeningOutcome({ externalIdentifier: input.customer.external_identifier });
      },
    });
    await withTenantWorkers({ mesh, caB }, async (taskQueue) => {
      const handle = await start(taskQueue, { customer: uniqueCustomer(), tenant: 'b' });
      const during = await waitFor(
        async () => {
          const s: OnboardingStatus = await handle.query(statusQuery);
          return s.failover?.outage === true ? s : undefined;
        },
        { timeoutMs: 20_000, description: 'the outage flag' },
      );
      expect(during.state).toBe('SCREENING');
      await waitFor(async () => (await searchAttributes(handle.workflowId)).get(kycProviderOutage) === true, {
        timeoutMs: 10_000,
        description: 'KycProviderOutage=true',
      });
      expect(during.history.map((h) => h.state)).toEqual(['SCREENING']);
      meshUp = true;
      const status = await waitForState(handle, 'APPROVED', 40_000);
      expect(status.failover).toMatchObject({ screenedBy: 'mesh', outage: false });
      expect((await searchAttributes(handle.workflowId)).get(kycProviderOutage)).toBe(false);
    });
  }, 90_000);
});
