import { LRUCache } from 'lru-cache';

export interface DeliveryDedupeOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * Remembers recently handled delivery keys (`webhook-id`s, or a legacy delivery's body hash) so a
 * redelivery is answered without touching Temporal again. Bounded in count (least recently used goes
 * first) and in age. Only successes are remembered: a delivery that failed (e.g. 503) must be processed
 * afresh when the sender retries it. Concurrent copies of one delivery share the first one's work. This
 * is the fast path only; the workflows also drop repeated keys, which covers bridge restarts and several
 * bridge replicas.
 *
 * lru-cache keeps eviction O(1): evicting from the front of a plain Map walks the deleted entries V8
 * keeps until it rehashes, which cost a tenth of the bridge's CPU once 10,000 ids were remembered
 * (bench/bridge-throughput.ts).
 */
export class DeliveryDedupe<T extends NonNullable<unknown>> {
  private readonly done: LRUCache<string, T>;
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(options: DeliveryDedupeOptions) {
    this.done = new LRUCache<string, T>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // A repeat refreshes recency (what is evicted first), not the time to live.
      updateAgeOnGet: false,
      // An injected clock (tests) jumps at will: read it every time instead of reusing a reading for 1 ms.
      ...(options.now !== undefined && { perf: { now: options.now }, ttlResolution: 0 }),
    });
  }

  get size(): number {
    return this.done.size;
  }

  /**
   * Runs `work` once per key (no key: always runs). `duplicate` is true when an earlier result was reused.
   * `ttlMs` replaces the configured time to live for this key's result.
   */
  async run(
    key: string | undefined,
    work: () => Promise<T>,
    options: { ttlMs?: number } = {},
  ): Promise<{ result: T; duplicate: boolean }> {
    if (key === undefined) return { result: await work(), duplicate: false };

    const remembered = this.done.get(key);
    if (remembered !== undefined) return { result: remembered, duplicate: true };

    const pending = this.inFlight.get(key);
    if (pending !== undefined) return { result: await pending, duplicate: true };

    const promise = work();
    this.inFlight.set(key, promise);
    try {
      const result = await promise;
      this.done.set(key, result, options.ttlMs !== undefined ? { ttl: options.ttlMs } : undefined);
      return { result, duplicate: false };
    } finally {
      this.inFlight.delete(key);
    }
  }
}
