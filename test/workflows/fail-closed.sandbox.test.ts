import type { WorkflowHandle } from '@temporalio/client';
import type { DuplicateShape } from '../../src/sandbox/config';
import type { MeshCustomer } from '../../src/contracts/customer';
import { caseDecisionSignal, type CaseDecision } from '../../src/contracts/case-decision';
import {
  decideUpdate,
  DEFAULT_ONBOARDING_POLICY,
  statusQuery,
  updateCustomerSignal,
  type OnboardingDefaults,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import {
  person as sandboxPerson,
  sandboxActivities,
  screeningRequests as countScreenings,
  useSandboxHarness,
  type SandboxHarness,
} from '../helpers/mesh-sandbox';
import { useTestConnection } from '../helpers/temporal';
import { waitFor } from '../../testkit/wait';
import { waitForState, waitForStatus, withOnboardingWorkers } from '../helpers/onboarding';

/**
 * The onboarding service's contract against the Mesh sandbox: every run here is started exactly as
 * the service starts it, `client.workflow.start('onboardCustomer', { workflowId, taskQueue, args:
 * [{ customer }] })` with no configuration or policy, and takes the worker's terms. Webhooks go
 * nowhere (no bridge): every decision is found by the run's case check at the WORKER's poll interval.
 */
const t = useTestConnection();
const h = useSandboxHarness();

/** The worker's configuration: what MESH_SCREENING_CONFIGURATION_ID and REVIEW_* give src/worker/main.ts. */
const WORKER_DEFAULTS: OnboardingDefaults = {
  screeningConfigurationIdentifier: 'sandbox-default',
  policy: { ...DEFAULT_ONBOARDING_POLICY, reviewPollIntervalMs: 1_000, reviewPollJitter: 0 },
};

/** Exactly the onboarding service's call, untyped: nothing but the customer. */
function startAsTheService(taskQueue: string, customer: MeshCustomer): Promise<WorkflowHandle> {
  return t.client.workflow.start('onboardCustomer', {
    workflowId: `onboarding-${customer.external_identifier}`,
    taskQueue,
    args: [{ customer }],
  });
}

function withWorkers<R>(harness: SandboxHarness, fn: (taskQueue: string) => Promise<R>): Promise<R> {
  return withOnboardingWorkers(sandboxActivities(harness), fn, WORKER_DEFAULTS);
}

async function analyst(caseIdentifier: string, decision: string): Promise<void> {
  await h.decideCase(caseIdentifier, decision);
}

const person = (firstName: string, lastName: string) => sandboxPerson(firstName, lastName, 'SVC');
const screeningRequests = () => countScreenings(h);

describe('the onboarding service starts with { customer } only', () => {
  it('approves a clean customer straight through with the worker screening configuration', async () => {
    const customer = person('Test', 'CleanUser');
    const status = await withWorkers<OnboardingStatus>(
      h,
      async (tq) => (await startAsTheService(tq, customer)).result() as Promise<OnboardingStatus>,
    );
    expect(status).toMatchObject({
      state: 'APPROVED',
      screeningResult: 'NO_PROFILES',
      monitoringEnabled: true,
      terms: { screeningConfigurationIdentifier: 'sandbox-default' },
    });
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
  });

  it('rejects PROHIBITED with monitoring off', async () => {
    const status = await withWorkers<OnboardingStatus>(
      h,
      async (tq) =>
        (await startAsTheService(tq, person('Pablo', 'Prohibited'))).result() as Promise<OnboardingStatus>,
    );
    expect(status).toMatchObject({ state: 'REJECTED', riskLevel: 'PROHIBITED', monitoringEnabled: false });
  });

  it("finds the analyst's decision at the worker's poll interval when the webhook is lost", async () => {
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, person('Victor', 'Bout'));
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting.terms?.policy.reviewPollIntervalMs).toBe(1_000);
      await analyst(waiting.case!.caseIdentifier, 'NEGATIVE');
      expect(await handle.result()).toMatchObject({
        state: 'REJECTED',
        monitoringEnabled: false,
        decision: { decisionType: 'NEGATIVE', source: 'case-check' },
      });
    });
  });
});

