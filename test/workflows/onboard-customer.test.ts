import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import {
  statusQuery,
  updateCustomerSignal,
  withdrawSignal,
  type OnboardingInput,
  type OnboardingPolicy,
} from '../../src/contracts/onboarding';
import { kycOnboardingState, kycReviewOverdue } from '../../src/contracts/search-attributes';
import { useTestConnection } from '../helpers/temporal';
import { waitFor } from '../../testkit/wait';
import {
  callsTo,
  caseWebhook as decision,
  decideCase,
  fakeActivities,
  hasProfiles,
  heldScreening,
  onboardingsOn,
  screeningOutcome,
  testPolicy,
  uniqueCustomer,
  waitForState,
  waitForStatus,
  withOnboardingWorkers,
} from '../helpers/onboarding';

function onboardingInput(policy: Partial<OnboardingPolicy> = {}): OnboardingInput {
  return {
    customer: uniqueCustomer(),
    configuration: { screening_configuration_identifier: 'sandbox-default' },
    policy: testPolicy(policy),
  };
}

const { start, inReview } = onboardingsOn(useTestConnection());

describe('onboardCustomer straight through', () => {
  it.each(['NO_PROFILES', 'NO-HITS'])(
    'approves a clean customer (%s) without review, monitoring left on',
    async (result) => {
      const { activities, calls } = fakeActivities({
        createAndScreen: () => screeningOutcome({ screeningResult: result }),
      });
      const input = onboardingInput();
      const status = await withOnboardingWorkers(activities, async (tq) => (await start(tq, input)).result());

      expect(status).toMatchObject({
        state: 'APPROVED',
        externalIdentifier: input.customer.external_identifier,
        customerIdentifier: 'cust-1',
        riskLevel: 'LOW-RISK',
        screeningResult: result,
        monitoringEnabled: true,
      });
      expect(status.history.map((h) => h.state)).toEqual(['SCREENING', 'APPROVED']);
      expect(callsTo(calls, 'createAndScreen')).toEqual([
        {
          customer: input.customer,
          screeningConfigurationIdentifier: 'sandbox-default',
          monitoringEnabled: true,
        },
      ]);
      expect(callsTo(calls, 'setMonitoring')).toEqual([]);
    },
  );

  it('rejects PROHIBITED without review and switches monitoring off', async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () => screeningOutcome({ riskLevel: 'PROHIBITED', screeningResult: undefined }),
    });
    const status = await withOnboardingWorkers(activities, async (tq) =>
      (await start(tq, onboardingInput())).result(),
    );

    expect(status).toMatchObject({ state: 'REJECTED', riskLevel: 'PROHIBITED', monitoringEnabled: false });
    expect(status.history.map((h) => h.state)).toEqual(['SCREENING', 'REJECTED']);
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('honours monitoring switched off in the input', async () => {
    const { activities, calls } = fakeActivities();
    const input = { ...onboardingInput(), monitoring: { entity_screening: { enabled: false } } };
    const status = await withOnboardingWorkers(activities, async (tq) => (await start(tq, input)).result());

    expect(status).toMatchObject({ state: 'APPROVED', monitoringEnabled: false });
    expect(callsTo(calls, 'createAndScreen')).toEqual([
      expect.objectContaining({ monitoringEnabled: false }),
    ]);
  });

  it.each([
    [
      'an unknown screening result',
      { screeningResult: 'MAYBE_PROFILES' },
      'unrecognised screening result MAYBE_PROFILES',
    ],
    ['no screening result', { screeningResult: undefined }, 'unrecognised screening result (none)'],
    ['an unknown risk level', { riskLevel: 'EXTREME-RISK' }, 'unrecognised risk level EXTREME-RISK'],
  ])('sends %s to review, escalated, never to approval', async (_what, overrides, reason) => {
    const { activities } = fakeActivities({ createAndScreen: () => screeningOutcome(overrides) });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput());
      const status = await waitForState(handle, 'AWAITING_REVIEW');
      expect(status).toMatchObject({ escalated: true, reason });
    });
  });

  it('fails visibly when Mesh refuses the customer for good, with the refusal as the cause', async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () => {
        throw ApplicationFailure.create({
          type: 'BAD_REQUEST',
          message: 'customer.person.last_name: required',
          nonRetryable: true,
        });
      },
    });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput());
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ScreeningRefused');
      expect(await handle.query(statusQuery)).toMatchObject({
        state: 'FAILED',
        reason: 'Mesh refused create-and-screen (BAD_REQUEST)',
      });
    });
    expect(callsTo(calls, 'createAndScreen')).toHaveLength(1);
  });

  it('retries a transient screening failure no sooner than the provider asked, then goes on', async () => {
    const attempts: number[] = [];
    const { activities } = fakeActivities({
      createAndScreen: (input) => {
        attempts.push(Date.now());
        if (attempts.length === 1) {
          throw ApplicationFailure.create({ type: 'RATE_LIMITED', message: '429', nextRetryDelay: 1_500 });
        }
        return screeningOutcome({ externalIdentifier: input.customer.external_identifier });
      },
    });
    const status = await withOnboardingWorkers(activities, async (tq) =>
      (await start(tq, onboardingInput())).result(),
    );

    expect(status.state).toBe('APPROVED');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(1_500);
  });
});

