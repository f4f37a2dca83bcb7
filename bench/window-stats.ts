/**
 * Arithmetic over sorted millisecond timestamps, for the rate-limit benchmark: what the provider's
 * sliding 60-second window saw, how big the first burst was, and the rate once the burst was spent.
 */

/** The most timestamps inside any window `(t - windowMs, t]`, i.e. what a sliding-window limiter counts. */
export function maxInSlidingWindow(sortedMs: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sortedMs.length; end += 1) {
    while (sortedMs[start]! <= sortedMs[end]! - windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * The burst a token bucket must have had to allow these events at `ratePerSecond` from the first one
 * on: max over k of (k + 1 events so far − rate × time since the first). For a bucket that started full
 * this is its size (give or take the fraction of a token refilled meanwhile).
 */
export function impliedBurst(sortedMs: readonly number[], ratePerSecond: number): number {
  const first = sortedMs[0];
  if (first === undefined) return 0;
  let best = 0;
  sortedMs.forEach((t, k) => {
    best = Math.max(best, k + 1 - (ratePerSecond * (t - first)) / 1000);
  });
  return best;
}

/** Events per second in `[fromMs, toMs)`. */
export function rateBetween(sortedMs: readonly number[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const n = sortedMs.filter((t) => t >= fromMs && t < toMs).length;
  return n / ((toMs - fromMs) / 1000);
}

/** How many events fall in each `bucketMs` slice from `fromMs`, for a compact timeline. */
export function histogram(
  sortedMs: readonly number[],
  fromMs: number,
  bucketMs: number,
  buckets: number,
): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (const t of sortedMs) {
    const i = Math.floor((t - fromMs) / bucketMs);
    if (i >= 0 && i < buckets) counts[i]! += 1;
  }
  return counts;
}
