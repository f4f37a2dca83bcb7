import { defineSignal } from '@temporalio/workflow';

/**
 * `case_stage.decision_type` from Mesh. The provider's set is open (PARTIAL_POSITIVE came later than
 * the other values, docs/providers/mesh.md "Cases and decisions"), so any other string is carried
 * through and handled as "unknown" by the workflow.
 */
export type DecisionType = 'POSITIVE' | 'NEGATIVE' | 'PARTIAL_POSITIVE' | (string & {});

/** Where a decision came from: a webhook relayed by the bridge, or the workflow's own case check. */
export type DecisionSource = 'webhook' | 'case-check';

/**
 * The payload of the `caseDecision` signal, sent by the webhook bridge when a case reaches a decision
 * (and produced internally when the workflow's case check finds one). Only the external identifier and
 * case facts: no personal data travels in signals.
 */
export interface CaseDecision {
  caseIdentifier: string;
  /** Absent or null while the case is still in progress. */
  decisionType: DecisionType | null;
  caseType?: string;
  stageIdentifier?: string;
  stageName?: string;
  source: DecisionSource;
  /**
   * What identifies the delivery, so a repeat is recognised: the Standard Webhooks `webhook-id`, or for
   * the legacy signature scheme (which signs no id) `legacy-sha256:<hex of the raw body>`.
   */
  webhookId?: string;
  /** ISO-8601 time the bridge received it, or the workflow found it. */
  receivedAt: string;
  /** Set by the workflow once it read the case back and the case confirmed the decision. */
  confirmedAt?: string;
}

export const caseDecisionSignal = defineSignal<[CaseDecision]>('caseDecision');