describe('onboardCustomer review', () => {
  it('waits for review on HAS_PROFILES and approves on a POSITIVE decision', async () => {
    const { activities, calls, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput());
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({
        screeningResult: 'HAS_PROFILES',
        case: { caseIdentifier: 'case-1' },
        escalated: false,
      });

      await decideCase(
        handle,
        cases,
        decision('POSITIVE', { webhookId: 'w-1', stageName: 'False Positive' }),
      );
      const status = await handle.result();
      expect(status).toMatchObject({
        state: 'APPROVED',
        monitoringEnabled: true,
        decision: {
          decisionType: 'POSITIVE',
          source: 'webhook',
          webhookId: 'w-1',
          stageName: 'False Positive',
          // Confirmed by reading the case back before it approved anything.
          confirmedAt: expect.any(String),
        },
      });
      expect(status.history.map((h) => h.state)).toEqual(['SCREENING', 'AWAITING_REVIEW', 'APPROVED']);
    });
    expect(callsTo(calls, 'checkOnboardingCase')).toEqual([
      { customerIdentifier: 'cust-1', caseIdentifier: 'case-1' },
    ]);
    expect(callsTo(calls, 'setMonitoring')).toEqual([]);
  });

  it('rejects on a NEGATIVE decision and switches monitoring off', async () => {
    const { activities, calls, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput(), async (handle) => {
      await decideCase(handle, cases, decision('NEGATIVE'));
      expect(await handle.result()).toMatchObject({ state: 'REJECTED', monitoringEnabled: false });
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('escalates PARTIAL_POSITIVE and keeps waiting for a final decision (default policy)', async () => {
    const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput(), async (handle) => {
      await decideCase(handle, cases, decision('PARTIAL_POSITIVE', { stageIdentifier: 's-partial' }));
      const escalated = await waitForStatus(handle, (s) => s.escalated, 'escalation');
      expect(escalated).toMatchObject({
        state: 'AWAITING_REVIEW',
        decision: { decisionType: 'PARTIAL_POSITIVE' },
      });

      await decideCase(handle, cases, decision('POSITIVE', { stageIdentifier: 's-final' }));
      expect(await handle.result()).toMatchObject({ state: 'APPROVED', escalated: true });
    });
  });

  it('rejects PARTIAL_POSITIVE when the policy says reject', async () => {
    const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput({ partialPositive: 'reject' }), async (handle) => {
      await decideCase(handle, cases, decision('PARTIAL_POSITIVE'));
      expect(await handle.result()).toMatchObject({ state: 'REJECTED', monitoringEnabled: false });
    });
  });

  it('keeps waiting on a stage without decision, and escalates an unknown decision instead of approving', async () => {
    const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput(), async (handle) => {
      await decideCase(
        handle,
        cases,
        decision(null, { stageIdentifier: 's-review', stageName: 'In Review' }),
      );
      const stage = await waitForStatus(handle, (s) => s.case?.stageName === 'In Review', 'stage In Review');
      expect(stage).toMatchObject({
        state: 'AWAITING_REVIEW',
        escalated: false,
        decision: { decisionType: null },
      });

      await decideCase(handle, cases, decision('MOSTLY_POSITIVE', { stageIdentifier: 's-new' }));
      const escalated = await waitForStatus(handle, (s) => s.escalated, 'escalation');
      expect(escalated.state).toBe('AWAITING_REVIEW');
      expect(escalated.reason).toContain('MOSTLY_POSITIVE');
    });
  });

  it('ignores a decision on a monitoring case', async () => {
    const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput(), async (handle) => {
      await decideCase(
        handle,
        cases,
        decision('NEGATIVE', { caseIdentifier: 'case-m', caseType: 'CUSTOMER_MONITORING' }),
      );
      await decideCase(handle, cases, decision('POSITIVE'));
      expect(await handle.result()).toMatchObject({
        state: 'APPROVED',
        decision: { caseIdentifier: 'case-1' },
      });
    });
  });

  it('keeps a decision that arrives while screening is still running, and applies it once', async () => {
    const screening = heldScreening(hasProfiles);
    const { activities, calls, cases } = fakeActivities({ createAndScreen: screening.createAndScreen });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput());
      await waitFor(() => screening.started, { timeoutMs: 20_000, description: 'screening to start' });
      // Mesh created the case and the analyst decided it before screening's answer reached the run.
      // The v1/v2 twins of one webhook and a redelivery: one decision.
      await decideCase(handle, cases, decision('NEGATIVE', { webhookId: 'w-1', stageIdentifier: 's-1' }));
      await handle.signal(
        caseDecisionSignal,
        decision('NEGATIVE', { webhookId: 'w-1', stageIdentifier: 's-1' }),
      );
      await handle.signal(
        caseDecisionSignal,
        decision('NEGATIVE', { webhookId: 'w-2', stageIdentifier: 's-1' }),
      );
      expect((await handle.query(statusQuery)).state).toBe('SCREENING');
      screening.release();

      const status = await handle.result();
      expect(status.state).toBe('REJECTED');
      expect(status.history.filter((h) => h.state === 'REJECTED')).toHaveLength(1);
    });
    expect(callsTo(calls, 'setMonitoring')).toHaveLength(1);
  });

  it('finds the decision by checking the case itself when the webhook was lost', async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () => hasProfiles(),
      checkOnboardingCase: (input) => ({
        case: {
          caseIdentifier: input.caseIdentifier ?? 'unknown',
          caseType: 'CUSTOMER_ONBOARDING',
          stageName: 'False Positive',
          decisionType: 'POSITIVE',
        },
        checkedAt: '2026-01-01T00:00:00.000Z',
      }),
    });
    const status = await withOnboardingWorkers(activities, async (tq) =>
      (await start(tq, onboardingInput({ reviewPollIntervalMs: 1_000 }))).result(),
    );
    expect(status).toMatchObject({
      state: 'APPROVED',
      decision: { decisionType: 'POSITIVE', source: 'case-check', receivedAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(callsTo(calls, 'checkOnboardingCase')).toEqual([
      { customerIdentifier: 'cust-1', caseIdentifier: 'case-1' },
    ]);
  });

  it('finds a case that was still being created when screening answered', async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () => screeningOutcome({ screeningResult: 'HAS_PROFILES' }),
      checkOnboardingCase: () => ({
        case: {
          caseIdentifier: 'case-late',
          caseType: 'CUSTOMER_ONBOARDING',
          decisionType: null,
          stageName: 'New',
        },
        checkedAt: new Date().toISOString(),
      }),
    });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput({ reviewPollIntervalMs: 1_000 }));
      const status = await waitForStatus(
        handle,
        (s) => s.case?.caseIdentifier === 'case-late',
        'the late case',
      );
      expect(status.state).toBe('AWAITING_REVIEW');
      // Later checks read that case directly instead of listing the customer's cases again.
      await waitFor(() => callsTo(calls, 'checkOnboardingCase').length >= 2, {
        timeoutMs: 20_000,
        description: 'a second check',
      });
    });
    const checks = callsTo(calls, 'checkOnboardingCase');
    expect(checks[0]).toEqual({ customerIdentifier: 'cust-1' });
    expect(checks[1]).toEqual({ customerIdentifier: 'cust-1', caseIdentifier: 'case-late' });
  });

  it('applies a decision once when the webhook and the case check both bring it', async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () => hasProfiles(),
      // Mesh holds the analyst's PARTIAL_POSITIVE on this customer's case: the webhook reports the same.
      checkOnboardingCase: () => ({
        case: {
          caseIdentifier: 'case-1',
          caseType: 'CUSTOMER_ONBOARDING',
          customerIdentifier: 'cust-1',
          stageIdentifier: 's-p',
          decisionType: 'PARTIAL_POSITIVE',
        },
        checkedAt: new Date().toISOString(),
      }),
    });
    await inReview(activities, onboardingInput({ reviewPollIntervalMs: 1_000 }), async (handle) => {
      await handle.signal(
        caseDecisionSignal,
        decision('PARTIAL_POSITIVE', { stageIdentifier: 's-p', webhookId: 'w-9' }),
      );
      await waitFor(() => callsTo(calls, 'checkOnboardingCase').length >= 3, {
        timeoutMs: 20_000,
        description: 'three checks',
      });
      const status = await handle.query(statusQuery);
      // Whichever came first was applied; the repeats changed nothing, and nothing was ignored.
      expect(status).toMatchObject({ state: 'AWAITING_REVIEW', escalated: true });
      expect(status.ignoredDecisions).toBeUndefined();
      expect(status.history.map((h) => h.state)).toEqual(['SCREENING', 'AWAITING_REVIEW']);
    });
  });

  it('re-scores updated customer data merged into the full record, and rejects when it becomes PROHIBITED', async () => {
    const levels = ['HIGH-RISK', 'PROHIBITED'];
    const { activities, calls } = fakeActivities({
      createAndScreen: () => hasProfiles(),
      updateAndRescore: (input) => ({
        customerIdentifier: input.customerIdentifier,
        riskLevel: levels.shift()!,
      }),
    });
    const input = onboardingInput();
    await inReview(activities, input, async (handle) => {
      await handle.signal(updateCustomerSignal, { customer: { person: { nationality: ['GB'] } } });
      const rescored = await waitForStatus(handle, (s) => s.rescores === 1, 'the first re-score');
      expect(rescored).toMatchObject({ state: 'AWAITING_REVIEW', riskLevel: 'HIGH-RISK' });

      await handle.signal(updateCustomerSignal, { customer: { person: { nationality: ['KP'] } } });
      expect(await handle.result()).toMatchObject({
        state: 'REJECTED',
        riskLevel: 'PROHIBITED',
        monitoringEnabled: false,
      });
    });
    expect(callsTo(calls, 'updateAndRescore')[0]).toEqual({
      customerIdentifier: 'cust-1',
      customer: {
        ...input.customer,
        person: { first_name: 'Test', last_name: 'CleanUser', nationality: ['GB'] },
      },
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('ends WITHDRAWN with monitoring off when the applicant withdraws', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, onboardingInput(), async (handle) => {
      await handle.signal(withdrawSignal, { reason: 'changed their mind' });
      expect(await handle.result()).toMatchObject({
        state: 'WITHDRAWN',
        reason: 'changed their mind',
        monitoringEnabled: false,
      });
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('marks a slow review overdue, then expires it at the deadline with monitoring off', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, onboardingInput({ reviewReminderMs: 1_000, reviewDeadlineMs: 4_000 }));
      const overdue = await waitForStatus(handle, (s) => s.reviewOverdue, 'the review reminder');
      expect(overdue.state).toBe('AWAITING_REVIEW');
      await waitFor(
        async () => (await handle.describe()).typedSearchAttributes.get(kycReviewOverdue) === true,
        { timeoutMs: 10_000, description: 'KycReviewOverdue=true' },
      );

      const status = await handle.result();
      expect(status).toMatchObject({ state: 'EXPIRED', reviewOverdue: true, monitoringEnabled: false });
      expect((await handle.describe()).typedSearchAttributes.get(kycOnboardingState)).toBe('EXPIRED');
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });
});
