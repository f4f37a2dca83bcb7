import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { caseDecisionSignal, type CaseDecision } from '../shared/case-decision';
import type { MeshCustomer } from '../shared/customer';
import {
  OnboardingFailureType,
  monitoringEnabledOf,
  statusQuery,
  updateCustomerSignal,
  withdrawSignal,
  type CustomerUpdate,
  type OnboardingInput,
  type OnboardingPolicy,
  type OnboardingState,
  type OnboardingStatus,
  type WithdrawRequest,
} from '../shared/onboarding';
import {
  kycExternalIdentifier,
  kycOnboardingState,
  kycReviewOverdue,
  kycRiskLevel,
  kycScreeningResult,
} from '../shared/search-attributes';
import { mergeCustomer } from './customer-merge';
import { meshActivities } from './mesh-activities';
import { countReviewOverdue, countState, showStatus } from './onboarding-observability';
import { decisionEffect, isProhibited, screeningVerdict } from './onboarding-rules';
import { failureTypeOf, policyOf } from './workflow-support';

/**
 * One customer's onboarding (issue 3; guide Steps 2-4): create and screen, then approve straight
 * through, reject, or wait for the analyst's case decision, which arrives as a `caseDecision` signal
 * from the webhook bridge or is found by the run's own case checks. Diagram in docs/workflow.md.
 */
