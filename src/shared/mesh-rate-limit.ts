/**
 * The provider budget arithmetic, in one place so the worker, the benchmarks and docs/workflow.md use
 * the same numbers. Mesh allows MESH_RATE_LIMIT_PER_MINUTE requests (default 300) per account
 * ("Rate Limit Management" in the onboarding guide), counted over any 60-second window.
 */

export interface MeshRateLimitPlan {
  /** The provider's limit for the whole account. */
  limitPerMinute: number;
  /** What the Mesh activity worker passes as `maxTaskQueueActivitiesPerSecond`. */
  activitiesPerSecond: number;
  /**
   * The most activities the server can hand out in any 60 s window: the steady rate plus every
   * partition's full burst bucket. Always ≤ limitPerMinute minus the headroom below.
   */
  worstCaseActivitiesPerMinute: number;
  /** Requests per minute left for calls that are not one-per-activity (token fetches, 308 redirects, duplicate recovery). */
  headroomPerMinute: number;
}

export interface MeshRateLimitOptions {
  /** Task queue partitions on the server (Temporal's default is 4); each has its own token bucket. */
  partitions?: number;
  /** Fraction of the nominal rate to use; the rest absorbs bursts and multi-request activities. */
  safety?: number;
}

/**
 * Temporal's matching service splits a task queue's rate limit over its partitions and gives each
 * partition a burst of ceil(rate / partitions) tasks, so after an idle period all partitions can
 * dispatch their bucket at once on top of the steady rate. The worst 60 s window therefore holds
 * `rate × 60 + partitions × ceil(rate / partitions)`; the plan lowers the rate until that, plus the
 * headroom, fits the provider's limit.
 */
export function meshRateLimitPlan(
  limitPerMinute: number,
  options: MeshRateLimitOptions = {},
): MeshRateLimitPlan {
  const partitions = options.partitions ?? 4;
  const safety = options.safety ?? 0.9;
  const budget = Math.floor(limitPerMinute * safety);
  let rate = budget / 60;
  const worstCase = (r: number) => r * 60 + partitions * Math.ceil(r / partitions);
  while (rate > 0.01 && worstCase(rate) > budget) rate = Math.floor((rate - 0.01) * 100) / 100;
  rate = Math.max(rate, 0.01);
  const worst = Math.ceil(worstCase(rate));
  return {
    limitPerMinute,
    activitiesPerSecond: rate,
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
