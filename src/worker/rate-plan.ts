/**
 * The provider budget arithmetic, in one place so the worker, the benchmarks and docs/workflow.md use
 * the same numbers. Mesh allows MESH_RATE_LIMIT_PER_MINUTE requests (default 300) per account
 * (docs/providers/mesh.md, "Errors and rate limits"), counted over any 60-second window.
 */

export interface MeshRateLimitPlan {
  /** The provider's limit for the whole account. */
  limitPerMinute: number;
  /** What the Mesh activity worker passes as `maxTaskQueueActivitiesPerSecond`. */
  activitiesPerSecond: number;
  /** Task queue partitions the plan assumes (each gets `activitiesPerSecond / partitions`). */
  partitions: number;
  /**
   * Tasks one partition may hand out at once: its token bucket `max(1, ceil(rate / partitions))` plus
   * the one task that already passed the server's default limiter (measured, see burstPerPartition()).
   */
  burstPerPartition: number;
  /** Every partition's full bucket together: the most activities that can start at the same instant. */
  burst: number;
  /**
   * The most activities the server can hand out in any 60 s window: the steady rate plus every
   * partition's full burst bucket. Always ≤ limitPerMinute minus the headroom below.
   */
  worstCaseActivitiesPerMinute: number;
  /** Requests per minute left for calls that are not one-per-activity (token fetches, 308 redirects, duplicate recovery). */
  headroomPerMinute: number;
}

/**
 * Requests per minute the plan keeps free by default for calls that are not one per activity: a token
 * fetch per worker process (fetched before it polls, src/worker/main.ts), 308 redirects, duplicate recovery.
 * The provider-budget benchmark asks a 1,000-onboarding burst at 300/min to drain within 211 s (≥ 95 %
 * of the budget), which leaves room for about 3; measured (docs/workflow.md): 4.85/s with one partition,
 * busiest window 297, 0 × 429, drained in 209.9 s. Run many worker processes, or bulk multi-request
 * activities, and raise it.
 */
export const DEFAULT_RESERVED_PER_MINUTE = 3;

export interface MeshRateLimitOptions {
  /** Task queue partitions on the server (Temporal's default is 4, the dev server's too); each has its own token bucket. */
  partitions?: number;
  /** Requests per minute not given to activities (default DEFAULT_RESERVED_PER_MINUTE). */
  reservedPerMinute?: number;
}

/** Temporal's matching service: a partition's token bucket holds `ceil(its rate)` tasks, at least 1. */
export function bucketPerPartition(activitiesPerSecond: number, partitions: number): number {
  return Math.max(1, Math.ceil(activitiesPerSecond / partitions));
}

/**
 * The most tasks one partition dispatches at the same instant. Measured on the dev server (Temporal
 * 1.29, docs/workflow.md): when tasks wait in a partition before any worker has polled it (the Mesh
 * workers were down, or started after a burst was queued), one task per partition has already passed
 * the partition's default (unlimited) limiter, and then the full bucket follows: bucket + 1.
 */
export function burstPerPartition(activitiesPerSecond: number, partitions: number): number {
  return bucketPerPartition(activitiesPerSecond, partitions) + 1;
}

/** The most activities the server dispatches in any 60 s window at this rate (token-bucket bound). */
export function worstCaseActivitiesPerMinute(activitiesPerSecond: number, partitions: number): number {
  return activitiesPerSecond * 60 + partitions * burstPerPartition(activitiesPerSecond, partitions);
}

/**
 * Temporal's matching service splits a task queue's rate limit over its partitions (rate / partitions
 * each) and gives each partition a token bucket of max(1, ceil(rate / partitions)) tasks, so after an
 * idle period all partitions can dispatch their bucket at once on top of the steady rate, plus one task
 * each that was waiting before the rate reached the partition. The worst 60 s window therefore holds
 * `rate × 60 + partitions × (ceil(rate / partitions) + 1)`; the plan picks the highest rate (in
 * hundredths) for which that fits `limit − reservedPerMinute`, the reserve being for requests that are
 * not one per activity. bench/mesh-rate-limit.ts measured every term on a real dev server (docs/workflow.md).
 */
