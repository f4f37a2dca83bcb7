import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { createOnboardingTermsActivities } from '../../src/activities';
import { caseDecisionSignal, type CaseDecision } from '../../src/contracts/case-decision';
import { statusQuery, type OnboardingDefaults, type OnboardingInput } from '../../src/contracts/onboarding';
import { OnboardingClient } from '../../src/client/onboarding-client';
import { monitoringCaseReview } from '../../src/workflows';
import type {
  CaseSnapshot,
  ScreeningActivities,
  ScreenResult,
} from '../../src/contracts/screening-activities';
import { providerTaskQueue, type CaseVerdict } from '../../src/contracts/screening-provider';
import { kycScreeningProvider } from '../../src/contracts/search-attributes';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import {
  onboardingsOn,
  TEST_ONBOARDING_DEFAULTS,
  testPolicy,
  uniqueCustomer,
  waitForState,
  waitForStatus,
} from '../helpers/onboarding';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';

/**
 * The screening port's asynchronous path, as ComplyCube takes it, with fake adapter answers: the
 * screening answers `pending` (after a `{ next }` step), the result arrives later by the run's own poll or
 * by a provider-read decision, and every later call goes to the provider's queue.
 */

const DEFAULTS: OnboardingDefaults = {
  ...TEST_ONBOARDING_DEFAULTS,
  provider: 'complycube',
  providers: {
    mesh: { screeningProfile: 'sandbox-default' },
    complycube: { screeningProfile: 'standard_screening_check' },
  },
};

interface Board {
  verdict: CaseVerdict;
  decisionType: string | null;
}

function fakeComplyCube(board: Board) {
  const calls: { name: string; input: unknown }[] = [];
  const record = <I, R>(name: string, fn: (input: I) => R) => {
    return async (input: I): Promise<Awaited<R>> => {
      calls.push({ name, input });
      return await fn(input);
    };
  };
  const snapshot = (): CaseSnapshot => ({
    caseIdentifier: 'chk-1',
    caseType: 'CUSTOMER_ONBOARDING',
    customerIdentifier: 'cli-1',
    decisionType: board.decisionType,
    verdict: board.verdict,
  });
  const activities: ScreeningActivities = {
    createAndScreen: record('createAndScreen', (input): ScreenResult =>
      input.resume === undefined
        ? { next: { step: 'create-check', clientId: 'cli-1' } }
        : {
            outcome: 'pending',
            providerWords: 'check status pending',
            customerIdentifier: 'cli-1',
            externalIdentifier: input.customer.external_identifier,
            screeningIdentifier: 'chk-1',
            caseIdentifier: 'chk-1',
            caseExpected: true,
            workflowStatus: 'pending',
            amlTypes: [],
            alertIdentifiers: [],
            recoveredFromDuplicate: false,
          },
    ),
    checkOnboardingCase: record('checkOnboardingCase', () => ({
      case: snapshot(),
      checkedAt: new Date().toISOString(),
    })),
    setMonitoring: record('setMonitoring', (input) => ({ enabled: input.enabled })),
    updateAndRescore: record('updateAndRescore', (input) => ({
      customerIdentifier: input.customerIdentifier,
      outcome: 'pending' as const,
      screeningIdentifier: 'chk-2',
    })),
    getCustomer: record('getCustomer', () => ({
      customerIdentifier: 'cli-1',
      externalIdentifier: 'ext-1',
      customer: { external_identifier: 'ext-1', person: { first_name: 'A', last_name: 'B' } },
    })),
  };
  return { activities, calls, snapshot };
}

const workflowsPath = require.resolve('../../src/workflows');

async function withComplyCubeWorkers<R>(
  activities: ScreeningActivities,
  fn: (taskQueue: string) => Promise<R>,
  applicantChecks: Parameters<typeof createOnboardingTermsActivities>[1] = {},
): Promise<R> {
  const taskQueue = uniqueTaskQueue('async-screening');
  const workflowBundle = await bundleOnce(workflowsPath);
  return runWorker(
    {
      taskQueue,
      workflowBundle,
      activities: createOnboardingTermsActivities(DEFAULTS, applicantChecks),
      enableNonLocalActivities: false,
    },
    () =>
      runWorker({ taskQueue: providerTaskQueue(taskQueue, 'complycube'), activities }, () => fn(taskQueue)),
  );
}

const t = useTestConnection();
const { start } = onboardingsOn(t);

function input(policy = testPolicy()): OnboardingInput {
  return { customer: uniqueCustomer({ email_address: 'a@example.com' }), policy };
}