describe('duplicates never approve on a guess', () => {
  /**
   * The first create-and-screen reached Mesh but its answer was lost; Mesh is still creating the case
   * when the retry meets the duplicate. Mesh may answer that retry in any of the three documented shapes.
   */
  async function lostResponseWithLaggingCase(shape: DuplicateShape): Promise<void> {
    await h.loseNextScreeningAnswer({ duplicateShape: shape, caseCreationDelayMs: 4_000 });
  }

  it.each(['errored-200', 'conflict-guide'] as const)(
    'sends a sanctions match recovered from a %s duplicate to review, then finds its case',
    async (shape) => {
      await lostResponseWithLaggingCase(shape);
      const customer = person('Victor', 'Bout');
      await withWorkers(h, async (tq) => {
        const handle = await startAsTheService(tq, customer);
        const waiting = await waitForState(handle, 'AWAITING_REVIEW');
        expect(waiting).toMatchObject({ escalated: true, recoveredFromDuplicate: true });
        expect(waiting.screeningResult).toBeUndefined();
        const found = await waitForStatus(handle, (s) => s.case !== undefined, 'the case Mesh created late');
        expect(found.state).toBe('AWAITING_REVIEW');
        await analyst(found.case!.caseIdentifier, 'POSITIVE');
        expect(await handle.result()).toMatchObject({
          state: 'APPROVED',
          decision: { source: 'case-check' },
        });
      });
      expect(await h.customerCount(customer.external_identifier)).toBe(1);
    },
  );

  it.each(['errored-200', 'conflict-guide'] as const)(
    'never approves a clean customer whose %s duplicate hides the first screening',
    async (shape) => {
      await lostResponseWithLaggingCase(shape);
      const customer = person('Test', 'CleanUser');
      await withWorkers(h, async (tq) => {
        const handle = await startAsTheService(tq, customer);
        const waiting = await waitForState(handle, 'AWAITING_REVIEW');
        expect(waiting).toMatchObject({ escalated: true, recoveredFromDuplicate: true });
        // Several case checks later it is still waiting for a person, not approved.
        await waitFor(async () => ((await h.stats()).byRoute['GET /v2/customers/:id/cases'] ?? 0) >= 3, {
          timeoutMs: 20_000,
          description: 'case checks',
        });
        expect((await handle.query(statusQuery)).state).toBe('AWAITING_REVIEW');
      });
    },
  );

  it('uses the first screening when the duplicate names its workflow (conflict-problem)', async () => {
    await lostResponseWithLaggingCase('conflict-problem');
    const customer = person('Victor', 'Bout');
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, customer);
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({ screeningResult: 'HAS_PROFILES', recoveredFromDuplicate: true });
    });
    expect(await screeningRequests()).toBe(2);
  });

  it('applies the new data when the customer Mesh holds differs from the request', async () => {
    const first = person('Test', 'CleanUser');
    const changed: MeshCustomer = { ...first, person: { first_name: 'Victor', last_name: 'Bout' } };
    await withWorkers(h, async (tq) => {
      // An earlier onboarding created the customer with other data, then failed on our side.
      await h.client().createAndScreen({
        customer: first,
        screeningConfigurationIdentifier: 'sandbox-default',
        monitoringEnabled: true,
      });
      const handle = await startAsTheService(tq, changed);
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({ escalated: true, rescores: 1 });
    });
    const stored = await h.client().getCustomerByExternalIdentifier(first.external_identifier);
    expect(stored.customer.person).toMatchObject({ first_name: 'Victor', last_name: 'Bout' });
  });
});

describe('a credentials problem pauses, it does not fail', () => {
  it('waits while Mesh refuses the token, and goes on once it accepts it again', async () => {
    await h.settings({ refuseTokensForMs: 5_000 });
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, person('Test', 'CleanUser'));
      await waitFor(async () => ((await h.stats()).byStatus['401'] ?? 0) >= 1, {
        timeoutMs: 20_000,
        description: 'a refused token request',
      });
      expect((await handle.query(statusQuery)).state).toBe('SCREENING');
      expect(await handle.result()).toMatchObject({ state: 'APPROVED' });
    });
  });

  it('waits through gateway 403s on a data call', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'gateway-forbidden', count: 2 });
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, person('Test', 'CleanUser'));
      expect(await handle.result()).toMatchObject({ state: 'APPROVED' });
    });
    expect(await screeningRequests()).toBe(3);
  });
});

