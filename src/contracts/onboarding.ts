import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DecisionSource } from './case-decision';
import type { MeshCustomer } from './customer';
import type { CaseSnapshot } from './screening-activities';
import type { CoreTerms } from './core-banking';
import type { RiskStatus, RiskTerms } from './risk';
import {
  providerTaskQueue,
  type ScreeningChoice,
  type ScreeningProviderName,
  type ScreeningReference,
} from './screening-provider';

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
 * The worker's configuration (REVIEW_POLL_INTERVAL, …) is the default; an input's fields override it;
 * tests pass seconds. Rules in onboarding-schemas.ts: polls at least a second apart, a reminder no
 * later than the deadline.
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
 * 300/min provider budget (docs/workflow.md, "Review polling: the arithmetic"); 24 h is a working day's reminder; 30 days is
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
 * Mesh's own request layout `{entity_screening: {enabled}}`, so a create-and-screen
 * body can be used as input as is.
 */
export type MonitoringOption = boolean | { enabled?: boolean } | { entity_screening: { enabled: boolean } };

export interface ScreeningConfiguration {
  screening_configuration_identifier?: string;
}

/**
 * What the onboarding service passes to `onboardCustomer`: the customer alone is enough. The worker's
 * configuration (MESH_SCREENING_CONFIGURATION_ID, the review policy) fills in everything else; fields
 * given here override it for this run.
 */
export interface OnboardingInput {
  customer: MeshCustomer;
  /** Defaults to enabled: an onboarded customer stays under ongoing monitoring unless told otherwise. */
  monitoring?: MonitoringOption;
  /** Overrides the worker's MESH_SCREENING_CONFIGURATION_ID for this run. */
  configuration?: ScreeningConfiguration;
  /** Overrides the worker's review policy for this run, field by field. */
  policy?: Partial<OnboardingPolicy>;
  /** Overrides the worker's SCREENING_PROVIDER for this run. */
  screening?: ScreeningChoice;
  /**
   * Which tenant (brand, market) the customer belongs to: the tenant's provider screens it (TENANTS_FILE).
   * Absent: the file's `defaultTenant`. A tenant the workers do not know fails the run at once.
   */
  tenant?: string;
}

/** One provider that may screen a run, with the account whose queue its calls take and its profiles. */
export interface ScreeningLink {
  provider: ScreeningProviderName;
  /** `default` (the worker's own credentials) or the tenant's name (its own credentials and budget). */
  account: string;
  screeningProfile: string;
  extensiveProfile?: string;
}

/** A tenant as the worker resolves runs for it (src/worker/screening-accounts.ts builds it from TENANTS_FILE). */
export interface TenantTerms {
  /** Primary first, then the fail-closed fallbacks in order. */
  chain: ScreeningLink[];
  /** Providers the input's `screening.provider` may choose (the chain, or every provider the worker has). */
  choosable: ScreeningLink[];
  failoverAfterMs: number;
}

/**
 * The terms a run started with: the worker's defaults with the input's overrides, resolved once at the
 * start and recorded in the run's history (a local activity), so later configuration changes on the
 * workers never change a running onboarding or its replay.
 */
export interface OnboardingTerms {
  /** Who screens this customer; every later call of the run goes to the same provider. Absent: Mesh (runs recorded before the port). */
  provider?: ScreeningProviderName;
  /** The provider's screening profile: a Mesh screening configuration, a ComplyCube check type. */
  screeningConfigurationIdentifier: string;
  policy: OnboardingPolicy;
  monitoringEnabled: boolean;
  /** The provider's extensive profile, for customers the risk score sends the enhanced route. */
  extensiveScreeningConfigurationIdentifier?: string;
  /** The risk score before screening (RISK_*); absent: the step is off for this run. */
  risk?: RiskTerms;
  /** The core-banking customer after approval (COS_*, CORE_*); absent: the step is off for this run. */
  core?: CoreTerms;
  /** The tenant the run belongs to (absent in runs recorded before tenants). */
  tenant?: string;
  /**
   * Who may screen this run, primary first (the primary is `provider` above): a fallback screens only
   * while the one before it is unavailable for longer than `failoverAfterMs`. Absent in runs recorded
   * before tenants, which screen with `provider` and retry it until it answers.
   */
  screeningChain?: ScreeningLink[];
  failoverAfterMs?: number;
}

