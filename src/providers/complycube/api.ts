/**
 * What the rest of the project needs from ComplyCube (docs/providers/complycube.md): one method per HTTP
 * call, so an activity can promise exactly one call per invocation. `createComplyCubeClient` (got + zod)
 * implements it; tests may pass a typed fake. Values ComplyCube documents as open sets (statuses,
 * outcomes, types) stay plain strings: the activities translate the known ones and treat the rest as
 * unrecognised (review, never approval).
 */

export interface ComplyCubePersonDetails {
  firstName?: string;
  middleName?: string;
  lastName?: string;
  /** YYYY-MM-DD */
  dob?: string;
  /** ISO 3166-1 alpha-2 */
  nationality?: string;
}

export interface ComplyCubeCompanyDetails {
  name?: string;
  registrationNumber?: string;
  incorporationCountry?: string;
}

/** The body of `POST /clients` and `POST /clients/{id}`, as applicant.ts builds it from our customer. */
export interface ComplyCubeClientBody {
  type: 'person' | 'company';
  email: string;
  personDetails?: ComplyCubePersonDetails;
  companyDetails?: ComplyCubeCompanyDetails;
  externalId: string;
  metadata: Record<string, string>;
}

/** A client as read back: only what the activities use. */
export interface ComplyCubeClient {
  id: string;
  /** `person` | `company` | … */
  type?: string;
  externalId?: string;
  email?: string;
  personDetails?: ComplyCubePersonDetails;
  companyDetails?: ComplyCubeCompanyDetails;
  metadata: Record<string, string>;
  createdAt?: string;
  updatedAt?: string;
}

export interface ComplyCubeCheck {
  id: string;
  clientId: string;
  /** `standard_screening_check` | `extensive_screening_check` | … */
  type: string;
  /** `pending` | `complete` | `failed` | … */
  status: string;
  enableMonitoring?: boolean;
  /** `result.outcome` once complete: `clear` | `attention` | `match_confirmed` | … */
  outcome?: string;
  createdAt?: string;
}

export interface ComplyCubeWebhook {
  id: string;
  url: string;
  /** Absent when the answer does not say. */
  enabled?: boolean;
  events: string[];
  description?: string;
}

/** A webhook as `POST /webhooks` answers it: the only answer that ever carries the signing secret. */
export interface CreatedComplyCubeWebhook extends ComplyCubeWebhook {
  secret: string;
}

/** One page of a list (`{page, pageSize, totalItems, pages, items}`), newest first. */
export interface ComplyCubePage<T> {
  page: number;
  pages: number;
  totalItems?: number;
  items: T[];
}

export interface PageRequest {
  /** 1-based. */
  page?: number;
  /** Up to 100. */
  pageSize?: number;
}

export interface ComplyCubeApi {
  /** `GET /clients?metadata.<key>=<value>`: a documented filter (unlike `externalId`). */
  findClientsByMetadata(
    key: string,
    value: string,
    page?: PageRequest,
  ): Promise<ComplyCubePage<ComplyCubeClient>>;
  /** `GET /clients`, newest first, unfiltered. */
  listClients(page?: PageRequest): Promise<ComplyCubePage<ComplyCubeClient>>;
  createClient(body: ComplyCubeClientBody): Promise<ComplyCubeClient>;
  getClient(clientId: string): Promise<ComplyCubeClient>;
  updateClient(clientId: string, body: ComplyCubeClientBody): Promise<ComplyCubeClient>;
  /** `GET /checks?clientId=…[&type=…]`, newest first. */
  listChecks(
    filter: { clientId: string; type?: string },
    page?: PageRequest,
  ): Promise<ComplyCubePage<ComplyCubeCheck>>;
  createCheck(request: {
    clientId: string;
    type: string;
    enableMonitoring: boolean;
  }): Promise<ComplyCubeCheck>;
  getCheck(checkId: string): Promise<ComplyCubeCheck>;
  /** `POST /checks/{id} {enableMonitoring}`: only screening checks, and not while `pending`. */
  updateCheck(checkId: string, update: { enableMonitoring: boolean }): Promise<ComplyCubeCheck>;
  listWebhooks(page?: PageRequest): Promise<ComplyCubePage<ComplyCubeWebhook>>;
  createWebhook(request: {
    url: string;
    events: string[];
    description: string;
    enabled: boolean;
  }): Promise<CreatedComplyCubeWebhook>;
  updateWebhook(webhookId: string, update: { enabled: boolean }): Promise<ComplyCubeWebhook>;
}

/**
 * Every failure of a ComplyCube call, classified once at the edge (src/providers/complycube/errors.ts).
 * The kind is the Temporal failure type the activities end with. Messages carry the operation, the status
 * and ComplyCube's `type` and `param` only, never its `message`: it may echo identifiers or personal data.
 */
export type ComplyCubeErrorKind =
  | 'ComplyCubeInvalidRequest' // 400, 413: our request or the customer's data refused (final)
  | 'ComplyCubeNotFound' // 404 (final)
  | 'ComplyCubeUnprocessable' // 422, e.g. invalid_check_update (final)
  | 'ComplyCubeCheckPending' // 422 pending_check_unmodifiable: the check leaves pending soon (retryable)
  | 'ComplyCubeUnauthorized' // 401: the API key refused (credentials, retryable)
  | 'ComplyCubeForbidden' // 403: not permitted (credentials, retryable)
  | 'ComplyCubePaymentRequired' // 402: the account's credit is spent (retryable)
  | 'ComplyCubeRateLimited' // 429: the rate or the monthly quota (retryable after COMPLYCUBE_RETRY_BACKOFF)
  | 'ComplyCubeClientError' // any other 4xx: not about the customer's data (retryable)
  | 'ComplyCubeServerError' // 5xx (retryable)
  | 'ComplyCubeTimeout' // no answer within the request timeout (retryable)
  | 'ComplyCubeNetwork' // connection refused or reset (retryable)
  | 'ComplyCubeInvalidResponse' // a 2xx whose body lacks what we need, or an unexpected status (final)
  | 'ComplyCubeApplicantIncomplete' // our customer lacks what ComplyCube needs; nothing sent (final)
  | 'ComplyCubeClientNotFound' // no client for the identifier asked for (final)
  | 'ComplyCubeInvalidResume'; // a `resume` this adapter did not write (final)

export interface ComplyCubeErrorDetails {
  status?: number;
  retryable: boolean;
  operation: string;
  /** ComplyCube's error `type` (`invalid_request`, `rate_limit_exceeded`, …), when it is a plain code. */
  errorType?: string;
  /** The field a 400 names (`param`), when it is a plain field path. */
  param?: string;
  /** The wait before the next attempt, before jitter: COMPLYCUBE_RETRY_BACKOFF for a 429. */
  retryAfterMs?: number;
  /**
   * The account refused the key (401) or the permission (403): retryable, so runs pause until an
   * operator fixes the key instead of failing every onboarding in flight.
   */
  credentials?: boolean;
  /** 402: the account must be topped up; retryable for the same reason. */
  payment?: boolean;
}

export class ComplyCubeError extends Error {
  constructor(
    readonly kind: ComplyCubeErrorKind,
    message: string,
    readonly details: ComplyCubeErrorDetails,
  ) {
    super(message);
    this.name = 'ComplyCubeError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}
