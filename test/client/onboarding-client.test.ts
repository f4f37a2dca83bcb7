import type { WorkflowHandle } from '@temporalio/client';
import { OnboardingClient, OnboardingInputError, OnboardingRefusedError } from '../../src/client';
import { useTestConnection } from '../helpers/temporal';
import { waitFor } from '../../testkit/wait';
import {
  callsTo,
  caseWebhook,
  decideCase,
  fakeActivities,
  hasProfiles,
  uniqueCustomer,
  waitForState,
  withOnboardingWorkers,
  type FakeCases,
} from '../helpers/onboarding';

/**
 * The client module the onboarding service (and the starter) uses: typed calls on the workflow's own
 * definitions against the real dev server, with fake Mesh activities.
 */
const t = useTestConnection();

/**
 * With the workers running, starts through the client an onboarding whose screening has profiles (case
 * `case-1`), and hands the client and the run to `fn` once it awaits review.
 */
async function inReview(
  fn: (
    onboarding: OnboardingClient,
    run: { id: string; handle: WorkflowHandle; cases: FakeCases },
  ) => Promise<void>,
): Promise<void> {
  const { activities, cases } = fakeActivities({ createAndScreen: () => hasProfiles() });
  await withOnboardingWorkers(activities, async (taskQueue) => {
    const onboarding = new OnboardingClient({ client: t.client, taskQueue });
    const customer = uniqueCustomer();
    const { handle } = await onboarding.start({ customer });
    await waitForState(handle, 'AWAITING_REVIEW');
    await fn(onboarding, { id: customer.external_identifier, handle, cases });
  });
}

describe('OnboardingClient', () => {
  it('starts once per external identifier and returns the existing onboarding on a repeat', async () => {
    const { activities, calls } = fakeActivities();
    await withOnboardingWorkers(activities, async (taskQueue) => {
      const onboarding = new OnboardingClient({ client: t.client, taskQueue });
      const customer = uniqueCustomer();
      const first = await onboarding.start({ customer });
      expect(first).toMatchObject({
        started: true,
        workflowId: `onboarding-${customer.external_identifier}`,
      });
      expect(await onboarding.result(customer.external_identifier)).toMatchObject({ state: 'APPROVED' });
      const again = await onboarding.start({ customer });
      expect(again).toMatchObject({ started: false, workflowId: first.workflowId });
      expect(await onboarding.status(customer.external_identifier)).toMatchObject({ state: 'APPROVED' });
      const description = await again.handle.describe();
      expect(await description.staticSummary()).toBe(`KYC onboarding ${customer.external_identifier}`);
    });
    expect(callsTo(calls, 'createAndScreen')).toHaveLength(1);
  });

  it('refuses a bad request before anything starts, naming each field', async () => {
    const onboarding = new OnboardingClient({ client: t.client, taskQueue: 'never-polled' });
    const err = await onboarding
      .start({ customer: { external_identifier: '', person: {} }, policy: { reviewPollIntervalMs: 0 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnboardingInputError);
    expect((err as OnboardingInputError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('customer.external_identifier'),
        expect.stringContaining('customer.person.last_name'),
        expect.stringContaining('policy.reviewPollIntervalMs'),
      ]),
    );
  });

  it('amends, lets an officer decide, and answers each call with the status', async () => {
    await inReview(async (onboarding, { id, handle, cases }) => {
      const amended = await onboarding.amend(id, {
        customer: { person: { nationality: ['GB'] } },
        requestId: 'r-1',
      });
      expect(amended).toMatchObject({ state: 'AWAITING_REVIEW', rescores: 1 });

      const refused = await onboarding
        .decide(id, { outcome: 'APPROVE', actor: 'officer-1', reason: 'cleared' })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OnboardingRefusedError);
      expect((refused as OnboardingRefusedError).type).toBe('UpdateRefused');
      expect((refused as Error).message).toContain('is open');

      await decideCase(handle, cases, caseWebhook('PARTIAL_POSITIVE', { webhookId: 'w-1' }));
      await waitFor(async () => (await onboarding.status(id)).escalated, {
        timeoutMs: 20_000,
        description: 'escalation',
      });
      const approved = await onboarding.decide(id, {
        outcome: 'APPROVE',
        actor: 'officer-1',
        reason: 'cleared',
      });
      expect(approved).toMatchObject({ state: 'APPROVED', officerDecision: { actor: 'officer-1' } });
    });
  });

  it('withdraws with the final status, and checks a request before sending it', async () => {
    await inReview(async (onboarding, { id }) => {
      await expect(
        onboarding.amend(id, { customer: { external_identifier: 'other' } }),
      ).rejects.toBeInstanceOf(OnboardingInputError);
      expect(await onboarding.withdraw(id, { reason: 'no longer needed' })).toMatchObject({
        state: 'WITHDRAWN',
        monitoringEnabled: false,
      });
    });
  });
});
