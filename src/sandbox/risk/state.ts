import { createHash } from 'node:crypto';
import type { RiskCheckBody } from './request-schema';

/**
 * What the sandbox holds: one customer per external identifier, its last full record (each check replaces
 * it, as the real API does: a field left out is blanked), its case, and the analyst's overrides; a request
 * log without personal data; counters.
 */

export interface RiskCase {
  caseId: string;
  /** Any string: `open`, `closed`, or a value the control route sets to prove open-set handling. */
  status: string;
}

export interface StoredRiskCustomer {
  externalId: string;
  customerId: string;
  /** The last accepted body, as sent (absent: only the control route has touched this customer). */
  record?: RiskCheckBody;
  case?: RiskCase;
  /** Set by the control route; wins over the name table. */
  riskLevelOverride?: string;
  riskPointsOverride?: number;
  /** Checks processed (200 or 202). */
  checks: number;
  createdAt: string;
  updatedAt: string;
  /** When the last processed check arrived: the 425 rule's clock. */
  lastCheckAtMs?: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Deterministic: the same external identifier gets the same ids, across resets and restarts. */
export const customerIdFor = (externalId: string) => `rc_${digest(`customer:${externalId}`)}`;
export const caseIdFor = (externalId: string) => `rcase_${digest(`case:${externalId}`)}`;

export class RiskStore {
  readonly customers = new Map<string, StoredRiskCustomer>();

  /** The customer for `externalId`, created on first use. */
  customer(externalId: string, now = new Date()): StoredRiskCustomer {
    let found = this.customers.get(externalId);
    if (found === undefined) {
      const at = now.toISOString();
      found = { externalId, customerId: customerIdFor(externalId), checks: 0, createdAt: at, updatedAt: at };
      this.customers.set(externalId, found);
    }
    return found;
  }

  clear(): void {
    this.customers.clear();
  }
}

/** One API request as `GET /_sandbox/risk/requests` lists it: no personal data beyond our identifier. */
export interface RiskRequestLogEntry {
  at: string;
  method: string;
  /** The path without the query. */
  path: string;
  externalId?: string;
  /** The status answered (or, for a lost response, the one that was computed and never arrived). */
  status: number;
  /** true: the answer was computed and the connection dropped instead. */
  lost?: boolean;
}

const LOG_LIMIT = 1_000;

export class RiskRequestLog {
  private entries: RiskRequestLogEntry[] = [];

  add(entry: RiskRequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
  }

  list(filter: { externalId?: string } = {}): RiskRequestLogEntry[] {
    return this.entries.filter((e) => filter.externalId === undefined || e.externalId === filter.externalId);
  }

  clear(): void {
    this.entries = [];
  }
}

export interface RiskStatsSnapshot {
  /** API requests that arrived (control routes excluded). */
  requests: number;
  /** Answers by status, e.g. `{"200": 3, "425": 1}`; lost responses under the status computed. */
  byStatus: Record<string, number>;
  /** Checks answered 425 (too early). */
  tooEarly: number;
  /** Checks answered 202 (accepted without a score). */
  accepted: number;
  lostResponses: number;
  faultsInjected: Record<string, number>;
  /** Customers the sandbox holds now. */
  customers: number;
}

export class RiskStats {
  requests = 0;
  tooEarly = 0;
  accepted = 0;
  lostResponses = 0;
  private readonly byStatus = new Map<number, number>();
  private readonly faults = new Map<string, number>();

  arrived(): void {
    this.requests += 1;
  }

  answered(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  faultInjected(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  clear(): void {
    this.requests = 0;
    this.tooEarly = 0;
    this.accepted = 0;
    this.lostResponses = 0;
    this.byStatus.clear();
    this.faults.clear();
  }

  snapshot(customers: number): RiskStatsSnapshot {
    return {
      requests: this.requests,
      byStatus: Object.fromEntries([...this.byStatus].map(([s, n]) => [String(s), n])),
      tooEarly: this.tooEarly,
      accepted: this.accepted,
      lostResponses: this.lostResponses,
      faultsInjected: Object.fromEntries(this.faults),
      customers,
    };
  }
}
