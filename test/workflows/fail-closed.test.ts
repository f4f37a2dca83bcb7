import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  amendCustomerUpdate,
  decideUpdate,
  DEFAULT_ONBOARDING_POLICY,
  statusQuery,
  updateCustomerSignal,
  withdrawApplicationUpdate,
  type OnboardingInput,
} from '../../src/contracts/onboarding';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import { updateCustomerData } from '../../src/workflows';
import {
  offboardCustomerWorkflowId,
  updateCustomerDataWorkflowId,
} from '../../src/contracts/customer-operations';
import { useTestConnection } from '../helpers/temporal';
import { waitFor } from '../../testkit/wait';
import {
  callsTo,
  caseWebhook as webhook,
  decideCase,
  fakeActivities,
  hasProfiles,
  heldScreening,
  onboardingsOn,
  screeningOutcome,
  TEST_ONBOARDING_DEFAULTS,
  testPolicy,
  uniqueCustomer,
  waitForState,
  waitForStatus,
  withOnboardingWorkers,
  type FakeCases,
  type OnboardingHandle,
} from '../helpers/onboarding';

/**
 * The fail-closed rules of issue 10, each against the real dev server with typed fake activities:
 * the run is never approved on a guess, no accepted message is lost, and every exit cleans up.
 * (The same rules against the Mesh sandbox: fail-closed.sandbox.test.ts.)
 */
const t = useTestConnection();

/** What the onboarding service sends: the customer alone, with the test's short review policy. */
function customerOnly(policy = testPolicy()): OnboardingInput {
  return { customer: uniqueCustomer(), policy };
}

const { start, inReview } = onboardingsOn(t);

/** The Update's refusal as the caller sees it: the validator's (or the handler's) ApplicationFailure. */
async function refusalOf(pending: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('the onboarding service starts with the customer alone', () => {
  it("takes the worker's screening configuration and review policy, records them once, and approves", async () => {
    const { activities, calls } = fakeActivities();
    const defaults = {
      screeningConfigurationIdentifier: 'worker-configuration',
      policy: { ...DEFAULT_ONBOARDING_POLICY, reviewPollIntervalMs: 7_000 },
    };
    const input = { customer: uniqueCustomer() };
    const status = await withOnboardingWorkers(
      activities,
      async (tq) => (await start(tq, input)).result(),
      defaults,
    );
    expect(status).toMatchObject({ state: 'APPROVED', terms: { ...defaults, monitoringEnabled: true } });
    expect(callsTo(calls, 'createAndScreen')).toEqual([
      {
        customer: input.customer,
        screeningConfigurationIdentifier: 'worker-configuration',
        monitoringEnabled: true,
      },
    ]);
  });

  it('lets the input override the worker field by field', async () => {
    const { activities, calls } = fakeActivities();
    const input: OnboardingInput = {
      customer: uniqueCustomer(),
      configuration: { screening_configuration_identifier: 'from-the-input' },
      policy: { reviewReminderMs: 60_000 },
    };
    const status = await withOnboardingWorkers(activities, async (tq) => (await start(tq, input)).result());
    expect(status.terms).toEqual({
      provider: 'mesh',
      screeningConfigurationIdentifier: 'from-the-input',
      policy: { ...TEST_ONBOARDING_DEFAULTS.policy, reviewReminderMs: 60_000 },
      monitoringEnabled: true,
    });
    expect(callsTo(calls, 'createAndScreen')).toEqual([
      expect.objectContaining({ screeningConfigurationIdentifier: 'from-the-input' }),
    ]);
  });

  it.each([
    ['a poll interval of 0', { policy: { reviewPollIntervalMs: 0 } }, 'policy.reviewPollIntervalMs'],
    [
      'a poll interval under a second',
      { policy: { reviewPollIntervalMs: 999 } },
      'policy.reviewPollIntervalMs',
    ],
    ['a negative reminder', { policy: { reviewReminderMs: -1 } }, 'policy.reviewReminderMs'],
    ['jitter above 1', { policy: { reviewPollJitter: 1.5 } }, 'policy.reviewPollJitter'],
    [
      'a reminder after the deadline',
      { policy: { reviewReminderMs: 3_600_000, reviewDeadlineMs: 60_000 } },
      'policy.reviewReminderMs',
    ],
    ['an unknown policy field', { policy: { reviewPollInterval: 5 } }, 'policy'],
    ['a customer without a name', { customer: { person: {} } }, 'customer.person.last_name'],
  ])('fails at once, naming the field, for %s; nothing reaches Mesh', async (_what, change, field) => {
    const { activities, calls } = fakeActivities();
    const base = customerOnly();
    const input = {
      ...base,
      ...change,
      customer: { ...base.customer, ...(change as { customer?: object }).customer },
    } as OnboardingInput;
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, input);
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause.type).toBe('InvalidOnboardingInput');
      expect(cause.message).toContain(field);
      expect(await handle.query(statusQuery)).toMatchObject({ state: 'FAILED' });
    });
    expect(calls).toEqual([]);
  });

  it('keeps the terms it started with when the workers restart with other defaults', async () => {
    const { activities } = fakeActivities({ createAndScreen: () => hasProfiles() });
    const input = { customer: uniqueCustomer() };
    const longPolls = { screeningConfigurationIdentifier: 'first', policy: DEFAULT_ONBOARDING_POLICY };
    const handle = await withOnboardingWorkers(
      activities,
      async (tq) => {
        const started = await start(tq, input);
        await waitForState(started, 'AWAITING_REVIEW');
        return { started, tq };
      },
      longPolls,
    );
    // A worker deployed later with other terms: the running onboarding keeps its own.
    const changed = {
      screeningConfigurationIdentifier: 'second',
      policy: { ...DEFAULT_ONBOARDING_POLICY, reviewPollIntervalMs: 1_000, reviewDeadlineMs: 2_000 },
    };
    const status = await withOnboardingWorkers(
      activities,
      async () => {
        await handle.started.signal(updateCustomerSignal, { customer: { person: { nationality: ['GB'] } } });
        return waitForStatus(handle.started, (s) => s.rescores === 1, 'the re-score');
      },
      changed,
      handle.tq,
    );
    expect(status.state).toBe('AWAITING_REVIEW');
    expect(status.terms).toMatchObject(longPolls);
  });
});

