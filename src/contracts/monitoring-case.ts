import { defineQuery } from '@temporalio/workflow';
import type { CaseDecision } from './case-decision';
import type { ScreeningProviderName } from './screening-provider';

/**
 * The per-case review of an ongoing-monitoring case (docs/workflow.md, "After onboarding"). The
 * webhook bridge starts it by signal-with-start on `CASE_CREATED` (ID `monitoring-case-<case_identifier>`,
 * see workflow-ids.ts) and relays the case's decision to it with `caseDecisionSignal`. The type name is a
 * contract between the bridge (which starts it by name) and the worker (which registers the function of
 * that name).
 */
export const MONITORING_CASE_REVIEW_WORKFLOW_TYPE = 'monitoringCaseReview';

export interface MonitoringCaseReviewInput {
  caseIdentifier: string;
  /** The already onboarded customer the case is about (never personal data, see workflow-ids.ts). */
  externalIdentifier: string;
  /** Mesh's customer id when the webhook carried it (`customer.identifier`); saves the offboarding a lookup. */
  customerIdentifier?: string;
  /**
   * How often the review reads the case itself, in case the decision's webhook was lost (the sender
   * gives up after 16 s). Defaults to 6 hours; tests pass seconds.
   */
  caseCheckIntervalMs?: number;
  /** Whether a NEGATIVE decision starts `offboardCustomer` (default) or only marks the customer. */
  startOffboarding?: boolean;
  /** The provider whose case this is; Mesh when absent. */
  provider?: ScreeningProviderName;
  /** The tenant's account at that provider (`status.terms.screeningChain`); the worker's own when absent. */
  account?: string;
  /**
   * Count a decision only once the case was seen open: for a provider whose monitoring alert may leave
   * the screening's earlier outcome in place (a ComplyCube check still reading `clear`), so an old
   * outcome is never taken for the analyst's decision on the new findings.
   */
  decisionAfterOpen?: boolean;
}

/**
 * AWAITING_DECISION until the case is decided; then CLEARED (POSITIVE), MARKED_FOR_OFFBOARDING (NEGATIVE)
 * or ESCALATED (PARTIAL_POSITIVE or a decision type this code does not know: a person decides what follows).
 */
export type MonitoringCaseState = 'AWAITING_DECISION' | 'CLEARED' | 'MARKED_FOR_OFFBOARDING' | 'ESCALATED';

export interface MonitoringCaseReviewStatus {
  state: MonitoringCaseState;
  caseIdentifier: string;
  externalIdentifier: string;
  /** The deciding signal, once there is one. */
  decision?: CaseDecision;
  /** The last stage reported while still in progress. */
  lastStage?: { stageIdentifier?: string; stageName?: string; receivedAt: string };
  /** Deliveries ignored as duplicates (same webhook-id seen before). */
  duplicateDeliveries: number;
  /** The `offboardCustomer` workflow started after a NEGATIVE decision. */
  offboardingWorkflowId?: string;
}

export type MonitoringCaseReviewResult = MonitoringCaseReviewStatus;

export const monitoringCaseStatusQuery = defineQuery<MonitoringCaseReviewStatus>('monitoringCaseStatus');
