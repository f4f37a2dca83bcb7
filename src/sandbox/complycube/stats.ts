import { PeakPerSecond } from './rate-limit';

/** What a delivery attempt ended as, for the counters (see webhook-delivery.ts). */
export type DeliveryCount = 'attempted' | 'delivered' | 'failed' | 'dropped';

/**
 * Counters for tests and benchmarks (`GET /_sandbox/complycube/stats`): every API request, the 429s, the
 * busiest second of served requests (to prove a client stayed under the limit) and webhook deliveries.
 */
export class ComplyCubeStats {
  requests = 0;
  rateLimited = 0;
  private readonly peak = new PeakPerSecond();
  readonly faultsInjected = new Map<string, number>();
  readonly webhookDeliveries: Record<DeliveryCount, number> = {
    attempted: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
  };

  arrived(): void {
    this.requests += 1;
  }

  /** A request passed authentication and the rate limit: it counts against the limit. */
  served(now = Date.now()): void {
    this.peak.record(now);
  }

  faultInjected(kind: string): void {
    this.faultsInjected.set(kind, (this.faultsInjected.get(kind) ?? 0) + 1);
  }

  delivery(what: DeliveryCount): void {
    this.webhookDeliveries[what] += 1;
  }

  clear(): void {
    this.requests = 0;
    this.rateLimited = 0;
    this.peak.clear();
    this.faultsInjected.clear();
    for (const key of Object.keys(this.webhookDeliveries) as DeliveryCount[]) this.webhookDeliveries[key] = 0;
  }

  snapshot(held: { clients: number; checks: number }): ComplyCubeStatsSnapshot {
    return {
      requests: this.requests,
      rateLimited: this.rateLimited,
      maxRequestsInAnySecond: this.peak.peak,
      clients: held.clients,
      checks: held.checks,
      webhookDeliveries: { ...this.webhookDeliveries },
      faultsInjected: Object.fromEntries(this.faultsInjected),
    };
  }
}

export interface ComplyCubeStatsSnapshot {
  /** API requests that arrived (control routes excluded). */
  requests: number;
  /** Answered 429, by the limit or by a `rate-limit` fault. */
  rateLimited: number;
  /** The most requests that passed the limit in any sliding 1000 ms window. */
  maxRequestsInAnySecond: number;
  /** Clients and checks the sandbox holds now. */
  clients: number;
  checks: number;
  /** Delivery attempts, those answered 2xx, those that were not, and events dropped by a fault. */
  webhookDeliveries: Record<DeliveryCount, number>;
  faultsInjected: Record<string, number>;
}