const providerRead = (verdict: CaseVerdict, decisionType: string | null, id: string): CaseDecision => ({
  caseIdentifier: 'chk-1',
  caseType: 'CUSTOMER_ONBOARDING',
  decisionType,
  verdict,
  source: 'provider-read',
  webhookId: `complycube:${id}`,
  receivedAt: new Date().toISOString(),
});

describe('an asynchronous screening (ComplyCube)', () => {
  it('waits in SCREENING while the check is pending and approves once its own poll reads it clear', async () => {
    const board: Board = { verdict: 'pending', decisionType: null };
    const { activities, calls } = fakeComplyCube(board);
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, input(testPolicy({ reviewPollIntervalMs: 1_000 })));
      await waitFor(() => (calls.some((c) => c.name === 'checkOnboardingCase') ? true : undefined), {
        timeoutMs: 20_000,
        description: 'a first read of the pending check',
      });
      expect((await waitForState(handle, 'SCREENING')).screening).toEqual({
        provider: 'complycube',
        subjectId: 'cli-1',
        screeningId: 'chk-1',
        caseId: 'chk-1',
      });
      board.verdict = 'approved';
      board.decisionType = 'clear';
      const status = await handle.result();
      expect(status).toMatchObject({
        state: 'APPROVED',
        reason: 'screening result clear',
        monitoringEnabled: true,
      });
      // Found by the run's own poll: no webhook reached it in this test.
      expect(status.decision?.source).toBe('case-check');
      expect(status.terms).toMatchObject({
        provider: 'complycube',
        screeningConfigurationIdentifier: 'standard_screening_check',
      });
      const screens = calls.filter((c) => c.name === 'createAndScreen').map((c) => c.input);
      expect(screens).toEqual([
        expect.not.objectContaining({ resume: expect.anything() }),
        expect.objectContaining({ resume: { step: 'create-check', clientId: 'cli-1' } }),
      ]);
      expect(calls.filter((c) => c.name === 'setMonitoring')).toEqual([]);
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(kycScreeningProvider)).toBe('complycube');
    });
  });

  it("goes to review on attention and rejects on match_confirmed, switching the check's monitoring off", async () => {
    const board: Board = { verdict: 'pending', decisionType: null };
    const { activities, calls } = fakeComplyCube(board);
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, input());
      await waitForState(handle, 'SCREENING');
      board.verdict = 'open';
      await handle.signal(caseDecisionSignal, providerRead('open', null, 'e1'));
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting.escalated).toBe(false);
      board.verdict = 'rejected';
      board.decisionType = 'match_confirmed';
      await handle.signal(caseDecisionSignal, providerRead('rejected', 'match_confirmed', 'e2'));
      const status = await handle.result();
      expect(status).toMatchObject({ state: 'REJECTED', monitoringEnabled: false });
      expect(calls.filter((c) => c.name === 'setMonitoring').map((c) => c.input)).toEqual([
        { customerIdentifier: 'cli-1', enabled: false, screeningIdentifier: 'chk-1' },
      ]);
    });
  });

  it('escalates a result it does not recognise and never approves it on its own', async () => {
    const board: Board = { verdict: 'pending', decisionType: null };
    const { activities } = fakeComplyCube(board);
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, input());
      await waitForState(handle, 'SCREENING');
      board.verdict = 'unrecognised';
      board.decisionType = 'not_processed';
      await handle.signal(caseDecisionSignal, providerRead('unrecognised', 'not_processed', 'e1'));
      const status = await waitForStatus(handle, (s) => s.state === 'AWAITING_REVIEW', 'escalated review');
      expect(status.escalated).toBe(true);
      expect(status.reason).toContain('not_processed');
      await handle.terminate('test over');
    });
  });

  it('reads the check when a webhook hints at it, and ignores a provider read about another check', async () => {
    const board: Board = { verdict: 'pending', decisionType: null };
    const { activities, calls } = fakeComplyCube(board);
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, input());
      await waitForState(handle, 'SCREENING');
      await handle.signal(caseDecisionSignal, {
        ...providerRead('approved', 'clear', 'x'),
        caseIdentifier: 'chk-other',
      });
      await waitForStatus(handle, (s) => (s.ignoredDecisions ?? 0) === 1, 'the foreign read ignored');
      // Nothing followed from it: still screening, and not even a read of the run's own check.
      expect((await handle.query(statusQuery)).state).toBe('SCREENING');
      expect(calls.filter((c) => c.name === 'checkOnboardingCase')).toHaveLength(0);
      board.verdict = 'approved';
      board.decisionType = 'clear';
      // A hint (the poll is an hour away): the run reads the check itself before anything follows.
      await handle.signal(caseDecisionSignal, {
        caseIdentifier: 'chk-1',
        decisionType: null,
        source: 'webhook',
        webhookId: 'hint-1',
        receivedAt: new Date().toISOString(),
      });
      expect((await handle.result()).state).toBe('APPROVED');
      expect(calls.filter((c) => c.name === 'checkOnboardingCase')).toHaveLength(1);
    });
  });

  it('lets an officer reject while the check is pending, but refuses an approval', async () => {
    const board: Board = { verdict: 'pending', decisionType: null };
    const { activities, calls } = fakeComplyCube(board);
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, input());
      await waitForState(handle, 'SCREENING');
      const client = new OnboardingClient({ client: t.client, taskQueue: tq });
      const external = (await handle.query(statusQuery)).externalIdentifier;
      await expect(
        client.decide(external, { outcome: 'APPROVE', actor: 'o-1', reason: 'x' }),
      ).rejects.toThrow(/APPROVE refused/);
      const rejected = await client.decide(external, { outcome: 'REJECT', actor: 'o-1', reason: 'fraud' });
      expect(rejected.state).toBe('REJECTED');
      expect(rejected.monitoringEnabled).toBe(false);
      expect(calls.filter((c) => c.name === 'setMonitoring').map((c) => c.input)).toEqual([
        { customerIdentifier: 'cli-1', enabled: false, screeningIdentifier: 'chk-1' },
      ]);
    });
  });

  it("refuses an applicant the provider cannot take, with the provider's reason, before any call", async () => {
    const { activities, calls } = fakeComplyCube({ verdict: 'pending', decisionType: null });
    await withComplyCubeWorkers(
      activities,
      async (tq) => {
        const handle = await start(tq, { customer: uniqueCustomer(), policy: testPolicy() });
        const failure = await handle.result().catch((err: unknown) => err);
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause.type).toBe('InvalidOnboardingInput');
        expect(cause.message).toContain('customer.email_address: required by the provider');
        expect(calls).toEqual([]);
      },
      {
        complycube: (customer) =>
          (customer as { email_address?: string }).email_address === undefined
            ? ['customer.email_address: required by the provider']
            : [],
      },
    );
  });

  it('refuses a provider the workers are not configured for', async () => {
    const { activities, calls } = fakeComplyCube({ verdict: 'pending', decisionType: null });
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await start(tq, {
        ...input(),
        configuration: { screening_configuration_identifier: 'x' },
      });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(calls).toEqual([]);
      const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause.message).toContain(
        'configuration.screening_configuration_identifier: a Mesh screening configuration',
      );
    });
  });
});