/** What a worker fills in when the input leaves it out (src/worker/onboarding-defaults.ts reads it). */
export interface OnboardingDefaults {
  /** Mesh's screening configuration (MESH_SCREENING_CONFIGURATION_ID). */
  screeningConfigurationIdentifier: string;
  policy: OnboardingPolicy;
  /** SCREENING_PROVIDER: who screens a run whose input names no provider. */
  provider?: ScreeningProviderName;
  /** The providers this worker fleet is configured for, with each one's screening profiles. */
  providers?: Partial<Record<ScreeningProviderName, { screeningProfile: string; extensiveProfile?: string }>>;
  /** RISK_API_BASE_URL set: every run is risk-scored before screening. */
  risk?: RiskTerms;
  /** COS_BASE_URL set: every approved run creates the core-banking customer. */
  core?: CoreTerms;
  /** The tenants (TENANTS_FILE, or one `default` tenant): each run's providers, accounts and failover window. */
  tenants?: { defaultTenant: string; tenants: Record<string, TenantTerms> };
}

/** Monitoring is on unless the input turns it off. */
export function monitoringEnabledOf(monitoring: MonitoringOption | undefined): boolean {
  if (monitoring === undefined) return true;
  if (typeof monitoring === 'boolean') return monitoring;
  if ('entity_screening' in monitoring) return monitoring.entity_screening.enabled;
  return monitoring.enabled ?? true;
}

/** The run's case as the status shows it: the case's own snapshot, without the decision and customer. */
export type CaseSummary = Pick<
  CaseSnapshot,
  'caseIdentifier' | 'caseType' | 'stageIdentifier' | 'stageName' | 'stageType'
>;

export interface AppliedDecision {
  caseIdentifier: string;
  /** `null` while undecided; any other string than the documented three is "unrecognised". */
  decisionType: string | null;
  source: DecisionSource;
  receivedAt: string;
  webhookId?: string;
  stageName?: string;
  /** When a webhook's decision was confirmed by reading the case, before it was acted on. */
  confirmedAt?: string;
}

/** A compliance officer's decision through the `decide` Update, as recorded. */
export interface OfficerDecision {
  outcome: OfficerOutcome;
  actor: string;
  reason: string;
  at: string;
}

export type OfficerOutcome = 'APPROVE' | 'REJECT';

export interface StateTransitionOf<S extends string> {
  state: S;
  at: string;
  reason?: string;
}

export type StateTransition = StateTransitionOf<OnboardingState>;

/** What the `status` query returns at any time, and the workflow's result in its final state. */
export interface OnboardingStatus {
  state: OnboardingState;
  externalIdentifier: string;
  customerIdentifier?: string;
  /** Who screened the customer and the provider's objects: `{ provider, subjectId, screeningId?, caseId? }`. */
  screening?: ScreeningReference;
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
  /** The terms the run started with (absent only in runs started before terms were recorded). */
  terms?: OnboardingTerms;
  /** The compliance officer's decision, once one was taken through `decide`. */
  officerDecision?: OfficerDecision;
  /** Decisions dropped because they named another case than the run's own (late, old or replayed). */
  ignoredDecisions?: number;
  /** The offboarding started when a customer change re-scored an approved customer PROHIBITED. */
  offboardingWorkflowId?: string;
  /** How many times the run continued as new to keep its history short (long reviews with short polls). */
  continuedAsNew?: number;
  /** The risk score before screening and the route it chose (absent when the step is off). */
  risk?: RiskStatus;
  /** True when the risk route forbids a straight-through approval: a provider case decision or an officer decides. */
  mandatoryReview?: boolean;
  /** The core-banking customer's run, started once the onboarding was approved. */
  core?: { workflowId: string };
  /** The run's tenant (search attribute `KycTenant`). */
  tenant?: string;
  /** What happened while the providers were unavailable (runs with a screening chain). */
  failover?: FailoverStatus;
}

