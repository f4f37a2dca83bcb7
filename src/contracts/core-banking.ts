import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MeshCustomer } from './customer';
import type {
  CustomerUpdate,
  OfficerDecisionRequest,
  OfficerDecision,
  StateTransitionOf,
} from './onboarding';
import type { ScreeningProviderName } from './screening-provider';

/**
 * The core-banking port (docs/providers/cos.md): after an onboarding is approved, the customer is created
 * in the bank's core ("COS") with its address and phone, and the core's own OFAC and PEP scans must be
 * Clear before an account may be opened. The adapter (src/providers/cos/) talks to COS; the workflows
 * (src/workflows/core/) read only these shapes. Imported by workflow code: types, names and pure functions.
 */

/** Every COS call runs on this queue of the activity worker (`<TEMPORAL_TASK_QUEUE>-cos`). */
export function coreTaskQueue(taskQueue: string): string {
  return `${taskQueue}-cos`;
}

export const CORE_CUSTOMER_WORKFLOW_PREFIX = 'core-customer-';
export const CORE_REVIEW_WORKFLOW_PREFIX = 'core-review-';

/** `core-customer-<external_identifier>`: started by an approved onboarding, outlives it. */
export function coreCustomerWorkflowId(externalIdentifier: string): string {
  return `${CORE_CUSTOMER_WORKFLOW_PREFIX}${externalIdentifier}`;
}

/** `core-review-<external_identifier>-<event id>`: a rescan's review of a customer already CORE_READY. */
export function coreReviewWorkflowId(externalIdentifier: string, eventId: string): string {
  return `${CORE_REVIEW_WORKFLOW_PREFIX}${externalIdentifier}-${eventId}`;
}

/** The bridge's route for COS events: what the bridge serves and what register-webhooks registers. */
export const COS_WEBHOOK_ROUTE = '/webhooks/cos';

/** The event names this project registers and routes (one registration each). */
export const CORE_OFAC_CHANGED = 'Core.Customer.Ofac.Changed';
export const CORE_PEP_CHANGED = 'Core.Customer.PepScan.Changed';
export const CORE_EVENT_NAMES = [CORE_OFAC_CHANGED, CORE_PEP_CHANGED] as const;

/**
 * One COS write: the exact bytes of its body, built once in the workflow and resent unchanged on every
 * retry (COS treats a changed body under the same key as a new request), and the seed its
 * `idempotency-Key` is derived from (the run and the step; the adapter hashes it to ≤ 50 characters).
 */
export interface CoreWrite {
  idempotencySeed: string;
  body: string;
}

/** What the workflows read of a COS customer; `ofac` and `pepScan` are open sets, kept as received. */
export interface CoreCustomerRecord {
  id: string;
  cifNumber?: string;
  ofac?: string;
  pepScan?: string;
  status?: string;
}

export interface CoreWriteResult {
  /** The created record's id, when COS answered one. */
  id?: string;
  /** True when COS replayed an earlier answer (`original-request-id`): the write had already happened. */
  replayed: boolean;
}

/**
 * The adapter's activities, one COS call each. Retryable failures (network, 408, 409, 424, 429, 5xx, a 401
 * after its one token refresh, a refused token request) are thrown and retried by Temporal with the same key
 * and body; a refusal about the data (400, 404, 422) is a non-retryable `CoreRequestRefused`.
 */
export interface CoreBankingActivities {
  createCoreCustomer(input: CoreWrite): Promise<CoreCustomerRecord & { replayed: boolean }>;
  addCoreAddress(input: CoreWrite & { customerId: string }): Promise<CoreWriteResult>;
  addCorePhone(input: CoreWrite & { customerId: string }): Promise<CoreWriteResult>;
  readCoreCustomer(input: { customerId: string }): Promise<CoreCustomerRecord>;
}

export const CORE_REQUEST_REFUSED = 'CoreRequestRefused';

/** The core-banking terms of a run (COS_PARTNER_ID, CORE_POLL_INTERVAL, CORE_REVIEW_DEADLINE). */
export interface CoreTerms {
  partnerId: string;
  pollIntervalMs: number;
  reviewDeadlineMs: number;
}