describe('a monitoring review of a ComplyCube check (decision counted only after the alert re-opened it)', () => {
  const review = (tq: string, checkId: string, first: CaseDecision) =>
    t.client.workflow.signalWithStart(monitoringCaseReview, {
      taskQueue: tq,
      workflowId: `monitoring-case-complycube-${checkId}-${Date.now()}`,
      args: [
        {
          caseIdentifier: checkId,
          externalIdentifier: 'ext-1',
          customerIdentifier: 'cli-1',
          provider: 'complycube',
          decisionAfterOpen: true,
          startOffboarding: false,
        },
      ],
      signal: caseDecisionSignal,
      signalArgs: [first],
    });

  it('never clears on a check that still reads clear from before the alert: a person looks', async () => {
    const { activities } = fakeComplyCube({ verdict: 'approved', decisionType: 'clear' });
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await review(tq, 'chk-1', providerRead('approved', 'clear', 'm1'));
      expect((await handle.result()).state).toBe('ESCALATED');
    });
  });

  it('acts on a confirmed match even when the check was never seen open (a late or fast decision)', async () => {
    const { activities } = fakeComplyCube({ verdict: 'rejected', decisionType: 'match_confirmed' });
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await review(tq, 'chk-1', providerRead('rejected', 'match_confirmed', 'm2'));
      expect((await handle.result()).state).toBe('MARKED_FOR_OFFBOARDING');
    });
  });

  it('clears once the analyst cleared the findings it saw open', async () => {
    const { activities } = fakeComplyCube({ verdict: 'open', decisionType: null });
    await withComplyCubeWorkers(activities, async (tq) => {
      const handle = await review(tq, 'chk-1', providerRead('open', null, 'm3'));
      await handle.signal(caseDecisionSignal, providerRead('approved', 'clear', 'm4'));
      expect((await handle.result()).state).toBe('CLEARED');
    });
  });
});