describe('decisions against the sandbox', () => {
  function webhookFor(caseIdentifier: string, decisionType: string | null, webhookId: string): CaseDecision {
    return {
      caseIdentifier,
      caseType: 'CUSTOMER_ONBOARDING',
      decisionType,
      source: 'webhook',
      webhookId,
      receivedAt: new Date().toISOString(),
    };
  }

  it("ignores a decided case of another customer, and acts only on its own case's confirmed decision", async () => {
    await withWorkers(h, async (tq) => {
      const other = await startAsTheService(tq, person('Victor', 'Bout'));
      const otherCase = (await waitForState(other, 'AWAITING_REVIEW')).case!.caseIdentifier;
      const handle = await startAsTheService(tq, person('Victor', 'Bout'));
      const ownCase = (await waitForState(handle, 'AWAITING_REVIEW')).case!.caseIdentifier;

      await analyst(otherCase, 'POSITIVE');
      await handle.signal(caseDecisionSignal, webhookFor(otherCase, 'POSITIVE', 'w-other'));
      // Claims POSITIVE for the run's own case, which the analyst has not decided: not acted on.
      await handle.signal(caseDecisionSignal, webhookFor(ownCase, 'POSITIVE', 'w-unconfirmed'));
      await waitFor(async () => ((await h.stats()).byRoute['GET /v2/cases/:id'] ?? 0) >= 1, {
        timeoutMs: 20_000,
        description: 'the confirming case read',
      });
      expect(await handle.query(statusQuery)).toMatchObject({
        state: 'AWAITING_REVIEW',
        ignoredDecisions: 1,
      });

      await analyst(ownCase, 'NEGATIVE');
      await handle.signal(caseDecisionSignal, webhookFor(ownCase, 'NEGATIVE', 'w-own'));
      expect(await handle.result()).toMatchObject({ state: 'REJECTED', monitoringEnabled: false });
    });
  });

  it('applies a customer change queued with an approval first: the PROHIBITED re-score rejects', async () => {
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, person('Victor', 'Bout'));
      const ownCase = (await waitForState(handle, 'AWAITING_REVIEW')).case!.caseIdentifier;
      // A slow first change keeps the run busy while the approval and a second change arrive.
      await h.addFault({
        match: { path: 'update-and-rescore' },
        kind: 'latency',
        latencyMs: 1_500,
        count: 1,
      });
      await handle.signal(updateCustomerSignal, { customer: { person: { nationality: ['GB'] } } });
      await waitFor(
        async () =>
          ((await h.stats()).byRoute['POST /v2/customers/:id/workflows/sync/update-and-rescore'] ?? 0) >= 1,
        {
          timeoutMs: 20_000,
          description: 'the first re-score at the sandbox',
        },
      );
      await analyst(ownCase, 'POSITIVE');
      await handle.signal(caseDecisionSignal, webhookFor(ownCase, 'POSITIVE', 'w-approve'));
      await handle.signal(updateCustomerSignal, {
        customer: { person: { first_name: 'Pablo', last_name: 'Prohibited' } },
      });
      expect(await handle.result()).toMatchObject({
        state: 'REJECTED',
        riskLevel: 'PROHIBITED',
        rescores: 2,
        monitoringEnabled: false,
      });
    });
  });

  it("lets an officer approve only once the analyst's case is decided", async () => {
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, person('Victor', 'Bout'));
      const ownCase = (await waitForState(handle, 'AWAITING_REVIEW')).case!.caseIdentifier;
      const approve = { outcome: 'APPROVE' as const, actor: 'officer-3', reason: 'documents checked' };
      await expect(handle.executeUpdate(decideUpdate, { args: [approve] })).rejects.toThrow();

      await analyst(ownCase, 'PARTIAL_POSITIVE');
      await waitForStatus(handle, (s) => s.escalated, 'the escalation found by the case check');
      const status = await handle.executeUpdate(decideUpdate, { args: [approve] });
      expect(status).toMatchObject({
        state: 'APPROVED',
        officerDecision: { outcome: 'APPROVE', actor: 'officer-3' },
      });
    });
  });

  it('switches monitoring off at Mesh when a waiting run is cancelled', async () => {
    const customer = person('Victor', 'Bout');
    await withWorkers(h, async (tq) => {
      const handle = await startAsTheService(tq, customer);
      await waitForState(handle, 'AWAITING_REVIEW');
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
    });
    const stored = await h.client().getCustomerByExternalIdentifier(customer.external_identifier);
    expect(stored.monitoringEnabled).toBe(false);
  });
});
