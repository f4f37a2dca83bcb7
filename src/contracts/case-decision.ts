import { defineSignal } from '@temporalio/workflow';
import type { CaseVerdict } from './screening-provider';

/**
 * `case_stage.decision_type` from Mesh. The provider's set is open (PARTIAL_POSITIVE came later than
 * the other values, docs/providers/mesh.md "Cases and decisions"), so any other string is carried
 * through and handled as "unknown" by the workflow.
 */
export type DecisionType = 'POSITIVE' | 'NEGATIVE' | 'PARTIAL_POSITIVE' | (string & {});

/**
 * Where a decision came from: a webhook relayed by the bridge (a hint, confirmed by reading the case),
 * the workflow's own case check, or a provider's event workflow that read the case when its webhook came
 * (`provider-read`, e.g. a ComplyCube check's: it carries the `verdict` it read).
 */
export type DecisionSource = 'webhook' | 'case-check' | 'provider-read';

/**
 * The payload of the `caseDecision` signal, sent by the webhook bridge when a case reaches a decision
 * (and produced internally when the workflow's case check finds one). Only the external identifier and
 * case facts: no personal data travels in signals.
 */
export interface CaseDecision {
  caseIdentifier: string;
  /** Absent or null while the case is still in progress. */
  decisionType: DecisionType | null;
  /**
   * Where the case stands in the screening port's words, when the sender read the case (the workflows'
   * own case checks, a provider's event workflow). Absent in Mesh webhooks: the workflow reads
   * `decisionType` as it always has, and confirms it by reading the case.
   */
  verdict?: CaseVerdict;
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
