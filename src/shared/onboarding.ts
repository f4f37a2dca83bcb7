import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DecisionSource } from './case-decision';
import type { MeshCustomer } from './customer';

/**
 * The `onboardCustomer` workflow's messages and data: what the starter, the bridge and the workflow
 * all import. Nothing here holds personal data except the customer object itself (input and the
 * `updateCustomer` signal), which Mesh needs; the status a query returns carries identifiers,
 * levels, results and decisions only.
 */

/** Domain states of one onboarding; the first three are live, the rest final. */
export type OnboardingState =
  | 'SCREENING'
  | 'AWAITING_REVIEW'
  | 'APPROVED'
  | 'REJECTED'
  | 'EXPIRED'
  | 'WITHDRAWN'
  /** The provider refused the request for good (e.g. 400 on the customer data); the run failed. */
  | 'FAILED';

export const FINAL_STATES: readonly OnboardingState[] = [
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'WITHDRAWN',
  'FAILED',
];

/** What a PARTIAL_POSITIVE decision does: never an automatic approval (see docs/workflow.md). */
export type PartialPositivePolicy = 'escalate' | 'reject';

/**
 * Durations and behaviour of one run, in milliseconds so JSON inputs and jitter arithmetic stay simple.
 * The starter fills it from configuration; tests pass seconds. Every field has a safe default.
 */
export interface OnboardingPolicy {
  /** How often a waiting run checks its case itself, in case the webhook was lost. */
  reviewPollIntervalMs: number;
  /** Each poll interval is lengthened by up to this fraction (never shortened), so runs do not poll in step. */
  reviewPollJitter: number;
  /** After this long in review the run is marked overdue (KycReviewOverdue=true). */
  reviewReminderMs: number;
  /** After this long in review the run expires and monitoring is switched off. */
  reviewDeadlineMs: number;
  partialPositive: PartialPositivePolicy;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Defaults for a compliance team. The 6 h poll keeps 10,000 waiting customers at ≤ 1/10 of the
 * 300/min provider budget (reviewPollIntervalFor below); 24 h is a working day's reminder; 30 days is
 * the usual KYC deadline before an application lapses.
 */
export const DEFAULT_ONBOARDING_POLICY: OnboardingPolicy = {
  reviewPollIntervalMs: 6 * HOUR,
  reviewPollJitter: 0.1,
  reviewReminderMs: DAY,
  reviewDeadlineMs: 30 * DAY,
  partialPositive: 'escalate',
};

/**
 * The same three spellings the starter accepts (`onboardingRequestSchema`): a boolean, `{enabled}`, or
 * Mesh's own request layout `{entity_screening: {enabled}}` (guide Appendix B), so a create-and-screen
 * body can be used as input as is.
 */
export type MonitoringOption = boolean | { enabled?: boolean } | { entity_screening: { enabled: boolean } };

export interface ScreeningConfiguration {
  screening_configuration_identifier?: string;
}

export interface OnboardingInput {
  customer: MeshCustomer;
  /** Defaults to enabled: ongoing monitoring is the guide's standard workflow. */
  monitoring?: MonitoringOption;
  /** The starter fills in MESH_SCREENING_CONFIGURATION_ID when absent; the workflow requires it. */
  configuration?: ScreeningConfiguration;
  policy?: Partial<OnboardingPolicy>;
}

/** Monitoring is on unless the input turns it off. */
export function monitoringEnabledOf(monitoring: MonitoringOption | undefined): boolean {
  if (monitoring === undefined) return true;
  if (typeof monitoring === 'boolean') return monitoring;
  if ('entity_screening' in monitoring) return monitoring.entity_screening.enabled;
  return monitoring.enabled ?? true;
}

export interface CaseSummary {
  caseIdentifier: string;
  caseType?: string;
  stageIdentifier?: string;
  stageName?: string;
  stageType?: string;
}

export interface AppliedDecision {
  caseIdentifier: string;
  /** `null` while undecided; any other string than the documented three is "unrecognised". */
  decisionType: string | null;
  source: DecisionSource;
  receivedAt: string;
  webhookId?: string;
  stageName?: string;
}

export interface StateTransition {
  state: OnboardingState;
  at: string;
  reason?: string;
}

/** What the `status` query returns at any time, and the workflow's result in its final state. */
export interface OnboardingStatus {
  state: OnboardingState;
  externalIdentifier: string;
  customerIdentifier?: string;
  riskLevel?: string;
  screeningResult?: string;
  /** True when screening found an existing customer after a duplicate external identifier. */
  recoveredFromDuplicate?: boolean;
  monitoringEnabled: boolean;
  case?: CaseSummary;
  /** The last decision seen (final or not). */
  decision?: AppliedDecision;
  reviewOverdue: boolean;
  /** True after a PARTIAL_POSITIVE or unrecognised decision/value: a senior reviewer must look. */
  escalated: boolean;
  /** Why the run is in its state, e.g. "risk level PROHIBITED". */
  reason?: string;
  /** Number of update-and-rescore runs applied while onboarding. */
  rescores: number;
  /** Transitions, oldest first; a handful per run. */
  history: StateTransition[];
}

/** Updated customer fields; merged into the full customer before update-and-rescore (which replaces the record). */
export interface CustomerUpdate {
  customer: Partial<MeshCustomer>;
  requestId?: string;
}

export interface WithdrawRequest {
  reason?: string;
  requestId?: string;
}

export const statusQuery = defineQuery<OnboardingStatus>('status');
export const updateCustomerSignal = defineSignal<[CustomerUpdate]>('updateCustomer');
export const withdrawSignal = defineSignal<[WithdrawRequest]>('withdraw');

/**
 * Every Mesh call runs on this queue, whose server-side rate limit keeps the whole account under the
 * provider's budget however many workers run; workflows stay on the main queue.
 */
export function meshTaskQueue(taskQueue: string): string {
  return `${taskQueue}-mesh`;
}

/** How a run ends when it cannot go on (ApplicationFailure types). */
export enum OnboardingFailureType {
  SCREENING_REFUSED = 'ScreeningRefused',
  INVALID_INPUT = 'InvalidOnboardingInput',
}
