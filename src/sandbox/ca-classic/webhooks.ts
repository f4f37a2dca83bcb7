import type { FastifyBaseLogger } from 'fastify';
import type { CaClassicFaultRegistry } from './faults';
import type { CaClassicSettings } from './settings';
import type { CaClassicStats } from './stats';

/**
 * Webhooks as the classic reference documents them: configured in the web app's account settings (here the
 * `webhookUrls` option and `PUT /_sandbox/ca-classic/webhooks`, never the API), every event POSTed to every
 * configured URL as JSON `{event, data}`, unsigned, with no delivery id. Retries are not documented: each
 * event is sent once per URL, whatever the answer; no API handler waits for a delivery.
 */
export const CA_CLASSIC_EVENTS = [
  'match_status_updated',
  'search_status_updated',
  'monitored_search_updated',
] as const;
export type CaClassicEventName = (typeof CA_CLASSIC_EVENTS)[number];

/** `match_status_updated`: an entity's match status changed. */
export interface MatchStatusUpdatedData {
  search_id: number;
  /** The search's `client_ref`; null when it has none. */
  client_ref: string | null;
  entity_id: string;
  entity_match_status: string;
  /** The search's tags; `[]` when it has none (as the API writes an empty tag set). */
  tags: Record<string, string> | [];
}

/** `search_status_updated`: a search's case fields changed (through the API or the web app). */
export interface SearchStatusUpdatedData {
  changes: { before: Record<string, unknown>; after: Record<string, unknown> };
  ref: string;
  search_id: number;
  terms: { name: string; hits: number }[];
  filters: Record<string, unknown>;
}

/** `monitored_search_updated`: monitoring found new, updated or removed entities, or (un)suspended the search. */
export interface MonitoredSearchUpdatedData {
  search_id: number;
  updated: string[];
  new: string[];
  removed: string[];
  is_suspended: boolean;
}

export type CaClassicWebhookBody =
  | { event: 'match_status_updated'; data: MatchStatusUpdatedData }
  | { event: 'search_status_updated'; data: SearchStatusUpdatedData }
  | { event: 'monitored_search_updated'; data: MonitoredSearchUpdatedData };

/** An event as raised, with the URLs it went to (`GET /_sandbox/ca-classic/events`). */
export interface CaClassicEventLogEntry {
  id: number;
  event: CaClassicEventName;
  searchId: number;
  data: CaClassicWebhookBody['data'];
  urls: string[];
  at: string;
}

/** One delivery of one event to one URL (`GET /_sandbox/ca-classic/deliveries`). */
export interface CaClassicDeliveryLogEntry {
  eventId: number;
  event: CaClassicEventName;
  searchId: number;
  url: string;
  /** The receiver's answer; absent when there was none (network error, timeout) or the event was dropped. */
  status?: number;
  error?: string;
  /** `delivered` (2xx), `failed` (anything else: never retried), `dropped` (by a fault, never sent). */
  outcome: 'delivered' | 'failed' | 'dropped';
  at: string;
}

const MAX_LOG = 20_000;

export class CaClassicWebhooks {
  private urls: string[];
  private events: CaClassicEventLogEntry[] = [];
  private deliveries: CaClassicDeliveryLogEntry[] = [];
  private readonly controllers = new Set<AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private generation = 0;
  private sequence = 0;

  constructor(
    private readonly deps: {
      settings: () => CaClassicSettings;
      faults: CaClassicFaultRegistry;
      stats: CaClassicStats;
      log: FastifyBaseLogger;
      startUrls: readonly string[];
    },
  ) {
    this.urls = [...deps.startUrls];
  }

  configuredUrls(): string[] {
    return [...this.urls];
  }

  setUrls(urls: readonly string[]): void {
    this.urls = [...urls];
  }

  /** Sends the event to every configured URL once (after the current handler has answered). */
  raise(body: CaClassicWebhookBody): CaClassicEventLogEntry {
    this.sequence += 1;
    const entry: CaClassicEventLogEntry = {
      id: this.sequence,
      event: body.event,
      searchId: body.data.search_id,
      data: body.data,
      urls: [...this.urls],
      at: new Date().toISOString(),
    };
    this.push(this.events, entry);
    this.deps.stats.events += 1;
    const text = JSON.stringify(body);
    for (const url of entry.urls) {
      const dropped = this.deps.faults.take('drop-webhook', 'POST', url, body.event);
      if (dropped) {
        this.deps.stats.faultInjected('drop-webhook');
        this.deps.stats.delivery('dropped');
        this.record(entry, url, { outcome: 'dropped', error: `dropped by fault ${dropped.id}` });
        continue;
      }
      const generation = this.generation;
      const sending = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.send(entry, url, text, generation))
        .finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }
    return entry;
  }

  private async send(entry: CaClassicEventLogEntry, url: string, body: string, generation: number) {
    if (generation !== this.generation) return;
    const controller = new AbortController();
    this.controllers.add(controller);
    this.deps.stats.delivery('attempted');
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ComplyAdvantage-Classic-Sandbox/1' },
        body,
        signal: AbortSignal.any([
          controller.signal,
          AbortSignal.timeout(this.deps.settings().webhookTimeoutMs),
        ]),
        redirect: 'manual',
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = describeFetchError(err);
    } finally {
      this.controllers.delete(controller);
    }
    if (generation !== this.generation) return;
    const ok = status !== undefined && status >= 200 && status < 300;
    this.deps.stats.delivery(ok ? 'delivered' : 'failed');
    if (!ok) {
      this.deps.log.warn(
        { event: entry.event, searchId: entry.searchId, status, error },
        'ComplyAdvantage classic sandbox: webhook delivery failed (not retried)',
      );
    }
    this.record(entry, url, {
      outcome: ok ? 'delivered' : 'failed',
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
    });
  }

  private record(
    entry: CaClassicEventLogEntry,
    url: string,
    result: Pick<CaClassicDeliveryLogEntry, 'outcome' | 'status' | 'error'>,
  ): void {
    this.push(this.deliveries, {
      eventId: entry.id,
      event: entry.event,
      searchId: entry.searchId,
      url,
      ...result,
      at: new Date().toISOString(),
    });
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
  }

  eventLog(): readonly CaClassicEventLogEntry[] {
    return this.events;
  }

  deliveryLog(): readonly CaClassicDeliveryLogEntry[] {
    return this.deliveries;
  }

  /** Resolves once every delivery started so far has an outcome. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops deliveries in flight, forgets the logs and goes back to the start URLs. */
  clear(): void {
    this.generation += 1;
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
    this.events = [];
    this.deliveries = [];
    this.urls = [...this.deps.startUrls];
  }
}

function describeFetchError(err: unknown): string {
  // Not `instanceof Error`: fetch's DOMException may come from another realm (e.g. under jest).
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: string; message?: string } } | null;
  if (e?.name === 'TimeoutError') return 'timeout';
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message;
  return typeof detail === 'string' ? detail : String(err);
}
