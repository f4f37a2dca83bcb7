import type { MeshCustomer } from '../../contracts/customer';
import type {
  CreateAndScreenInput,
  CustomerRecord,
  RescoreOutcome,
  RiskLevel,
  ScreeningOutcome,
} from '../../contracts/screening-activities';

/**
 * What the rest of the project needs from ComplyAdvantage Mesh. `createMeshClient` (got + zod)
 * implements it; activity tests may pass a typed fake. Values the provider documents as open sets
 * (risk levels, screening results, decision types, statuses) stay plain strings here: the workflow
 * decides what an unknown value means (always "review", never "approve").
 */

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

export interface MeshApi {
  createAndScreen(request: CreateAndScreenInput): Promise<ScreeningOutcome>;
  getCustomer(customerIdentifier: string): Promise<CustomerRecord>;
  getCustomerByExternalIdentifier(externalIdentifier: string): Promise<CustomerRecord>;
  listCustomerCases(customerIdentifier: string): Promise<MeshCase[]>;
  getCase(caseIdentifier: string): Promise<MeshCase>;
  setMonitoring(customerIdentifier: string, enabled: boolean): Promise<{ enabled: boolean }>;
  /** POST, falling back to PATCH on 405. Replaces the whole record: pass the full, merged customer. */
  updateAndRescore(customerIdentifier: string, customer: MeshCustomer): Promise<RescoreOutcome>;
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
