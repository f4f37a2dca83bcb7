/**
 * What the rest of the project needs from ComplyAdvantage's classic `/searches` API
 * (docs/providers/ca-classic.md): one method per HTTP call, so an activity can promise exactly one call per
 * invocation. `createCaClassicClient` (got + zod) implements it; tests may pass a typed fake. Values the
 * API documents as sets (match statuses, risk levels, entity types) stay plain strings: the mapping
 * (searches.ts) translates the known ones and reads the rest as unrecognised (review, never approval).
 * Ids are account-scoped integers, answered as numbers or numeric strings: here always strings.
 */

/** `search_term` for a person: `last_name` is the one the API requires. */
export interface CaClassicPersonTerm {
  first_name?: string;
  middle_names?: string;
  last_name: string;
}

/** The body of `POST /searches`, as searches.ts builds it from our customer. Never `filters.types`. */
export interface CaClassicSearchBody {
  /** The object for a person, the legal name for a company. */
  search_term: string | CaClassicPersonTerm;
  /** The onboarding's external identifier: CA's memory of dismissed hits is kept per `client_ref`. */
  client_ref: string;
  /** A profile slug from the web app (CA_CLASSIC_SEARCH_PROFILE or CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE). */
  search_profile: string;
  filters?: { birth_year?: number; country_codes?: string[] };
  /** `{<CA_CLASSIC_TAG_NAME>: <external identifier>}`, only when that tag is configured. */
  tags?: Record<string, string>;
}

/** A hit, reduced to what the mapping reads: never the entity's names, fields or media. */
export interface CaClassicHit {
  /** `doc.id`, when readable. */
  entityId?: string;
  /** `doc.types`: `sanction`, `pep`, `warning`, `adverse-media…` (an open set). */
  types: string[];
  /** True only when the answer says `is_whitelisted: true`; anything else is an open hit. */
  whitelisted: boolean;
}

/** A search as read back (create answer, overview, details, list item): only what the adapter uses. */
export interface CaClassicSearch {
  id: string;
  ref?: string;
  /** `no_match` | `false_positive` | `potential_match` | `true_positive` | `true_positive_approve` | `true_positive_reject` | `unknown` | … */
  matchStatus?: string;
  /** `low` | `medium` | `high` | `unknown` | … */
  riskLevel?: string;
  /** As the API echoes it: a string (usually), or the object we sent. Our customer's name: never logged. */
  searchTerm?: string | Partial<CaClassicPersonTerm>;
  clientRef?: string;
  totalHits?: number;
  /** `tags` with string values only; `[]` (the API's "no tags") reads as `{}`. */
  tags: Record<string, string>;
  /** `YYYY-MM-DD HH:MM:SS`, no zone. */
  createdAt?: string;
  /** `filters.entity_type` as echoed (`person`, `company`, …), when it is. */
  entityType?: string;
  /** The profile slug, when echoed. */
  searchProfile?: string;
  /** Absent when the answer carries no `hits` (an overview, a list item): then only `totalHits` is known. */
  hits?: CaClassicHit[];
}

export interface CaClassicMonitor {
  searchId?: string;
  /** Absent when the answer does not say. */
  isMonitored?: boolean;
}

/** `GET /searches` filters and ordering, as the API names them. */
export interface CaClassicSearchQuery {
  /** `name:value` (a comma list in the API; the adapter sends one). */
  tags?: string;
  /** At least 3 characters. */
  search_term?: string;
  /** yyyy-mm-dd */
  date_from?: string;
  /** Up to 100. */
  per_page?: number;
  /** 1-based. */
  page?: number;
  sort_by?: 'id' | 'created_at' | 'updated_at';
  sort_dir?: 'asc' | 'desc';
}

export interface CaClassicApi {
  /** `POST /searches`: synchronous, the answer is the search with its hits. */
  createSearch(body: CaClassicSearchBody): Promise<CaClassicSearch>;
  /** `GET /searches/{id}`: the overview (no hits); a monitored search reflects its latest run. */
  getSearch(searchId: string): Promise<CaClassicSearch>;
  /** `GET /searches/{id}/details`: the search with its hits. */
  getSearchDetails(searchId: string): Promise<CaClassicSearch>;
  /** `GET /searches`: one page of overviews. */
  listSearches(query: CaClassicSearchQuery): Promise<CaClassicSearch[]>;
  /** `PATCH /searches/{id}/monitors {is_monitored}` (for every user: no `monitored_by`). */
  patchMonitors(searchId: string, isMonitored: boolean): Promise<CaClassicMonitor>;
  /** `GET /searches/{id}/monitors`. */
  getMonitors(searchId: string): Promise<CaClassicMonitor>;
}

/**
 * Every failure of a classic call, classified once at the edge (src/providers/ca-classic/errors.ts). The
 * kind is the Temporal failure type the activities end with. Messages carry the operation, the status and
 * the envelope's numeric `code` only, never its `message`: it may echo the search term.
 */
export type CaClassicErrorKind =
  | 'CaClassicInvalidRequest' // 400, 413: our request refused (final)
  | 'CaClassicNotFound' // 404, or no search of ours for the identifier asked for (final)
  | 'CaClassicUnprocessable' // 422 (final)
  | 'CaClassicUnauthorized' // 401: the API key refused (credentials, retryable)
  | 'CaClassicForbidden' // 403: not permitted (credentials, retryable)
  | 'CaClassicRateLimited' // 429 (retryable, after Retry-After when sent)
  | 'CaClassicClientError' // any other 4xx: not about the customer's data (retryable)
  | 'CaClassicServerError' // 5xx (retryable, after Retry-After when sent)
  | 'CaClassicTimeout' // no answer within the request timeout (retryable)
  | 'CaClassicNetwork' // connection refused or reset (retryable)
  | 'CaClassicInvalidResponse' // a 200 whose body lacks what we need, or an unexpected status (final)
  | 'CaClassicApplicantIncomplete' // our customer has no name to search; nothing sent (final)
  | 'CaClassicSearchProfileMissing' // no profile in the input and CA_CLASSIC_SEARCH_PROFILE unset (final)
  | 'CaClassicClientRefUnknown' // a search read back without `client_ref` (or our tag): not provably ours (final)
  | 'CaClassicLookupUnsupported' // a lookup by external identifier without CA_CLASSIC_TAG_NAME (final)
  | 'CaClassicLookupUnproven' // searches listed under our tag, none proven ours when read (final)
  | 'CaClassicInvalidResume'; // a `resume` this adapter did not write (final)

export interface CaClassicErrorDetails {
  status?: number;
  retryable: boolean;
  operation: string;
  /** The failure envelope's `code`, when it is a number. */
  code?: number;
  /** The wait the provider asked for (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /**
   * The account refused the key (401) or the permission (403): retryable, so runs pause until an
   * operator rotates the key instead of failing every onboarding in flight.
   */
  credentials?: boolean;
}

export class CaClassicError extends Error {
  constructor(
    readonly kind: CaClassicErrorKind,
    message: string,
    readonly details: CaClassicErrorDetails,
  ) {
    super(message);
    this.name = 'CaClassicError';
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}