export type CoreState =
  /** Creating the customer, its address and its phone. */
  | 'CORE_CREATING'
  /** Address or phone missing: an `amendCustomer` Update supplies it and the step resumes. */
  | 'CORE_INCOMPLETE'
  /** Created; waiting for the core's OFAC and PEP scans (or the bank's AML team) to end Clear. */
  | 'CORE_SCANNING'
  /** A PEP hit: escalated, an officer decides with `decide`. */
  | 'CORE_REVIEW'
  | 'CORE_READY'
  | 'CORE_EXPIRED'
  | 'CORE_DECLINED';

export const CORE_FINAL_STATES: readonly CoreState[] = ['CORE_READY', 'CORE_EXPIRED', 'CORE_DECLINED'];

/** Who screened the customer, so an OFAC Positive can switch monitoring off and offboard there. */
export interface CoreScreeningReference {
  provider: ScreeningProviderName;
  /** The tenant's account at that provider; the worker's own when absent. */
  account?: string;
  customerIdentifier: string;
  screeningIdentifier?: string;
}

/**
 * What a long wait hands to its continuation (continue-as-new keeps the history short however often the run
 * reads the customer): its status, its deadline and what it must remember.
 */
export interface CoreContinuation {
  status: CoreStatus;
  deadlineAt: number;
  /** The PEP scan value an officer accepted, if any. */
  pepAccepted?: string;
  seenEventIds: string[];
}

export interface CoreCustomerInput {
  /** Present in a continuation: the customer exists, the run goes on waiting for its scans. */
  continuation?: CoreContinuation;
  externalIdentifier: string;
  /** The approved onboarding's customer (personal data: encrypted with the rest of the payloads). */
  customer: MeshCustomer;
  terms: CoreTerms;
  screening?: CoreScreeningReference;
  /** The onboarding's workflow ID, for the record. */
  onboardingWorkflowId?: string;
}

/** `status` of a `coreCustomerOnboarding` or `coreCustomerReview` run, and its result. */
export interface CoreStatus {
  state: CoreState;
  externalIdentifier: string;
  /** COS's customer `id`, once created. */
  coreCustomerId?: string;
  cifNumber?: string;
  ofac?: string;
  pepScan?: string;
  /** What CORE_INCOMPLETE waits for, e.g. `customer.phone_number`. */
  missing?: string[];
  reason?: string;
  escalated: boolean;
  officerDecision?: OfficerDecision;
  offboardingWorkflowId?: string;
  /** Events applied (deduplicated by event id). */
  eventsSeen: number;
  history: StateTransitionOf<CoreState>[];
}

/** One customer named by a COS event, as the bridge hands it to the customer's run: a hint to re-read. */
export interface CoreEvent {
  eventId: string;
  eventName: string;
  coreCustomerId: string;
  receivedAt: string;
}

/** A rescan's event for a customer whose onboarding run already ended CORE_READY. */
export interface CoreReviewInput {
  continuation?: CoreContinuation;
  externalIdentifier: string;
  coreCustomerId: string;
  event: CoreEvent;
  provider?: ScreeningProviderName;
  /** The tenant's account at that provider; the worker's own when absent. */
  account?: string;
  /** Durations; the worker's CORE_POLL_INTERVAL / CORE_REVIEW_DEADLINE when absent. */
  terms?: Partial<CoreTerms>;
}

export const coreStatusQuery = defineQuery<CoreStatus>('status');
export const coreEventSignal = defineSignal<[CoreEvent]>('coreEvent');
/** Supplies what CORE_INCOMPLETE waits for (`address`, `phone_number`); answers with the status. */
export const coreAmendCustomerUpdate = defineUpdate<CoreStatus, [CustomerUpdate]>('amendCustomer');
/** An officer's decision on a PEP hit (CORE_REVIEW). */
export const coreDecideUpdate = defineUpdate<CoreStatus, [OfficerDecisionRequest]>('decide');