describe('never approve on a guess', () => {
  it('sends a duplicate whose first screening cannot be read back to review, escalated, and finds the case later', async () => {
    const { activities, cases } = fakeActivities({
      createAndScreen: () =>
        screeningOutcome({
          screeningResult: undefined,
          workflowStatus: 'UNKNOWN',
          recoveredFromDuplicate: true,
          recovery: { shape: 'errored-200', outcome: 'unknown', storedCustomerDiffers: false },
        }),
    });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, customerOnly(testPolicy({ reviewPollIntervalMs: 1_000 })));
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({ escalated: true, recoveredFromDuplicate: true });
      expect(waiting.reason).toContain('screening outcome unknown');
      expect(waiting.screeningResult).toBeUndefined();
      // Mesh finishes creating the case; the run's case check finds it and waits for its decision.
      cases.set('case-late', { decisionType: null });
      const found = await waitForStatus(
        handle,
        (s) => s.case?.caseIdentifier === 'case-late',
        'the late case',
      );
      expect(found.state).toBe('AWAITING_REVIEW');
      await expect(
        handle.executeUpdate(decideUpdate, {
          args: [{ outcome: 'APPROVE', actor: 'officer-1', reason: 'looks fine' }],
        }),
      ).rejects.toThrow();
    });
  });

  it("applies the request's data when the customer Mesh held differs, and reviews the result", async () => {
    const { activities, calls } = fakeActivities({
      createAndScreen: () =>
        screeningOutcome({
          recoveredFromDuplicate: true,
          recovery: { shape: 'conflict-problem', outcome: 'original-workflow', storedCustomerDiffers: true },
        }),
    });
    const input = customerOnly();
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, input);
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      expect(waiting).toMatchObject({ escalated: true, rescores: 1 });
      expect(waiting.reason).toContain('differs from this request');
    });
    expect(callsTo(calls, 'updateAndRescore')).toEqual([
      { customerIdentifier: 'cust-1', customer: input.customer },
    ]);
  });

  it('ignores, counts and logs a decision naming another case once the run knows its own', async () => {
    const { activities, calls, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      // A late webhook of an old case of this customer, and a replayed one of a stranger's case.
      await decideCase(
        handle,
        cases,
        webhook('POSITIVE', { caseIdentifier: 'case-old', webhookId: 'w-old' }),
      );
      await handle.signal(
        caseDecisionSignal,
        webhook('POSITIVE', { caseIdentifier: 'case-x', webhookId: 'w-x' }),
      );
      const status = await waitForStatus(handle, (s) => s.ignoredDecisions === 2, 'two ignored decisions');
      expect(status).toMatchObject({ state: 'AWAITING_REVIEW', case: { caseIdentifier: 'case-1' } });
      await decideCase(handle, cases, webhook('NEGATIVE', { webhookId: 'w-own' }));
      expect(await handle.result()).toMatchObject({ state: 'REJECTED', ignoredDecisions: 2 });
    });
    expect(callsTo(calls, 'checkOnboardingCase')).toEqual([
      { customerIdentifier: 'cust-1', caseIdentifier: 'case-1' },
    ]);
  });

  it("confirms a webhook's decision with one case read, and acts on what the case says", async () => {
    const { activities, calls, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      // A forged or stale POSITIVE: the case itself is still open, so nothing follows.
      await handle.signal(caseDecisionSignal, webhook('POSITIVE', { webhookId: 'w-1' }));
      await waitFor(() => callsTo(calls, 'checkOnboardingCase').length === 1, {
        timeoutMs: 20_000,
        description: 'the confirming read',
      });
      expect(await handle.query(statusQuery)).toMatchObject({ state: 'AWAITING_REVIEW' });
      // The analyst rejects; the webhook says so and the read agrees.
      await decideCase(handle, cases, webhook('NEGATIVE', { webhookId: 'w-2' }));
      const status = await handle.result();
      expect(status).toMatchObject({
        state: 'REJECTED',
        decision: { decisionType: 'NEGATIVE', source: 'webhook' },
      });
      expect(status.decision?.confirmedAt).toEqual(expect.any(String));
    });
  });

  it('keeps waiting when the confirming read fails, and lets the next poll decide', async () => {
    let reads = 0;
    const { activities, calls } = fakeActivities({
      createAndScreen: () => hasProfiles(),
      checkOnboardingCase: (input) => {
        reads += 1;
        if (reads === 1)
          throw ApplicationFailure.create({ type: 'NOT_FOUND', message: 'gone', nonRetryable: true });
        return {
          case: {
            caseIdentifier: input.caseIdentifier!,
            caseType: 'CUSTOMER_ONBOARDING',
            decisionType: 'POSITIVE',
          },
          checkedAt: new Date().toISOString(),
        };
      },
    });
    await inReview(activities, customerOnly(testPolicy({ reviewPollIntervalMs: 2_000 })), async (handle) => {
      await handle.signal(caseDecisionSignal, webhook('POSITIVE', { webhookId: 'w-1' }));
      const status = await handle.result();
      expect(status).toMatchObject({ state: 'APPROVED', decision: { source: 'case-check' } });
    });
    expect(callsTo(calls, 'checkOnboardingCase').length).toBeGreaterThanOrEqual(2);
  });

  it('applies queued data before a queued approval: a PROHIBITED re-score rejects', async () => {
    const screening = heldScreening(hasProfiles);
    const { activities, calls, cases } = fakeActivities({
      createAndScreen: screening.createAndScreen,
      updateAndRescore: (input) => ({
        customerIdentifier: input.customerIdentifier,
        riskLevel: 'PROHIBITED',
      }),
    });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, customerOnly());
      // Both wait while screening runs: the approval was sent first, the data change after it.
      await decideCase(handle, cases, webhook('POSITIVE', { webhookId: 'w-1' }));
      await handle.signal(updateCustomerSignal, { customer: { person: { nationality: ['KP'] } } });
      screening.release();
      expect(await handle.result()).toMatchObject({
        state: 'REJECTED',
        riskLevel: 'PROHIBITED',
        monitoringEnabled: false,
      });
    });
    expect(callsTo(calls, 'updateAndRescore')).toHaveLength(1);
  });
});