/**
 * The screening's failover, as `status.failover` shows it. A fallback screens only after the provider
 * before it was unavailable (retryable failures, no answer) for the tenant's `failoverAfter`; a refusal
 * about the data never fails over. With every provider unavailable the run stays in SCREENING with
 * `outage: true` (search attribute `KycProviderOutage`) and tries them again, never approving.
 */
export interface FailoverStatus {
  primary: ScreeningProviderName;
  /** The provider whose screening the run decides on, once one answered. */
  screenedBy?: ScreeningProviderName;
  /** Providers given up on after `failoverAfter` without an answer, oldest first (at most 20 kept). */
  unavailable: Array<{ provider: ScreeningProviderName; at: string; failure: string }>;
  /** How many times a provider was given up on (all of them, not only those kept above). */
  giveUps: number;
  /** True while every provider of the chain is unavailable. */
  outage: boolean;
  outageSince?: string;
  /**
   * Providers given up on that may still have created the customer (a call that timed out may have been
   * processed): a run of `reconcileAbandonedScreening` finds it there once the provider is back and
   * switches its monitoring off.
   */
  reconciliations?: Array<{ provider: ScreeningProviderName; workflowId: string }>;
}

/**
 * Updated customer fields; merged into the full customer before update-and-rescore (which replaces the
 * record). The same `requestId` applies once, whether sent as signal or Update.
 */
export interface CustomerUpdate {
  customer: Partial<MeshCustomer>;
  requestId?: string;
}

export interface WithdrawRequest {
  reason?: string;
  requestId?: string;
}

/** The `decide` Update's argument: a compliance officer's final decision on an escalated case. */
export interface OfficerDecisionRequest {
  outcome: OfficerOutcome;
  /** Who decided (user id or e-mail of the officer): recorded in the status and the history. */
  actor: string;
  /** Why, in the officer's words: recorded, never shown in the Web UI's summary. */
  reason: string;
}

export const statusQuery = defineQuery<OnboardingStatus>('status');
/** Fire-and-forget; prefer the `amendCustomer` Update, which answers. */
export const updateCustomerSignal = defineSignal<[CustomerUpdate]>('updateCustomer');
/** Fire-and-forget; prefer the `withdrawApplication` Update, which answers. */
export const withdrawSignal = defineSignal<[WithdrawRequest]>('withdraw');
/**
 * Changes the customer's data while the onboarding runs; answers with the run's status once
 * update-and-rescore ran (a PROHIBITED re-score has rejected the run by then). Refused before anything
 * changes when the run has ended or the request is invalid.
 */
export const amendCustomerUpdate = defineUpdate<OnboardingStatus, [CustomerUpdate]>('amendCustomer');
/** The applicant withdraws; answers with the final status. Refused when the run has ended. */
export const withdrawApplicationUpdate = defineUpdate<OnboardingStatus, [WithdrawRequest]>(
  'withdrawApplication',
);
/**
 * A compliance officer's decision; answers with the status once applied. REJECT is always allowed while
 * the run is live; APPROVE is refused while a provider case is open or may still be created: an officer
 * never overrides a sanctions case, only decides what the analyst's case left open.
 */
export const decideUpdate = defineUpdate<OnboardingStatus, [OfficerDecisionRequest]>('decide');

/**
 * Every Mesh call runs on this queue, whose server-side rate limit keeps the whole account under the
 * provider's budget however many workers run; workflows stay on the main queue.
 */
export function meshTaskQueue(taskQueue: string): string {
  return providerTaskQueue(taskQueue, 'mesh');
}

/** How a run ends when it cannot go on, and why an Update is refused (ApplicationFailure types). */
export enum OnboardingFailureType {
  SCREENING_REFUSED = 'ScreeningRefused',
  INVALID_INPUT = 'InvalidOnboardingInput',
  /** An Update's request is invalid, or not allowed in the run's state (the validator's answer). */
  UPDATE_REFUSED = 'UpdateRefused',
  /** Mesh refused an amendment's data for good; the run goes on with the data it had. */
  AMENDMENT_REFUSED = 'AmendmentRefused',
  /** An officer's APPROVE could not be confirmed against the case; nothing changed, try again. */
  DECISION_NOT_CONFIRMED = 'DecisionNotConfirmed',
}
