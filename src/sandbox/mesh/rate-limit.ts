/**
 * The account rate limit: a sliding 60-second window over accepted requests (docs/providers/mesh.md,
 * "Errors and rate limits": default 300 requests a minute). Timestamps sit in a queue; a request is
 * accepted when fewer than `limit` were accepted in the last 60 s.
 */
export const WINDOW_MS = 60_000;

export interface RateLimitVerdict {
  accepted: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the oldest request in the window leaves it, i.e. until a slot frees. */
  resetSeconds: number;
}

export class SlidingWindowLimiter {
  private times: number[] = [];
  private head = 0;

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - WINDOW_MS) this.head += 1;
    // Compact now and then so the array does not grow with every request ever accepted.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  private get count(): number {
    return this.times.length - this.head;
  }

  private resetSeconds(now: number): number {
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
  }

  /** limit 0 = unlimited: everything is accepted and nothing is remembered. */
  tryAcquire(limit: number, now = Date.now()): RateLimitVerdict {
    if (limit <= 0) return { accepted: true, limit: 0, remaining: 0, resetSeconds: 0 };
    this.prune(now);
    if (this.count >= limit) {
      return { accepted: false, limit, remaining: 0, resetSeconds: this.resetSeconds(now) };
    }
    this.times.push(now);
    return { accepted: true, limit, remaining: limit - this.count, resetSeconds: this.resetSeconds(now) };
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

export function rateLimitHeaders(v: {
  limit: number;
  remaining: number;
  resetSeconds: number;
}): Record<string, string> {
  return {
    'Ratelimit-Limit': String(v.limit),
    'Ratelimit-Remaining': String(v.remaining),
    'Ratelimit-Reset': String(v.resetSeconds),
  };
}

export const RATE_LIMIT_BODY = { message: 'API rate limit exceeded' } as const;
