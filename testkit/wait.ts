/**
 * Waiting for a state, never for a guessed time: poll a check until it holds or a deadline passes, and
 * say what was waited for when it does not. Also the readiness probes of local services (a port, an
 * HTTP answer, a worker's pollers) and a small pool for many calls with a bounded number in flight.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { httpStatus, isPortOpen } from './net';

export { delay };

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between two checks (default 100 ms). */
  intervalMs?: number;
  /** What is waited for, named in the timeout error. */
  description?: string;
  /**
   * Ends the wait at once with the signal's reason: e.g. `ManagedProcess.unexpectedExit`, so a wait for a
   * worker's work fails the moment that worker dies instead of at the deadline.
   */
  signal?: AbortSignal;
  /**
   * true (default): an error thrown by the check counts as "not yet", and the last one is named if the
   * deadline passes. false: the first error ends the wait.
   */
  retryErrors?: boolean;
}

/**
 * Polls `check` until it returns something other than undefined, null or false (or, with `until`, a
 * value `until` accepts), and returns that. Use it instead of sleeping to wait for a state (e.g. poll a
 * query).
 */
export function waitFor<T>(
  check: () => T | Promise<T>,
  opts: WaitOptions & { until: (value: T) => boolean },
): Promise<T>;
export function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitOptions,
): Promise<T>;
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitOptions & { until?: (value: T) => boolean },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const what = opts.description ?? 'condition';
  const holds =
    opts.until ??
    ((value: T | undefined | null | false) => value !== undefined && value !== null && value !== false);
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await check();
      if (holds(value as T)) return value as T;
      lastError = undefined;
    } catch (err) {
      if (opts.retryErrors === false) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${cause}`);
    }
    try {
      await delay(opts.intervalMs ?? 100, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch (err) {
      // Aborted during the pause: the signal's reason, not the timer's AbortError.
      opts.signal?.throwIfAborted();
      throw err;
    }
  }
}

/** Waits until something accepts TCP connections on host:port. */
export async function waitForPort(
  host: string,
  port: number,
  opts: Omit<WaitOptions, 'description'>,
): Promise<void> {
  await waitFor(() => isPortOpen(host, port), { description: `${host}:${port}`, ...opts });
}

/** Waits for a 2xx answer to a GET (`okStatus` widens that, e.g. to "any HTTP answer at all"). */
export async function waitForHttp(
  url: string,
  opts: Omit<WaitOptions, 'description'> & { okStatus?: (status: number) => boolean },
): Promise<void> {
  const ok = opts.okStatus ?? ((status: number) => status >= 200 && status < 300);
  await waitFor(
    async () => {
      const status = await httpStatus(url);
      return status !== undefined && ok(status);
    },
    { description: url, ...opts },
  );
}

/** gRPC enum values of temporal.api.enums.v1.TaskQueueType. */
export const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

export interface PolledQueue {
  name: string;
  type: keyof typeof TASK_QUEUE_TYPE;
}

/** The identities of the pollers the server has seen on a task queue lately. */
export async function pollerIdentities(
  connection: Pick<Connection, 'workflowService'>,
  namespace: string,
  queue: PolledQueue,
): Promise<string[]> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue.name },
    taskQueueType: TASK_QUEUE_TYPE[queue.type],
  });
  return (pollers ?? []).map((p) => p.identity ?? '');
}

/**
 * Waits until every queue has a poller (whose identity starts with `identityPrefix`, when given, e.g.
 * `<pid>@` for one worker process): a worker is ready once it asks for work, which is after its workflow
 * bundle is built (seconds on a cold start).
 */
export async function waitForPollers(
  temporal:
    | { address: string; namespace: string }
    | { connection: Pick<Connection, 'workflowService'>; namespace: string },
  queues: readonly PolledQueue[],
  opts: Omit<WaitOptions, 'description'> & { identityPrefix?: string },
): Promise<void> {
  const owned =
    'address' in temporal
      ? await Connection.connect({ address: temporal.address, connectTimeout: opts.timeoutMs })
      : undefined;
  const connection = owned ?? (temporal as { connection: Pick<Connection, 'workflowService'> }).connection;
  try {
    await waitFor(
      async () => {
        for (const queue of queues) {
          const identities = await pollerIdentities(connection, temporal.namespace, queue);
          const prefix = opts.identityPrefix;
          if (!identities.some((identity) => prefix === undefined || identity.startsWith(prefix)))
            return false;
        }
        return true;
      },
      { description: `pollers on ${queues.map((q) => q.name).join(', ')}`, intervalMs: 250, ...opts },
    );
  } finally {
    await owned?.close();
  }
}

/** Runs `fn` over `items` with at most `size` calls in flight. */
export async function inPool<T>(
  items: readonly T[],
  size: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index]!, index);
      }
    }),
  );
}

/**
 * Rejects with the signal's reason as soon as `signal` aborts (e.g. `ManagedProcess.unexpectedExit`, or
 * several of them through `AbortSignal.any`); otherwise settles as `work` does. For a phase that is no
 * wait, e.g. a run's `result()`, which would otherwise hang when the worker running it dies.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