describe('answers, not fire-and-forget', () => {
  it('amendCustomer answers with the status once update-and-rescore ran, once per requestId', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      const amended = await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'r-1' }],
      });
      expect(amended).toMatchObject({ state: 'AWAITING_REVIEW', rescores: 1, riskLevel: 'MEDIUM-RISK' });
      // The same request again, as signal and as Update: applied once.
      await handle.signal(updateCustomerSignal, {
        customer: { person: { nationality: ['GB'] } },
        requestId: 'r-1',
      });
      const again = await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'r-1' }],
      });
      expect(again.rescores).toBe(1);
    });
    expect(callsTo(calls, 'updateAndRescore')).toHaveLength(1);
  });

  it('refuses an invalid amendment in the validator: the call throws and nothing changes', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      const changedKey = await refusalOf(
        handle.executeUpdate(amendCustomerUpdate, {
          args: [{ customer: { external_identifier: 'another' } }],
        }),
      );
      expect(changedKey.message).toContain('customer.external_identifier');
      const empty = await refusalOf(handle.executeUpdate(amendCustomerUpdate, { args: [{ customer: {} }] }));
      expect(empty.message).toContain('at least one changed field');
      const events = (await handle.fetchHistory()).events ?? [];
      // Refused by the validator: no Update is recorded in the history at all.
      expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    });
    expect(callsTo(calls, 'updateAndRescore')).toEqual([]);
  });

  it('refuses every Update once the run has ended', async () => {
    const { activities } = fakeActivities();
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, customerOnly());
      await handle.result();
      // A closed run cannot take Updates at all; the caller's call throws.
      await expect(
        handle.executeUpdate(amendCustomerUpdate, {
          args: [{ customer: { person: { nationality: ['GB'] } } }],
        }),
      ).rejects.toThrow();
    });
  });

  it('withdrawApplication answers with the final status, monitoring off', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      const status = await handle.executeUpdate(withdrawApplicationUpdate, {
        args: [{ reason: 'moved abroad' }],
      });
      expect(status).toMatchObject({ state: 'WITHDRAWN', reason: 'moved abroad', monitoringEnabled: false });
      // Ended: a second withdrawal is refused, and the caller's call says so.
      await expect(handle.executeUpdate(withdrawApplicationUpdate, { args: [{}] })).rejects.toThrow();
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });
});

