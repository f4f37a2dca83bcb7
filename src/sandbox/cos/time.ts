/**
 * COS writes local times with an offset (`2021-01-25T17:55:24.4422582-05:00`): seven fractional digits on
 * records, three on events. The sandbox always uses -05:00 (no daylight saving) and fills the four digits
 * below the millisecond from a counter, so two stamps of the same millisecond still differ and sort.
 */
const OFFSET_MS = 5 * 60 * 60 * 1000;
let tick = 0;

function local(date: Date): { seconds: string; millis: string } {
  const iso = new Date(date.getTime() - OFFSET_MS).toISOString();
  return { seconds: iso.slice(0, 19), millis: iso.slice(20, 23) };
}

/** A record timestamp: seven fractional digits. */
export function recordTimestamp(date = new Date()): string {
  const { seconds, millis } = local(date);
  tick = (tick + 1) % 10_000;
  return `${seconds}.${millis}${String(tick).padStart(4, '0')}-05:00`;
}

/** An event timestamp: three fractional digits. */
export function eventTimestamp(date = new Date()): string {
  const { seconds, millis } = local(date);
  return `${seconds}.${millis}-05:00`;
}

/** Timers that can be cancelled one at a time (a customer's pending review) or all at once (reset, close). */
export class Timers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