export function meshRateLimitPlan(
  limitPerMinute: number,
  options: MeshRateLimitOptions = {},
): MeshRateLimitPlan {
  const partitions = options.partitions ?? 4;
  const reserved = options.reservedPerMinute ?? DEFAULT_RESERVED_PER_MINUTE;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number ≥ 1, got ${partitions}`);
  }
  if (!Number.isInteger(reserved) || reserved < 0) {
    throw new RangeError(`reservedPerMinute must be a whole number ≥ 0, got ${reserved}`);
  }
  // An account too small for the reserve still gets the slowest rate (0.01/s) rather than none.
  const budget = Math.max(limitPerMinute - reserved, 0);
  // Whole hundredths, so the rate a person reads in the logs is exactly the one the server gets.
  let hundredths = Math.floor((budget / 60) * 100);
  while (hundredths > 1 && worstCaseActivitiesPerMinute(hundredths / 100, partitions) > budget)
    hundredths -= 1;
  const rate = Math.max(hundredths, 1) / 100;
  const perPartition = burstPerPartition(rate, partitions);
  const worst = Math.ceil(worstCaseActivitiesPerMinute(rate, partitions));
  return {
    limitPerMinute,
    activitiesPerSecond: rate,
    partitions,
    burstPerPartition: perPartition,
    burst: partitions * perPartition,
    worstCaseActivitiesPerMinute: worst,
    headroomPerMinute: limitPerMinute - worst,
  };
}

/**
 * The review poll interval that keeps `waitingCustomers` case checks (one Mesh call each) at no more
 * than `budgetShare` of the provider limit. Jitter in the workflow only lengthens intervals, so this is
 * also the shortest gap between two checks of one customer.
 */
export function reviewPollIntervalMsFor(
  waitingCustomers: number,
  limitPerMinute: number,
  budgetShare = 0.1,
): number {
  const callsPerMinute = limitPerMinute * budgetShare;
  return Math.ceil((waitingCustomers / callsPerMinute) * 60_000);
}

/** Case-check calls per minute that `waitingCustomers` cause at a given (shortest) interval. */
export function reviewPollCallsPerMinute(waitingCustomers: number, intervalMs: number): number {
  return waitingCustomers / (intervalMs / 60_000);
}

export interface PerSecondRateLimitPlan {
  /** The provider's limit for the whole account, per second (ComplyCube: 5 in the sandbox, 10 live). */
  limitPerSecond: number;
  /** What the activity worker passes as `maxTaskQueueActivitiesPerSecond`. */
  activitiesPerSecond: number;
  partitions: number;
  /** The most activities the server can hand out in any 1-second window at this rate. */
  worstCaseActivitiesPerSecond: number;
  /** False when no rate keeps the worst second under the limit (too many partitions for the limit). */
  fits: boolean;
}

/**
 * A provider that counts requests per second with no burst allowance (ComplyCube) sees the token
 * buckets whole: after an idle moment, every partition's bucket (plus the task already waiting in it)
 * can go out in the same second as the steady rate. The worst 1-second window is therefore
 * `rate + partitions × (ceil(rate / partitions) + 1)` — the same bound as the per-minute plan, over one
 * second. With one partition a limit of 5 allows 2 activities per second (2 + 3 = 5); with Temporal's
 * default 4 partitions no rate fits 5, so the provider's queue needs one partition (docs/providers/complycube.md).
 */
export function perSecondRateLimitPlan(
  limitPerSecond: number,
  options: { partitions?: number; reservedPerSecond?: number } = {},
): PerSecondRateLimitPlan {
  const partitions = options.partitions ?? 1;
  const reserved = options.reservedPerSecond ?? 0;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number ≥ 1, got ${partitions}`);
  }
  const budget = Math.max(limitPerSecond - reserved, 0);
  const worst = (rate: number) => rate + partitions * burstPerPartition(rate, partitions);
  let hundredths = Math.floor(budget * 100);
  while (hundredths > 1 && worst(hundredths / 100) > budget) hundredths -= 1;
  const rate = Math.max(hundredths, 1) / 100;
  return {
    limitPerSecond,
    activitiesPerSecond: rate,
    partitions,
    worstCaseActivitiesPerSecond: worst(rate),
    fits: worst(rate) <= budget,
  };
}
