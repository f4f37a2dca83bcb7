/** The sandbox's in-memory state: plain records in Maps, rendered by the route modules. */

export type ClientType = 'person' | 'company';

export interface PersonDetails {
  firstName: string;
  middleName?: string;
  lastName: string;
  dob?: string;
  gender?: string;
  nationality?: string;
  birthCountry?: string;
  ssn?: string;
  socialInsuranceNumber?: string;
  nationalIdentityNumber?: string;
  taxIdentificationNumber?: string;
}

export interface CompanyDetails {
  name: string;
  website?: string;
  registrationNumber?: string;
  incorporationCountry?: string;
  incorporationType?: string;
}

export interface ClientRecord {
  id: string;
  type: ClientType;
  email?: string;
  mobile?: string;
  telephone?: string;
  joinedDate?: string;
  externalId?: string;
  personDetails?: PersonDetails;
  companyDetails?: CompanyDetails;
  metadata?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Creation order, the tie-breaker of "newest first" when two share a millisecond. */
  seq: number;
}

export type CheckStatus = 'pending' | 'complete' | 'failed';
export type MatchStatus = 'attention' | 'confirmed' | 'rejected';
export type SummaryValue = 'clear' | 'attention' | 'not_processed';
export type Summary = Record<string, Record<string, SummaryValue>>;

export interface MatchRecord {
  id: string;
  score: number;
  status: MatchStatus;
  details: Record<string, unknown>;
  breakdown: Record<string, unknown>[];
  /** The last validation's comment (kept, not rendered: ComplyCube does not document where it shows). */
  comment?: string;
}

export interface CheckResult {
  outcome: string;
  breakdown?: { summary: Summary; matches: MatchRecord[] };
}

export interface CheckRecord {
  id: string;
  clientId: string;
  entityName: string;
  type: string;
  status: CheckStatus;
  enableMonitoring: boolean;
  options?: Record<string, unknown>;
  result?: CheckResult;
  createdAt: string;
  updatedAt: string;
  seq: number;
}

export interface WebhookRecord {
  id: string;
  url: string;
  enabled: boolean;
  events: string[];
  description?: string;
  secret: string;
  createdAt: string;
  updatedAt: string;
  seq: number;
}

export class ComplyCubeStore {
  readonly clients = new Map<string, ClientRecord>();
  readonly checks = new Map<string, CheckRecord>();
  readonly webhooks = new Map<string, WebhookRecord>();
  private sequence = 0;

  nextSeq(): number {
    this.sequence += 1;
    return this.sequence;
  }

  clear(): void {
    this.clients.clear();
    this.checks.clear();
    this.webhooks.clear();
  }
}

export const nowIso = (): string => new Date().toISOString();

/** Newest first, as every ComplyCube list is ordered. */
export function newestFirst<T extends { createdAt: string; seq: number }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.seq - a.seq);
}
