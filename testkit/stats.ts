/** Statistics for benchmark figures: nearest-rank percentiles, a latency distribution, rounding. */

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of samples sorted ascending; NaN when there are none. */
function ranked(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Nearest-rank percentile of unsorted samples (sorts a copy); NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  return ranked(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50, p95, p99 and max, to two decimals. */
export function distribution(samples: readonly number[]): Distribution {
  const sorted = Array.from(Float64Array.from(samples).sort());
  return {
    count: sorted.length,
    p50: round(ranked(sorted, 50), 2),
    p95: round(ranked(sorted, 95), 2),
    p99: round(ranked(sorted, 99), 2),
    max: round(ranked(sorted, 100), 2),
  };
}