describe("a compliance officer's decision", () => {
  const approve = {
    outcome: 'APPROVE' as const,
    actor: 'officer-7',
    reason: 'false positive, checked passport',
  };
  const reject = { outcome: 'REJECT' as const, actor: 'officer-7', reason: 'adverse media confirmed' };

  /** Runs `fn` on a run in review once the analyst's PARTIAL_POSITIVE on its case has escalated it. */
  async function whenEscalated(fn: (handle: OnboardingHandle, cases: FakeCases) => Promise<void>) {
    const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      await decideCase(
        handle,
        cases,
        webhook('PARTIAL_POSITIVE', { webhookId: 'w-p', stageIdentifier: 's-p' }),
      );
      await waitForStatus(handle, (s) => s.escalated, 'the escalation');
      await fn(handle, cases);
    });
  }

  it('refuses APPROVE while the case is open, and takes REJECT at any time', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      const refused = await refusalOf(handle.executeUpdate(decideUpdate, { args: [approve] }));
      expect(refused.message).toContain('case case-1 is open');
      expect((await handle.query(statusQuery)).officerDecision).toBeUndefined();

      const status = await handle.executeUpdate(decideUpdate, { args: [reject] });
      expect(status).toMatchObject({
        state: 'REJECTED',
        monitoringEnabled: false,
        officerDecision: {
          outcome: 'REJECT',
          actor: 'officer-7',
          reason: reject.reason,
          at: expect.any(String),
        },
      });
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('approves an escalated PARTIAL_POSITIVE once the case is read and still decided', async () => {
    await whenEscalated(async (handle) => {
      const status = await handle.executeUpdate(decideUpdate, { args: [approve] });
      expect(status).toMatchObject({
        state: 'APPROVED',
        officerDecision: { outcome: 'APPROVE', actor: 'officer-7' },
      });
      const accepted = ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      );
      expect(accepted).toHaveLength(1);
    });
  });

  it('lets the case win when the analyst rejected it meanwhile', async () => {
    await whenEscalated(async (handle, cases) => {
      // The analyst moves the case to NEGATIVE; its webhook has not arrived yet.
      cases.set('case-1', { decisionType: 'NEGATIVE', stageIdentifier: 's-n' });
      const refused = await refusalOf(handle.executeUpdate(decideUpdate, { args: [approve] }));
      expect(refused.message).toContain('NEGATIVE');
      expect(await handle.result()).toMatchObject({ state: 'REJECTED', monitoringEnabled: false });
    });
  });

  it('refuses APPROVE while screening runs (a case may still be created) and an invalid request', async () => {
    const screening = heldScreening();
    const { activities } = fakeActivities({ createAndScreen: screening.createAndScreen });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, customerOnly());
      await waitForState(handle, 'SCREENING');
      const refused = await refusalOf(handle.executeUpdate(decideUpdate, { args: [approve] }));
      expect(refused.message).toContain('SCREENING');
      const invalid = await refusalOf(
        handle.executeUpdate(decideUpdate, { args: [{ outcome: 'MAYBE', actor: '', reason: '' } as never] }),
      );
      expect(invalid.message).toContain('outcome');
      expect(invalid.message).toContain('actor');
      screening.release();
      expect(await handle.result()).toMatchObject({ state: 'APPROVED' });
    });
  });
});

