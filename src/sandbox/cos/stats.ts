/** What a delivery attempt ended as, for the counters. */
export type CosDeliveryCount = 'attempted' | 'delivered' | 'failed' | 'dropped';

/** Counters for tests, drills and benchmarks (`GET /_sandbox/cos/stats`). */
export class CosStats {
  requests = 0;
  tokensIssued = 0;
  replays = 0;
  /** Envelopes built (pings excluded), and those with no registration for their name (discarded). */
  events = 0;
  eventsUnrouted = 0;
  readonly faultsInjected = new Map<string, number>();
  readonly deliveries: Record<CosDeliveryCount, number> = {
    attempted: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
  };

  faultInjected(kind: string): void {
    this.faultsInjected.set(kind, (this.faultsInjected.get(kind) ?? 0) + 1);
  }

  delivery(what: CosDeliveryCount): void {
    this.deliveries[what] += 1;
  }

  clear(): void {
    this.requests = 0;
    this.tokensIssued = 0;
    this.replays = 0;
    this.events = 0;
    this.eventsUnrouted = 0;
    this.faultsInjected.clear();
    for (const key of Object.keys(this.deliveries) as CosDeliveryCount[]) this.deliveries[key] = 0;
  }

  snapshot(held: { customers: number; addresses: number; phones: number }): CosStatsSnapshot {
    return {
      requests: this.requests,
      tokensIssued: this.tokensIssued,
      replays: this.replays,
      ...held,
      events: this.events,
      eventsUnrouted: this.eventsUnrouted,
      deliveries: { ...this.deliveries },
      faultsInjected: Object.fromEntries(this.faultsInjected),
    };
  }
}

export interface CosStatsSnapshot {
  /** Requests that arrived at the API and token routes (control routes excluded). */
  requests: number;
  tokensIssued: number;
  /** Answers replayed for a repeated `idempotency-Key`. */
  replays: number;
  customers: number;
  addresses: number;
  phones: number;
  events: number;
  eventsUnrouted: number;
  deliveries: Record<CosDeliveryCount, number>;
  faultsInjected: Record<string, number>;
}
