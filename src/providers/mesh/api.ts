import type { MeshCustomer } from '../../contracts/customer';
import type { DuplicateRecovery } from '../../contracts/screening';

/**
 * What the rest of the project needs from ComplyAdvantage Mesh. `createMeshClient` (got + zod)
 * implements it; activity tests may pass a typed fake. Values the provider documents as open sets
 * (risk levels, screening results, decision types, statuses) stay plain strings here: the workflow
 * decides what an unknown value means (always "review", never "approve").
 */

/** `initial-risk-scoring.overall_level`: LOW-RISK | MEDIUM-RISK | HIGH-RISK | PROHIBITED | UNSPECIFIED-RISK | SKIPPED | … */
export type RiskLevel = string;
/** `customer-screening.screening_result`: HAS_PROFILES | NO_PROFILES (legacy HAS-HITS | NO-HITS) | … */
export type ScreeningResult = string;

export interface CreateAndScreenRequest {
  customer: MeshCustomer;
  screeningConfigurationIdentifier: string;
  monitoringEnabled: boolean;
}

/** The parts of a create-and-screen workflow (or of a recovered customer) the onboarding acts on. */
export interface ScreeningOutcome {
  customerIdentifier: string;
  externalIdentifier: string;
  /** Workflow status: COMPLETED | IN-PROGRESS | ERRORED | … ; UNKNOWN when a duplicate recovery could not read it. */
  workflowStatus: string;
  riskLevel?: RiskLevel;
  riskValue?: number;
  /** Absent when screening was SKIPPED (e.g. PROHIBITED) or not finished. */
  screeningResult?: ScreeningResult;
  amlTypes: string[];
  alertIdentifiers: string[];
  /** Present once `case-creation` completed; a case still being created is found later via listCustomerCases. */
  caseIdentifier?: string;
  /** True when this outcome was recovered after a duplicate external identifier (any of the three shapes). */
  recoveredFromDuplicate: boolean;
  /** How the outcome was recovered after a duplicate external identifier; absent for a first creation. */
  recovery?: DuplicateRecovery;
}

export type { DuplicateRecovery } from '../../contracts/screening';

export interface CaseStage {
  identifier?: string;
  displayName?: string;
  /** INITIAL | REVIEW | DECISION | … */
  stageType?: string;
  /** POSITIVE | NEGATIVE | PARTIAL_POSITIVE | … ; null/absent while undecided. */
  decisionType?: string | null;
}

export interface MeshCase {
  caseIdentifier: string;
  /** CUSTOMER_ONBOARDING | CUSTOMER_MONITORING | … */
  caseType?: string;
  stage?: CaseStage;
  /** Deprecated `case_state`, used when `stage` is absent. */
  caseState?: string;
  customerIdentifier?: string;
  externalIdentifier?: string;
  riskLevel?: RiskLevel;
}

export interface MeshCustomerRecord {
  customerIdentifier: string;
  externalIdentifier: string;
  riskLevel?: RiskLevel;
  monitoringEnabled?: boolean;
  /** The record as Mesh holds it, for merging before update-and-rescore (which replaces the whole record). */
  customer: MeshCustomer;
}

export interface RescoreOutcome {
  customerIdentifier: string;
  riskLevel?: RiskLevel;
  riskValue?: number;
}

export interface WebhookConfiguration {
  identifier: string;
  url: string;
  type: string;
  name?: string;
  isActive: boolean;
}

export interface RegisterWebhookRequest {
  name: string;
  type: string;
  url: string;
  isActive: boolean;
}

export interface MeshApi {
  createAndScreen(request: CreateAndScreenRequest): Promise<ScreeningOutcome>;
  getCustomer(customerIdentifier: string): Promise<MeshCustomerRecord>;
  getCustomerByExternalIdentifier(externalIdentifier: string): Promise<MeshCustomerRecord>;
  listCustomerCases(customerIdentifier: string): Promise<MeshCase[]>;
  getCase(caseIdentifier: string): Promise<MeshCase>;
  setMonitoring(customerIdentifier: string, enabled: boolean): Promise<{ enabled: boolean }>;
  /** POST, falling back to PATCH on 405. Replaces the whole record: pass the full, merged customer. */
  updateAndRescore(customerIdentifier: string, customer: MeshCustomer): Promise<RescoreOutcome>;
  listWebhooks(type?: string): Promise<WebhookConfiguration[]>;
  registerWebhook(request: RegisterWebhookRequest): Promise<WebhookConfiguration>;
  updateWebhook(identifier: string, patch: Partial<RegisterWebhookRequest>): Promise<WebhookConfiguration>;
}

/**
 * Every failure of a Mesh call, classified once at the edge (src/providers/mesh/errors.ts builds these).
 * Activities turn `retryable: false` into non-retryable ApplicationFailures with `kind` as the type,
 * and `retryAfterMs` into `nextRetryDelay` (capped by the activity's retry policy). Messages carry the
 * operation, the status and our own words only, never the provider's prose: it may quote personal data.
 */
export type MeshErrorKind =
  | 'BAD_REQUEST' // 400, 413, 422: Mesh refused the customer's data (permanent)
  | 'FORBIDDEN' // 403: the API user or the gateway refused (credentials, retryable)
  | 'NOT_FOUND' // 404, 410 (permanent)
  | 'CONFLICT' // 409 that is not a recoverable duplicate (permanent), or a duplicate not readable yet (retryable)
  | 'UNAUTHORIZED' // 401 after one re-authentication (credentials, retryable)
  | 'AUTHENTICATION_FAILED' // the token endpoint refused the credentials (credentials, retryable)
  | 'CLIENT_ERROR' // any other 4xx (405, 408, 425, …): not about the customer's data, retryable
  | 'RATE_LIMITED' // 429
  | 'SERVER_ERROR' // 5xx
  | 'TIMEOUT' // no answer within the request timeout
  | 'NETWORK' // connection refused/reset
  | 'INVALID_RESPONSE'; // a 2xx whose body does not have what we need

export interface MeshErrorDetails {
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  operation: string;
  /**
   * Mesh refused the credentials or the API user's permissions, not the customer's data: retryable, so
   * runs pause until an operator fixes the account instead of failing every onboarding in flight.
   */
  credentials?: boolean;
}

export class MeshError extends Error {
  constructor(
    readonly kind: MeshErrorKind,
    message: string,
    readonly details: MeshErrorDetails,
  ) {
    super(message);
    this.name = 'MeshError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}
