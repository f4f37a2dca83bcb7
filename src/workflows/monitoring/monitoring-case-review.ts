import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  setWorkflowOptions,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { caseDecisionSignal, type CaseDecision } from '../../contracts/case-decision';
import {
  monitoringCaseStatusQuery,
  type MonitoringCaseReviewInput,
  type MonitoringCaseReviewResult,
  type MonitoringCaseReviewStatus,
} from '../../contracts/monitoring-case';
import { kycExternalIdentifier, kycMarkedForOffboarding } from '../../contracts/search-attributes';
import { providerActivities } from '../common/provider-activities';
import { readVerdict } from '../onboarding/recorded-results';
import { startOffboarding } from '../operations/start-offboarding';
import { failureTypeOf } from '../common/failures';

/**
 * Six hours, like the onboarding's case poll: a monitoring case waits days for an analyst, and each check
 * is one request of the account's 300/min budget.
 */
const DEFAULT_CASE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** What a run hands to its continuation, so a long-open case keeps its stage and duplicate memory. */
interface CarriedOver {
  lastStage?: MonitoringCaseReviewStatus['lastStage'];
  duplicateDeliveries: number;
  seenWebhookIds: string[];
}

/**
 * The review of one ongoing-monitoring case (announced by a `CASE_CREATED` webhook with `case_type`
 * CUSTOMER_MONITORING), ID `monitoring-case-<case_identifier>`, started by the webhook bridge with
 * signal-with-start on the case's first webhook. It waits for the case's decision (a `caseDecision`
 * signal, or its own periodic case check if the webhook was lost), records it and ends:
 * - POSITIVE: CLEARED, nothing else happens;
 * - NEGATIVE: MARKED_FOR_OFFBOARDING: KycMarkedForOffboarding=true on this execution (searchable in the
 *   Web UI) and, unless the input says otherwise, an `offboardCustomer` run that outlives this one;
 * - PARTIAL_POSITIVE or an unknown decision type: ESCALATED, a person decides what follows.
 */
