export interface DeliveryDedupeOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * Remembers recently handled `webhook-id`s so a redelivery is answered without touching Temporal again.
 * Bounded in count (least recently used goes first) and in age. Only successes are remembered: a
 * delivery that failed (e.g. 503) must be processed afresh when the sender retries it. Concurrent copies
 * of one delivery share the first one's work. This is the fast path only; the workflows also drop
 * repeated webhook ids, which covers bridge restarts and several bridge replicas.
 */
export class DeliveryDedupe<T> {
  private readonly done = new Map<string, { result: T; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();
  private readonly now: () => number;

  constructor(private readonly options: DeliveryDedupeOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.done.size;
  }

  /** Runs `work` once per key (no key: always runs). `duplicate` is true when an earlier result was reused. */
  async run(key: string | undefined, work: () => Promise<T>): Promise<{ result: T; duplicate: boolean }> {
    if (key === undefined) return { result: await work(), duplicate: false };

    const remembered = this.done.get(key);
    if (remembered !== undefined) {
      if (remembered.expiresAt > this.now()) {
        // Re-insert to mark it most recently used.
        this.done.delete(key);
        this.done.set(key, remembered);
        return { result: remembered.result, duplicate: true };
      }
      this.done.delete(key);
    }

    const pending = this.inFlight.get(key);
    if (pending !== undefined) return { result: await pending, duplicate: true };

    const promise = work();
    this.inFlight.set(key, promise);
    try {
      const result = await promise;
      this.remember(key, result);
      return { result, duplicate: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, result: T): void {
    this.done.set(key, { result, expiresAt: this.now() + this.options.ttlMs });
    // Map iteration order is insertion order, so the first keys are the least recently used.
    for (const oldest of this.done.keys()) {
      if (this.done.size <= this.options.maxEntries) break;
      this.done.delete(oldest);
    }
  }
}
