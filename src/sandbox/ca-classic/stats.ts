/** What one webhook delivery ended as, for the counters. */
export type CaClassicDeliveryCount = 'attempted' | 'delivered' | 'failed' | 'dropped';

/** Counters for tests, drills and benchmarks (`GET /_sandbox/ca-classic/stats`). */
export class CaClassicStats {
  requests = 0;
  /** Answered 429 by the rate limit (`rate-limit` faults are counted under `faultsInjected`). */
  rateLimited = 0;
  /** API requests that sent `?api_key=` (the project's adapter never should). */
  queryKeyRequests = 0;
  lostResponses = 0;
  events = 0;
  private readonly byStatus = new Map<number, number>();
  readonly faultsInjected = new Map<string, number>();
  readonly deliveries: Record<CaClassicDeliveryCount, number> = {
    attempted: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
  };

  answered(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  faultInjected(kind: string): void {
    this.faultsInjected.set(kind, (this.faultsInjected.get(kind) ?? 0) + 1);
  }

  delivery(what: CaClassicDeliveryCount): void {
    this.deliveries[what] += 1;
  }

  clear(): void {
    this.requests = 0;
    this.rateLimited = 0;
    this.queryKeyRequests = 0;
    this.lostResponses = 0;
    this.events = 0;
    this.byStatus.clear();
    this.faultsInjected.clear();
    for (const key of Object.keys(this.deliveries) as CaClassicDeliveryCount[]) this.deliveries[key] = 0;
  }

  snapshot(held: { searches: number; monitored: number }): CaClassicStatsSnapshot {
    return {
      requests: this.requests,
      byStatus: Object.fromEntries([...this.byStatus].map(([s, n]) => [String(s), n])),
      rateLimited: this.rateLimited,
      queryKeyRequests: this.queryKeyRequests,
      lostResponses: this.lostResponses,
      ...held,
      events: this.events,
      deliveries: { ...this.deliveries },
      faultsInjected: Object.fromEntries(this.faultsInjected),
    };
  }
}

export interface CaClassicStatsSnapshot {
  /** API requests that arrived (control routes excluded). */
  requests: number;
  /** Answers by status, e.g. `{"200": 3, "401": 1}`; a lost response under the status computed. */
  byStatus: Record<string, number>;
  rateLimited: number;
  queryKeyRequests: number;
  lostResponses: number;
  /** Searches the sandbox holds now, and how many of them are monitored. */
  searches: number;
  monitored: number;
  /** Events raised (each goes to every configured URL). */
  events: number;
  deliveries: Record<CaClassicDeliveryCount, number>;
  faultsInjected: Record<string, number>;
}