export async function monitoringCaseReview(
  input: MonitoringCaseReviewInput,
  carriedOver?: CarriedOver,
): Promise<MonitoringCaseReviewResult> {
  const status: MonitoringCaseReviewStatus = {
    state: 'AWAITING_DECISION',
    caseIdentifier: input.caseIdentifier,
    externalIdentifier: input.externalIdentifier,
    duplicateDeliveries: carriedOver?.duplicateDeliveries ?? 0,
    ...(carriedOver?.lastStage !== undefined && { lastStage: carriedOver.lastStage }),
  };
  const seenWebhookIds = new Set(carriedOver?.seenWebhookIds ?? []);
  let decision: CaseDecision | undefined;
  let seenOpen = false;
  // Read through a function: the compiler cannot see the signal handler assign `decision` across awaits.
  const decided = (): CaseDecision | undefined => decision;

  function record(update: CaseDecision): void {
    if (update.caseIdentifier !== input.caseIdentifier) {
      log.warn('decision for another case ignored', { caseIdentifier: update.caseIdentifier });
      return;
    }
    // The first decision ends the review; anything after it (a late in-progress event) changes nothing.
    if (decision !== undefined) return;
    const verdict = readVerdict(update);
    if (verdict === 'open') seenOpen = true;
    const undecided = verdict === 'open' || verdict === 'pending';
    if (undecided) {
      status.lastStage = {
        ...(update.stageIdentifier !== undefined && { stageIdentifier: update.stageIdentifier }),
        ...(update.stageName !== undefined && { stageName: update.stageName }),
        receivedAt: update.receivedAt,
      };
      return;
    }
    // A check that reads `clear` without having been seen re-opened by the alert may still show the
    // outcome from before it: never cleared on that, a person looks (ESCALATED). A confirmed match counts.
    decision =
      input.decisionAfterOpen === true && !seenOpen && verdict === 'approved'
        ? { ...update, verdict: 'unrecognised' }
        : update;
  }

  // Registered before the first await: signal-with-start delivers the signal in the same task as the start.
  setHandler(monitoringCaseStatusQuery, () => status);
  setHandler(caseDecisionSignal, (update) => {
    if (update.webhookId !== undefined) {
      // Redeliveries (the sender retries with the same webhook-id; a restarted bridge forgot it) change nothing.
      if (seenWebhookIds.has(update.webhookId)) {
        status.duplicateDeliveries += 1;
        return;
      }
      seenWebhookIds.add(update.webhookId);
    }
    record(update);
  });

  upsertSearchAttributes([{ key: kycExternalIdentifier, value: input.externalIdentifier }]);

  const provider = providerActivities({ provider: input.provider, account: input.account });
  const checkInterval = input.caseCheckIntervalMs ?? DEFAULT_CASE_CHECK_INTERVAL_MS;

  async function checkCase(): Promise<void> {
    try {
      // With a case identifier the activity reads that case directly (GET /v2/cases/{id}); the customer id
      // is only used to list cases when the identifier is unknown, which never happens here.
      const result = await provider.caseCheck.checkOnboardingCase({
        customerIdentifier: input.customerIdentifier ?? '',
        caseIdentifier: input.caseIdentifier,
      });
      if (result.case === undefined) return;
      record({
        caseIdentifier: result.case.caseIdentifier,
        decisionType: result.case.decisionType,
        ...(result.case.verdict !== undefined && { verdict: result.case.verdict }),
        source: 'case-check',
        receivedAt: result.checkedAt,
        ...(result.case.caseType !== undefined && { caseType: result.case.caseType }),
        ...(result.case.stageIdentifier !== undefined && { stageIdentifier: result.case.stageIdentifier }),
        ...(result.case.stageName !== undefined && { stageName: result.case.stageName }),
      });
    } catch (err) {
      log.warn('case check failed; the next check tries again', { failureType: failureTypeOf(err) });
    }
  }

  async function awaitDecision(): Promise<CaseDecision> {
    for (;;) {
      await condition(() => decided() !== undefined, checkInterval);
      if (decided() === undefined) await checkCase();
      const found = decided();
      if (found !== undefined) return found;
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof monitoringCaseReview>(input, {
          ...(status.lastStage !== undefined && { lastStage: status.lastStage }),
          duplicateDeliveries: status.duplicateDeliveries,
          seenWebhookIds: [...seenWebhookIds],
        });
      }
    }
  }

  const final = await awaitDecision();
  status.decision = final;
  switch (readVerdict(final)) {
    case 'approved':
      status.state = 'CLEARED';
      break;
    case 'rejected':
      status.state = 'MARKED_FOR_OFFBOARDING';
      upsertSearchAttributes([{ key: kycMarkedForOffboarding, value: true }]);
      if (input.startOffboarding !== false) status.offboardingWorkflowId = await offboardingFor(input);
      break;
    default:
      status.state = 'ESCALATED';
  }
  log.info('monitoring case decided', {
    caseIdentifier: input.caseIdentifier,
    decisionType: final.decisionType,
    state: status.state,
  });

  await condition(allHandlersFinished);
  return status;
}

/** One offboarding per case: a replayed or repeated start finds the same ID. */
function offboardingFor(input: MonitoringCaseReviewInput) {
  return startOffboarding({
    externalIdentifier: input.externalIdentifier,
    ...(input.customerIdentifier !== undefined && { customerIdentifier: input.customerIdentifier }),
    ...(input.provider !== undefined && { provider: input.provider }),
    ...(input.account !== undefined && { account: input.account }),
    reason: `NEGATIVE decision on monitoring case ${input.caseIdentifier}`,
    requestId: `monitoring-case-${input.caseIdentifier}`,
  });
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(behaviourWhenVersioned(VERSIONING_BEHAVIOR.monitoringCaseReview), monitoringCaseReview);
