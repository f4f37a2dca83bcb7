import { randomBytes } from 'node:crypto';
import type { EntityDoc } from './entities';

/** What the sandbox holds, all in memory; reset empties it (search ids keep growing, see `nextSearchId`). */

/** A search's `match_status`, as `PATCH /searches/{id}` sets it (7 values). */
export const SEARCH_MATCH_STATUSES = [
  'unknown',
  'no_match',
  'potential_match',
  'false_positive',
  'true_positive',
  'true_positive_approve',
  'true_positive_reject',
] as const;
export type SearchMatchStatus = (typeof SEARCH_MATCH_STATUSES)[number];

/** An entity's `match_status` (and the `GET /searches` filter's, and `match_status_updated`'s): 5 values. */
export const ENTITY_MATCH_STATUSES = [
  'no_match',
  'false_positive',
  'potential_match',
  'true_positive',
  'unknown',
] as const;
export type EntityMatchStatus = (typeof ENTITY_MATCH_STATUSES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'unknown'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export function isEntityMatchStatus(value: string): value is EntityMatchStatus {
  return (ENTITY_MATCH_STATUSES as readonly string[]).includes(value);
}

export interface HitRecord {
  doc: EntityDoc;
  matchTypes: string[];
  score: number;
  isWhitelisted: boolean;
  /** Set by `PATCH /searches/{id}/entities` (or an analyst's decision); rendered only once set. */
  matchStatus?: EntityMatchStatus;
  riskLevel?: RiskLevel;
}

export interface MonitorRecord {
  monitoredBy: number;
  createdAt: string;
  updatedAt: string;
}

/** One line of `GET /searches/{id}/monitors/differences`, kept with the day it happened. */
export interface DifferenceRecord {
  date: string;
  action: 'added' | 'removed' | 'updated';
  name: string;
  entity_id: string;
  listing_types?: string[];
  sources?: string[];
  changes?: {
    listing_types: { removed: string[]; added: string[] };
    sources: { removed: string[]; added: string[] };
  };
}

export interface SearchRecord {
  id: number;
  ref: string;
  searcherId: number;
  assigneeId: number;
  searchProfile?: { name: string; slug: string };
  /** Echoed as the search's `filters` (with `exact_match` and `fuzziness`). */
  filters: Record<string, unknown>;
  matchStatus: SearchMatchStatus;
  riskLevel: RiskLevel;
  /** The term as searched: a string term trimmed, an object's parts joined by single spaces. */
  searchTerm: string;
  /** The term as sent (an object's parts joined as they came). */
  submittedTerm: string;
  /** How the term came: the sandbox matches companies only on a string term. */
  termKind: 'string' | 'object';
  clientRef?: string;
  /** The total before `offset` and `limit` (whitelisted hits included). */
  totalHits: number;
  limit: number;
  offset: number;
  tags: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** When it was created, for date filters and sorting. */
  createdMs: number;
  updatedMs: number;
  shareKey: string;
  hits: HitRecord[];
  isMonitored: boolean;
  monitor?: MonitorRecord;
  isSuspended: boolean;
  differences: DifferenceRecord[];
}

/** One API request as `GET /_sandbox/ca-classic/requests` lists it (never bodies, never the key). */
export interface CaClassicRequestLogEntry {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query's parameter names (not values), `api_key` included when it was sent. */
  queryParameters: string[];
  /** How the key came: `header` (`Authorization: Token`), `query` (`?api_key=`), `both`, or `none`. */
  auth: 'header' | 'query' | 'both' | 'none';
  /** true when `?api_key=` was in the URL at all (the adapter must never send it). */
  queryKey: boolean;
  status: number;
  /** The answer was computed, and the connection dropped instead (`lost-response` fault). */
  lost: boolean;
  at: string;
}

const MAX_LOG = 20_000;

/** First search id; ids keep growing across resets, so an id from before a reset never names a new search. */
export const FIRST_SEARCH_ID = 1001;

export class CaClassicStore {
  readonly searches = new Map<number, SearchRecord>();
  /** `client_ref` → the entity ids marked false positive for that client (and not changed since). */
  readonly whitelist = new Map<string, Set<string>>();
  readonly requests: CaClassicRequestLogEntry[] = [];
  private lastSearchId: number;

  constructor(firstSearchId = FIRST_SEARCH_ID) {
    this.lastSearchId = firstSearchId - 1;
  }

  nextSearchId(): number {
    this.lastSearchId += 1;
    return this.lastSearchId;
  }

  whitelisted(clientRef: string | undefined, entityId: string): boolean {
    return clientRef !== undefined && (this.whitelist.get(clientRef)?.has(entityId) ?? false);
  }

  setWhitelisted(clientRef: string, entityId: string, on: boolean): void {
    let ids = this.whitelist.get(clientRef);
    if (on) {
      if (!ids) this.whitelist.set(clientRef, (ids = new Set()));
      ids.add(entityId);
    } else if (ids) {
      ids.delete(entityId);
      if (ids.size === 0) this.whitelist.delete(clientRef);
    }
  }

  logRequest(entry: CaClassicRequestLogEntry): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOG) this.requests.splice(0, this.requests.length - MAX_LOG);
  }

  clear(): void {
    this.searches.clear();
    this.whitelist.clear();
    this.requests.length = 0;
  }
}

/** `YYYY-MM-DD HH:MM:SS`, UTC, no zone: how the reference writes search times. */
export function searchTimestamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY-MM-DD`, UTC. */
export function dayOf(date = new Date()): string {
  return date.toISOString().slice(0, 10);
}

/** `text` is a real calendar day written `yyyy-mm-dd`. */
export function isDay(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && dayOf(date) === text;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** A search `ref` like the reference's `1495711341-Tu51KL9s`: seconds, then 8 letters and digits. */
export function newSearchRef(now = Date.now()): string {
  return `${Math.floor(now / 1000)}-${randomText(ALNUM, 8)}`;
}

/** A 15-character entity id like `KCVZXTP179KK5KY`, for entities that monitoring adds. */
export function newEntityId(): string {
  return randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 15);
}

/** The key at the end of a share URL (`…/public/search/<ref>/64a6114f299b`). */
export function newShareKey(): string {
  return randomBytes(6).toString('hex');
}