describe('every exit cleans up', () => {
  it('switches monitoring off when a run is cancelled after the customer exists', async () => {
    const { activities, calls } = fakeActivities({ createAndScreen: () => hasProfiles() });
    await inReview(activities, customerOnly(), async (handle) => {
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect(await handle.query(statusQuery)).toMatchObject({ state: 'WITHDRAWN', monitoringEnabled: false });
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });

  it('waits for a screening in flight when cancelled, then switches the new customer off', async () => {
    const screening = heldScreening();
    const { activities, calls } = fakeActivities({ createAndScreen: screening.createAndScreen });
    await withOnboardingWorkers(activities, async (tq) => {
      const handle = await start(tq, customerOnly());
      await waitFor(() => screening.started, { timeoutMs: 20_000, description: 'screening in flight' });
      await handle.cancel();
      screening.release();
      await expect(handle.result()).rejects.toThrow();
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });
});

describe('a re-score to PROHIBITED after onboarding', () => {
  it('starts the customer offboarding, which switches monitoring off', async () => {
    const { activities, calls } = fakeActivities({
      updateAndRescore: (input) => ({
        customerIdentifier: input.customerIdentifier,
        riskLevel: 'PROHIBITED',
      }),
    });
    const externalIdentifier = uniqueCustomer().external_identifier;
    await withOnboardingWorkers(activities, async (taskQueue) => {
      const result = await t.client.workflow.execute(updateCustomerData, {
        taskQueue,
        workflowId: updateCustomerDataWorkflowId(externalIdentifier, 'r-1'),
        args: [{ externalIdentifier, customer: { person: { nationality: ['KP'] } }, requestId: 'r-1' }],
      });
      expect(result).toMatchObject({
        riskLevel: 'PROHIBITED',
        offboardingWorkflowId: offboardCustomerWorkflowId(externalIdentifier, 'prohibited-r-1'),
      });
      const offboarding = await t.client.workflow.getHandle(result.offboardingWorkflowId!).result();
      expect(offboarding).toMatchObject({ monitoringEnabled: false });
    });
    expect(callsTo(calls, 'setMonitoring')).toEqual([{ customerIdentifier: 'cust-1', enabled: false }]);
  });
});
