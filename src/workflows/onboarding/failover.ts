import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  log,
  ParentClosePolicy,
  sleep,
  startChild,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { RetryState, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { MeshCustomer } from '../../contracts/customer';
import type {
  FailoverStatus,
  OnboardingStatus,
  OnboardingTerms,
  ScreeningLink,
} from '../../contracts/onboarding';
import type { CreateAndScreenInput, ScreeningOutcome } from '../../contracts/screening-activities';
import type { ScreeningProviderName } from '../../contracts/screening-provider';
import { kycProviderOutage } from '../../contracts/search-attributes';
import { reconcileWorkflowId } from '../../contracts/workflow-ids';
import { failureTypeOf } from '../common/failures';
import { hasNext, providerActivities } from '../common/provider-activities';
import { reconcileAbandonedScreening } from '../screening/reconcile-abandoned-screening';
import { countProviderOutage } from './observability';

/** The longest window a provider gets in a long outage: the run asks every provider at least this often. */
const MAX_WINDOW_MS = 30 * 60_000;
/** The least a step's call gets when the window is (nearly) spent: one attempt of a quick call. */
const MIN_CALL_WINDOW_MS = 1_000;
/** Enough to read what happened; the count says how many there were. */
const KEPT_GIVE_UPS = 20;

export interface FailoverRun {
  terms: OnboardingTerms;
  status: OnboardingStatus;
  customer: MeshCustomer;
  /** The profile (standard or extensive, by the risk route) this provider screens with. */
  profileOf(link: ScreeningLink): string;
  awaitScreeningOnCancel: boolean;
  /** The provider now asked: the run's calls, names and messages follow it. */
  onProvider(link: ScreeningLink): void;
  show(): void;
}

/**
 * Screens at the first provider of the tenant's chain that answers. A provider is given up on only when it
 * is unavailable (no answer within the tenant's `failoverAfter`: retryable failures, a lost answer, a full
 * queue); a refusal about the data is thrown at once, as without a chain, and never fails over. With
 * every provider unavailable the run stays in SCREENING with `KycProviderOutage=true` and asks them again,
 * each round with a window twice as long (up to 30 minutes) so a long outage costs few events. A provider
 * given up on may have created the customer: once another one screened, a reconciliation run finds that
 * customer when its provider is back and switches its monitoring off.
 */
export async function screenWithFailover(
  run: FailoverRun,
): Promise<{ link: ScreeningLink; screening: ScreeningOutcome }> {
  const chain = run.terms.screeningChain!;
  const baseWindowMs = run.terms.failoverAfterMs!;
  const failover: FailoverStatus = (run.status.failover ??= {
    primary: chain[0]!.provider,
    unavailable: [],
    giveUps: 0,
    outage: false,
  });
  const mayHaveCreated = new Set<ScreeningProviderName>();
  for (let round = 0; ; round += 1) {
    const windowMs = Math.min(baseWindowMs * 2 ** Math.min(round, 16), MAX_WINDOW_MS);
    for (const link of chain) {
      run.onProvider(link);
      try {
        const screening = await screenWithin(run, link, windowMs, mayHaveCreated.has(link.provider));
        failover.screenedBy = link.provider;
        if (failover.outage) {
          failover.outage = false;
          upsertSearchAttributes([{ key: kycProviderOutage, value: false }]);
        }
        mayHaveCreated.delete(link.provider);
        await reconcile(run, [...mayHaveCreated], failover, windowMs);
        run.show();
        return { link, screening };
      } catch (err) {
        if (isCancellation(err)) {
          // Cancelled mid-screening: this provider's call and those given up on may each hold the customer.
          mayHaveCreated.add(link.provider);
          await CancellationScope.nonCancellable(() =>
            reconcile(run, [...mayHaveCreated], failover, windowMs),
          );
          throw err;
        }
        if (!isUnavailable(err)) {
          // A refusal ends the run; a provider given up on before it may still hold the customer.
          mayHaveCreated.delete(link.provider);
          await reconcile(run, [...mayHaveCreated], failover, windowMs);
          throw err;
        }
        mayHaveCreated.add(link.provider);
        failover.giveUps += 1;
        failover.unavailable.push({
          provider: link.provider,
          at: new Date().toISOString(),
          failure: failureTypeOf(err),
        });
        if (failover.unavailable.length > KEPT_GIVE_UPS) failover.unavailable.shift();
        log.warn('screening provider unavailable: trying the next one', {
          provider: link.provider,
          windowMs,
          failureType: failureTypeOf(err),
        });
        run.show();
      }
    }
    if (!failover.outage) {
      failover.outage = true;
      failover.outageSince = new Date().toISOString();
      upsertSearchAttributes([{ key: kycProviderOutage, value: true }]);
      countProviderOutage(run.terms.tenant);
      run.show();
    }
  }
}

/**
 * One provider's screening within one window, its calls (one per step) sharing the window's deadline. When
 * Temporal stops retrying before the deadline (the next retry would overshoot it), the run waits out the
 * rest: a provider is given up on only after it went the whole window without answering.
 */
async function screenWithin(
  run: FailoverRun,
  link: ScreeningLink,
  windowMs: number,
  lookFirst: boolean,
): Promise<ScreeningOutcome> {
  const deadline = Date.now() + windowMs;
  let input: CreateAndScreenInput = {
    customer: run.customer,
    screeningConfigurationIdentifier: run.profileOf(link),
    monitoringEnabled: run.terms.monitoringEnabled,
    ...(lookFirst && { lookFirst: true }),
  };
  for (;;) {
    const provider = providerActivities({
      awaitScreeningOnCancel: run.awaitScreeningOnCancel,
      provider: link.provider,
      account: link.account,
      screeningWindowMs: Math.max(MIN_CALL_WINDOW_MS, deadline - Date.now()),
    });
    try {
      const result = await provider.screening.createAndScreen(input);
      if (!hasNext(result)) return result;
      input = { ...input, resume: result.next };
    } catch (err) {
      if (isUnavailable(err) && deadline > Date.now()) await sleep(deadline - Date.now());
      throw err;
    }
  }
}

/**
 * No answer within the window: the server gave up retrying because time ran out (the last attempt's
 * failure then comes with RetryState TIMEOUT), or an attempt itself timed out. Never a refusal: a
 * non-retryable failure ends the attempts at once with NON_RETRYABLE_FAILURE.
 */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  return err.retryState === RetryState.TIMEOUT || err.cause instanceof TimeoutFailure;
}

/** The slowest provider client's own request timeout: a call Temporal gave up on may still land this late. */
const CLIENT_TIMEOUT_MS = 10_000;

async function reconcile(
  run: FailoverRun,
  providers: ScreeningProviderName[],
  failover: FailoverStatus,
  windowMs: number,
): Promise<void> {
  for (const provider of providers) {
    const link = run.terms.screeningChain!.find((l) => l.provider === provider)!;
    const workflowId = reconcileWorkflowId(run.status.externalIdentifier, provider);
    try {
      await startChild(reconcileAbandonedScreening, {
        workflowId,
        args: [
          {
            provider,
            account: link.account,
            externalIdentifier: run.status.externalIdentifier,
            customer: run.customer,
            settleMs: Math.min(30_000, windowMs) + CLIENT_TIMEOUT_MS,
          },
        ],
        // It outlives the onboarding: the abandoned provider may be back only in days.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    (failover.reconciliations ??= []).push({ provider, workflowId });
  }
}