export async function onboardCustomer(input: OnboardingInput): Promise<OnboardingStatus> {
  const policy = policyOf(input.policy);
  const mesh = meshActivities();
  let customer: MeshCustomer = input.customer;
  const monitoringRequested = monitoringEnabledOf(input.monitoring);

  const status: OnboardingStatus = {
    state: 'SCREENING',
    externalIdentifier: customer.external_identifier,
    monitoringEnabled: false,
    reviewOverdue: false,
    escalated: false,
    rescores: 0,
    history: [{ state: 'SCREENING', at: new Date().toISOString() }],
  };

  // Messages may arrive before the first await (a decision while screening still retries): they wait here.
  const inbox = {
    decisions: [] as CaseDecision[],
    updates: [] as CustomerUpdate[],
    withdrawal: undefined as WithdrawRequest | undefined,
  };
  setHandler(statusQuery, () => status);
  setHandler(caseDecisionSignal, (decision) => void inbox.decisions.push(decision));
  setHandler(updateCustomerSignal, (update) => void inbox.updates.push(update));
  setHandler(withdrawSignal, (request) => {
    inbox.withdrawal ??= request;
  });
  const inboxHasMail = () =>
    inbox.decisions.length > 0 || inbox.updates.length > 0 || inbox.withdrawal !== undefined;

  const seenWebhookIds = new Set<string>();
  const seenCaseStages = new Set<string>();

  function enter(state: OnboardingState, reason?: string): void {
    status.state = state;
    if (reason !== undefined) status.reason = reason;
    status.history.push({ state, at: new Date().toISOString(), ...(reason !== undefined && { reason }) });
    upsertSearchAttributes([{ key: kycOnboardingState, value: state }]);
    countState(state, status.riskLevel);
    showStatus(status);
  }

  function noteRiskLevel(riskLevel: string | undefined): void {
    if (riskLevel === undefined) return;
    status.riskLevel = riskLevel;
    upsertSearchAttributes([{ key: kycRiskLevel, value: riskLevel }]);
    showStatus(status);
  }

  /** Final states other than APPROVED: the customer must not stay under (paid) ongoing monitoring. */
  async function finishWithoutMonitoring(state: OnboardingState, reason: string): Promise<void> {
    if (status.customerIdentifier !== undefined) {
      try {
        await mesh.customerChange.setMonitoring({
          customerIdentifier: status.customerIdentifier,
          enabled: false,
        });
        status.monitoringEnabled = false;
      } catch (err) {
        // Only a permanent refusal gets here (404/403): record it for ops rather than fail the decision.
        log.warn('monitoring could not be switched off', { failureType: failureTypeOf(err) });
        reason = `${reason}; monitoring could not be switched off (${failureTypeOf(err)})`;
      }
    }
    enter(state, reason);
  }

  async function applyDecision(decision: CaseDecision): Promise<void> {
    if (decision.webhookId !== undefined) {
      if (seenWebhookIds.has(decision.webhookId)) return;
      seenWebhookIds.add(decision.webhookId);
    }
    // Monitoring cases have their own review (monitoring-case-review.ts); they never decide an onboarding.
    if (decision.caseType !== undefined && decision.caseType !== 'CUSTOMER_ONBOARDING') return;
    // The same stage seen twice (webhook and case check, or v1/v2 twins) is applied once.
    const stageKey = `${decision.caseIdentifier}|${decision.stageIdentifier ?? ''}|${decision.decisionType ?? ''}`;
    if (seenCaseStages.has(stageKey)) return;
    seenCaseStages.add(stageKey);

    status.case = {
      caseIdentifier: decision.caseIdentifier,
      ...(decision.caseType !== undefined && { caseType: decision.caseType }),
      ...(decision.stageIdentifier !== undefined && { stageIdentifier: decision.stageIdentifier }),
      ...(decision.stageName !== undefined && { stageName: decision.stageName }),
    };
    status.decision = {
      caseIdentifier: decision.caseIdentifier,
      decisionType: decision.decisionType ?? null,
      source: decision.source,
      receivedAt: decision.receivedAt,
      ...(decision.webhookId !== undefined && { webhookId: decision.webhookId }),
      ...(decision.stageName !== undefined && { stageName: decision.stageName }),
    };

    const label = `case decision ${decision.decisionType ?? '(none)'} via ${decision.source}`;
    switch (decisionEffect(decision.decisionType, policy)) {
      case 'APPROVE':
        enter('APPROVED', label);
        return;
      case 'REJECT':
        await finishWithoutMonitoring('REJECTED', label);
        return;
      case 'ESCALATE':
        status.escalated = true;
        status.reason = `${label}: needs a final decision`;
        showStatus(status);
        return;
      case 'WAIT':
        showStatus(status);
        return;
    }
  }

  async function applyUpdate(update: CustomerUpdate): Promise<void> {
    const customerIdentifier = status.customerIdentifier;
    if (customerIdentifier === undefined) return;
    const merged = mergeCustomer(customer, update.customer);
    try {
      const rescored = await mesh.customerChange.updateAndRescore({ customerIdentifier, customer: merged });
      customer = merged;
      status.rescores += 1;
      noteRiskLevel(rescored.riskLevel);
      if (isProhibited(rescored.riskLevel)) {
        await finishWithoutMonitoring('REJECTED', 'risk level PROHIBITED after a customer update');
      }
    } catch (err) {
      // Mesh refused the new data for good (e.g. 400): the onboarding goes on with the data it had.
      status.reason = `customer update refused by Mesh (${failureTypeOf(err)})`;
    }
  }

  async function checkCase(): Promise<void> {
    const customerIdentifier = status.customerIdentifier;
    if (customerIdentifier === undefined) return;
    const caseIdentifier = status.case?.caseIdentifier;
    try {
      const result = await mesh.caseCheck.checkOnboardingCase({
        customerIdentifier,
        ...(caseIdentifier !== undefined && { caseIdentifier }),
      });
      if (result.case === undefined) return;
      const found = result.case;
      await applyDecision({
        caseIdentifier: found.caseIdentifier,
        decisionType: found.decisionType,
        source: 'case-check',
        receivedAt: result.checkedAt,
        ...(found.caseType !== undefined && { caseType: found.caseType }),
        ...(found.stageIdentifier !== undefined && { stageIdentifier: found.stageIdentifier }),
        ...(found.stageName !== undefined && { stageName: found.stageName }),
      });
    } catch (err) {
      log.warn('case check failed; the next poll tries again', { failureType: failureTypeOf(err) });
    }
  }

  async function awaitReview(): Promise<void> {
    const startedAt = Date.now();
    const reminderAt = startedAt + policy.reviewReminderMs;
    const deadlineAt = startedAt + policy.reviewDeadlineMs;
    let nextCheckAt = startedAt + nextPollDelay(policy);

    while (status.state === 'AWAITING_REVIEW') {
      if (inbox.withdrawal !== undefined) {
        await finishWithoutMonitoring('WITHDRAWN', inbox.withdrawal.reason ?? 'withdrawn by the applicant');
        return;
      }
      const decision = inbox.decisions.shift();
      if (decision !== undefined) {
        await applyDecision(decision);
        continue;
      }
      const update = inbox.updates.shift();
      if (update !== undefined) {
        await applyUpdate(update);
        continue;
      }
      // Date.now() is the workflow task's time: a timestamp of this activation, deterministic on replay.
      const now = Date.now();
      if (now >= deadlineAt) {
        await finishWithoutMonitoring('EXPIRED', 'no case decision before the review deadline');
        return;
      }
      if (!status.reviewOverdue && now >= reminderAt) {
        status.reviewOverdue = true;
        upsertSearchAttributes([{ key: kycReviewOverdue, value: true }]);
        countReviewOverdue(status.riskLevel);
        showStatus(status);
        continue;
      }
      if (now >= nextCheckAt) {
        await checkCase();
        nextCheckAt = Date.now() + nextPollDelay(policy);
        continue;
      }
      const wakeAt = Math.min(deadlineAt, nextCheckAt, status.reviewOverdue ? Infinity : reminderAt);
      await condition(inboxHasMail, wakeAt - now);
    }
  }

  // --- Screening -------------------------------------------------------------------------------------
  upsertSearchAttributes([
    { key: kycExternalIdentifier, value: customer.external_identifier },
    { key: kycOnboardingState, value: 'SCREENING' },
  ]);
  countState('SCREENING', undefined);
  showStatus(status);
  const screeningConfigurationIdentifier = input.configuration?.screening_configuration_identifier;
  if (screeningConfigurationIdentifier === undefined) {
    enter('FAILED', 'no screening configuration identifier in the input');
    throw ApplicationFailure.create({
      type: OnboardingFailureType.INVALID_INPUT,
      message: 'configuration.screening_configuration_identifier is required (the starter fills it in)',
      nonRetryable: true,
    });
  }

  let screening;
  try {
    screening = await mesh.screening.createAndScreen({
      customer,
      screeningConfigurationIdentifier,
      monitoringEnabled: monitoringRequested,
    });
  } catch (err) {
    enter('FAILED', `Mesh refused create-and-screen (${failureTypeOf(err)})`);
    throw ApplicationFailure.create({
      type: OnboardingFailureType.SCREENING_REFUSED,
      message: `Mesh refused create-and-screen for ${customer.external_identifier}`,
      nonRetryable: true,
      ...(err instanceof Error && { cause: err }),
    });
  }

  status.customerIdentifier = screening.customerIdentifier;
  status.monitoringEnabled = monitoringRequested;
  if (screening.recoveredFromDuplicate) status.recoveredFromDuplicate = true;
  noteRiskLevel(screening.riskLevel);
  if (screening.screeningResult !== undefined) {
    status.screeningResult = screening.screeningResult;
    upsertSearchAttributes([{ key: kycScreeningResult, value: screening.screeningResult }]);
  }
  if (screening.caseIdentifier !== undefined) status.case = { caseIdentifier: screening.caseIdentifier };
  showStatus(status);

  // Data changed while screening ran: re-score before deciding on the old risk level.
  while (inbox.updates.length > 0 && status.state === 'SCREENING') await applyUpdate(inbox.updates.shift()!);

  if (status.state === 'SCREENING') {
    const verdict = screeningVerdict(status.riskLevel, status.screeningResult);
    if (inbox.withdrawal !== undefined) {
      await finishWithoutMonitoring('WITHDRAWN', inbox.withdrawal.reason ?? 'withdrawn by the applicant');
    } else if (verdict.next === 'APPROVE') {
      enter('APPROVED', verdict.reason);
    } else if (verdict.next === 'REJECT') {
      await finishWithoutMonitoring('REJECTED', verdict.reason);
    } else {
      if (verdict.escalate) status.escalated = true;
      enter('AWAITING_REVIEW', verdict.reason);
    }
  }

  // --- Review ----------------------------------------------------------------------------------------
  if (status.state === 'AWAITING_REVIEW') await awaitReview();

  if (inbox.updates.length > 0) log.warn('customer updates arrived after the onboarding ended; not applied');
  await condition(allHandlersFinished);
  return status;
}

/**
 * Poll intervals are lengthened by up to `reviewPollJitter`, never shortened, so the budget arithmetic
 * holds for the shortest gap (docs/workflow.md). Math.random() is seeded per run: deterministic on replay.
 */
function nextPollDelay(policy: OnboardingPolicy): number {
  return Math.round(policy.reviewPollIntervalMs * (1 + policy.reviewPollJitter * Math.random()));
}
