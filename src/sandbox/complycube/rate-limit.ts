/**
 * ComplyCube's sandbox limit, 5 requests a second, as a sliding 1000 ms window with no burst: a
 * request is accepted when fewer than `limit` were accepted in the 1000 ms before it. The Mesh
 * sandbox's limiter counts a fixed 60 s window, hence this small one of its own.
 */
export const WINDOW_MS = 1_000;

/** Timestamps of the last second's events, oldest first: what both the limiter and the peak counter keep. */
class SecondWindow {
  private times: number[] = [];

  /** How many events remain in the window that ends at `now` (those later than now − 1000 ms). */
  countAt(now: number): number {
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= now - WINDOW_MS) drop += 1;
    if (drop > 0) this.times.splice(0, drop);
    return this.times.length;
  }

  push(now: number): void {
    this.times.push(now);
  }

  clear(): void {
    this.times = [];
  }
}

export class SlidingSecondLimiter {
  private readonly window = new SecondWindow();

  /** limit 0 = no limit: everything is accepted and nothing is remembered. */
  tryAcquire(limit: number, now = Date.now()): boolean {
    if (limit <= 0) return true;
    if (this.window.countAt(now) >= limit) return false;
    this.window.push(now);
    return true;
  }

  clear(): void {
    this.window.clear();
  }
}

/**
 * The most requests served in any 1000 ms window so far. The busiest window can always be slid to end
 * at a request, so counting the window that ends at each request as it is served finds it.
 */
export class PeakPerSecond {
  private readonly window = new SecondWindow();
  peak = 0;

  record(now = Date.now()): void {
    const inWindow = this.window.countAt(now) + 1;
    this.window.push(now);
    this.peak = Math.max(this.peak, inWindow);
  }

  clear(): void {
    this.window.clear();
    this.peak = 0;
  }
}

export const RATE_LIMIT_MESSAGE = 'Too many requests: the rate limit was exceeded';
