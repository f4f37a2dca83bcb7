/**
 * The ComplyAdvantage classic sandbox's control routes (docs/providers/ca-classic-sandbox.md, "Control
 * routes"), typed: what a test, demo or drill does to the sandbox that the classic API cannot: play the
 * analyst in the web app, run a monitoring change, set the webhook URLs of the account settings page,
 * inject faults, change settings, find a client's searches, and read the events, deliveries, requests and
 * whitelist. Bodies are the ones the sandbox validates, so a misspelt knob fails to compile instead of
 * answering 400. Every call throws on a non-2xx answer.
 */
import type {
  CaClassicDecisionBody,
  CaClassicDeliveryLogEntry,
  CaClassicEventLogEntry,
  CaClassicEventName,
  CaClassicFaultBody,
  CaClassicFaultView,
  CaClassicRequestLogEntry,
  CaClassicSandboxSearchSummary,
  CaClassicSettings,
  CaClassicSettingsPatchBody,
  CaClassicStatsSnapshot,
  MonitorChangeBody,
  MonitoredSearchUpdatedData,
} from '../src/sandbox/ca-classic';
import { queryOf, SandboxControlBase } from './sandbox-http';

/** A search as the control routes answer it: its details, with `client_ref` (null: none) and its monitoring. */
export interface CaClassicSandboxSearch {
  id: number;
  ref: string;
  client_ref: string | null;
  search_term: string;
  match_status: string;
  risk_level: string;
  total_hits: number;
  tags: Record<string, string> | [];
  is_monitored: boolean;
  is_suspended: boolean;
  hits: {
    doc: { id: string; name: string; types: string[] } & Record<string, unknown>;
    match_types: string[];
    score: number;
    is_whitelisted: boolean;
    match_status?: string;
    risk_level?: string;
  }[];
  [field: string]: unknown;
}

export class CaClassicSandboxControl extends SandboxControlBase<
  CaClassicSettings,
  CaClassicSettingsPatchBody,
  CaClassicFaultBody,
  CaClassicFaultView,
  CaClassicStatsSnapshot
> {
  /**
   * `url`: the sandbox's URL (`sandbox.url`). `reset()` forgets searches, the whitelist, faults, events,
   * deliveries, requests and counters; the webhook URLs and settings go back to the start ones; search ids
   * keep growing. `clearFaults()` ends every fault, `down` included.
   */
  constructor(url: string, timeoutMs = 10_000) {
    super(url, '/_sandbox/ca-classic', timeoutMs);
  }

  /**
   * The analyst decides the search in the web app: `match_status` (any of the 7) and optionally
   * `risk_level`; sends `search_status_updated` when something changed, and for an entity-level status
   * also sets every hit, sending `match_status_updated` per changed hit (first). Answers the search and the
   * events sent, in order.
   */
  decide(
    searchId: number,
    decision: CaClassicDecisionBody,
  ): Promise<{ search: CaClassicSandboxSearch; events: CaClassicEventName[] }> {
    return this.request('POST', `/searches/${searchId}/decision`, decision);
  }

  /**
   * A monitoring run found `new` entities, changed the first `updated` hits and removed the last `removed`
   * ones, and/or (un)suspended the search: sends `monitored_search_updated`. 409 when the search is not
   * monitored.
   */
  monitorChange(
    searchId: number,
    change: MonitorChangeBody,
  ): Promise<{ search: CaClassicSandboxSearch; event: MonitoredSearchUpdatedData }> {
    return this.request('POST', `/searches/${searchId}/monitor-change`, change);
  }

  /** Every search, oldest first, or those of one `client_ref` (which the API's list cannot filter by). */
  searchesOf(clientRef?: string): Promise<CaClassicSandboxSearchSummary[]> {
    return this.request('GET', `/searches${queryOf({ client_ref: clientRef })}`);
  }

  search(searchId: number): Promise<CaClassicSandboxSearch> {
    return this.request('GET', `/searches/${searchId}`);
  }

  /** The account settings page: every event goes to every one of these URLs from now on. */
  async setWebhookUrls(urls: string[]): Promise<string[]> {
    return (await this.request<{ urls: string[] }>('PUT', '/webhooks', { urls })).urls;
  }

  async webhookUrls(): Promise<string[]> {
    return (await this.request<{ urls: string[] }>('GET', '/webhooks')).urls;
  }

  /** For each `client_ref`, the entity ids it has whitelisted (marked false positive, unchanged since). */
  whitelist(): Promise<Record<string, string[]>> {
    return this.request('GET', '/whitelist');
  }

  /** Every event raised so far, oldest first, with its data and the URLs it went to. */
  events(filter: { event?: CaClassicEventName; searchId?: number } = {}): Promise<CaClassicEventLogEntry[]> {
    return this.request(
      'GET',
      `/events${queryOf({ event: filter.event, searchId: filter.searchId?.toString() })}`,
    );
  }

  /**
   * Every delivery so far (one per event and URL, never retried), oldest first. `settled: true` waits for
   * the deliveries already started to have an outcome first.
   */
  deliveries(
    filter: { event?: CaClassicEventName; searchId?: number; url?: string; settled?: boolean } = {},
  ): Promise<CaClassicDeliveryLogEntry[]> {
    return this.request(
      'GET',
      `/deliveries${queryOf({
        event: filter.event,
        searchId: filter.searchId?.toString(),
        url: filter.url,
        settled: filter.settled === undefined ? undefined : String(filter.settled),
      })}`,
    );
  }

  /**
   * Every API request so far, oldest first (`path` filters by prefix; `queryKey: true` only those that
   * sent `?api_key=`).
   */
  requests(
    filter: { method?: string; path?: string; queryKey?: boolean } = {},
  ): Promise<CaClassicRequestLogEntry[]> {
    return this.request(
      'GET',
      `/requests${queryOf({
        method: filter.method,
        path: filter.path,
        queryKey: filter.queryKey === undefined ? undefined : String(filter.queryKey),
      })}`,
    );
  }
}
