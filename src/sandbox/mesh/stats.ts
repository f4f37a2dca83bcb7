import { WINDOW_MS } from './rate-limit';

/**
 * Request counters for benchmarks: per-second counts of requests the account limit accepted, so a
 * benchmark can show that no 60-second window went over the limit.
 */
export class SandboxStats {
  requests = 0;
  rateLimited429 = 0;
  readonly byRoute = new Map<string, number>();
  readonly byStatus = new Map<number, number>();
  readonly faultsInjected = new Map<string, number>();
  /** epoch second -> accepted requests */
  readonly perSecond = new Map<number, number>();
  /** epoch second -> every request that reached a Mesh route, accepted or not */
  readonly attemptedPerSecond = new Map<number, number>();

  private static bump<K>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  arrived(route: string, now = Date.now()): void {
    this.requests += 1;
    SandboxStats.bump(this.byRoute, route);
    SandboxStats.bump(this.attemptedPerSecond, Math.floor(now / 1000));
  }

  accepted(now = Date.now()): void {
    SandboxStats.bump(this.perSecond, Math.floor(now / 1000));
  }

  answered(status: number): void {
    SandboxStats.bump(this.byStatus, status);
  }

  faultInjected(kind: string): void {
    SandboxStats.bump(this.faultsInjected, kind);
  }

  clear(): void {
    this.requests = 0;
    this.rateLimited429 = 0;
    this.byRoute.clear();
    this.byStatus.clear();
    this.faultsInjected.clear();
    this.perSecond.clear();
    this.attemptedPerSecond.clear();
  }

  snapshot(): Record<string, unknown> {
    const windowSeconds = WINDOW_MS / 1000;
    return {
      requests: this.requests,
      byRoute: Object.fromEntries(this.byRoute),
      byStatus: Object.fromEntries(this.byStatus),
      rateLimited429: this.rateLimited429,
      faultsInjected: Object.fromEntries(this.faultsInjected),
      perSecond: sortedPairs(this.perSecond),
      maxInAnySixtySecondWindow: maxInWindow(this.perSecond, windowSeconds),
      attemptedPerSecond: sortedPairs(this.attemptedPerSecond),
      maxAttemptedInAnySixtySecondWindow: maxInWindow(this.attemptedPerSecond, windowSeconds),
    };
  }
}

function sortedPairs(map: Map<number, number>): [number, number][] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

/** The largest sum over any run of `windowSeconds` consecutive seconds. */
export function maxInWindow(perSecond: Map<number, number>, windowSeconds: number): number {
  const pairs = sortedPairs(perSecond);
  let best = 0;
  let sum = 0;
  let start = 0;
  for (const [second, count] of pairs) {
    sum += count;
    while (pairs[start]![0] <= second - windowSeconds) {
      sum -= pairs[start]![1];
      start += 1;
    }
    best = Math.max(best, sum);
  }
  return best;
}
