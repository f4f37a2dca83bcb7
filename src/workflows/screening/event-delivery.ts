import { getExternalWorkflowHandle, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { caseDecisionSignal, type CaseDecision } from '../../contracts/case-decision';
import type { MonitoringCaseReviewInput } from '../../contracts/monitoring-case';
import { onboardingWorkflowId } from '../../contracts/workflow-ids';
import type { CaseSnapshot } from '../../contracts/screening-activities';
import { monitoringCaseReview } from '../monitoring/monitoring-case-review';
import { failureTypeOf } from '../common/failures';
import type { ProviderActivities } from '../common/provider-activities';

/** Where a provider event inbox's reads went, as its status counts them. */
export interface Deliveries {
  onboarding: number;
  monitoringReview: number;
  noRunningWorkflow: number;
}

/**
 * Hands what an event inbox read (a ComplyCube check, a CA-classic search) to the customer's onboarding
 * and to the monitoring review the inbox started, if they still run. True when a running onboarding took it.
 */
export async function deliverRead(
  externalIdentifier: string,
  decision: CaseDecision,
  target: { deliveries: Deliveries; monitoringReviewWorkflowId?: string | undefined },
): Promise<boolean> {
  let delivered = false;
  let toOnboarding = false;
  try {
    await getExternalWorkflowHandle(onboardingWorkflowId(externalIdentifier)).signal(
      caseDecisionSignal,
      decision,
    );
    target.deliveries.onboarding += 1;
    delivered = true;
    toOnboarding = true;
  } catch {
    // No running onboarding: it ended, or the screening is one it does not wait for.
  }
  if (target.monitoringReviewWorkflowId !== undefined) {
    try {
      await getExternalWorkflowHandle(target.monitoringReviewWorkflowId).signal(caseDecisionSignal, decision);
      target.deliveries.monitoringReview += 1;
      delivered = true;
    } catch {
      // The review has ended.
    }
  }
  if (!delivered) target.deliveries.noRunningWorkflow += 1;
  return toOnboarding;
}

/** One monitoring review per event, even when the event is redelivered after the first one ended. */
export async function startMonitoringReviewOnce(
  workflowId: string,
  input: MonitoringCaseReviewInput,
): Promise<void> {
  try {
    await startChild(monitoringCaseReview, {
      workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * One read of the screening an inbox's events are about (a ComplyCube check, a CA-classic search), retried
 * until the provider answers (the read preset has no attempt limit): a monitoring event has no waiting run
 * whose poll would find it later. Only a permanent refusal (a 404: not ours) gives undefined: nothing to route.
 */
export async function readScreeningCase(
  provider: ProviderActivities,
  caseIdentifier: string,
  status: { reads: number; lastVerdict?: CaseSnapshot['verdict'] },
): Promise<CaseSnapshot | undefined> {
  try {
    const result = await provider.customerRead.checkOnboardingCase({
      customerIdentifier: '',
      caseIdentifier,
    });
    status.reads += 1;
    status.lastVerdict = result.case?.verdict;
    return result.case;
  } catch (err) {
    log.warn('the screening could not be read; its events are dropped', { failureType: failureTypeOf(err) });
    return undefined;
  }
}
