/** Readiness probes for local services: poll with a deadline, never sleep a guessed amount. */
import { get } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting early, e.g. when the process being waited for has exited. */
  signal?: AbortSignal;
}

/** True once something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The HTTP status of a GET, or undefined if nothing answers. */
export function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

async function poll(what: string, check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`${what} not ready after ${opts.timeoutMs} ms`);
    await delay(opts.intervalMs ?? 100, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

export function waitForPort(host: string, port: number, opts: WaitOptions): Promise<void> {
  return poll(`${host}:${port}`, () => isPortOpen(host, port), opts);
}

/** Waits for a 2xx answer (`okStatus` widens that, e.g. to "any HTTP answer at all"). */
export function waitForHttp(
  url: string,
  opts: WaitOptions & { okStatus?: (status: number) => boolean },
): Promise<void> {
  const ok = opts.okStatus ?? ((status: number) => status >= 200 && status < 300);
  return poll(
    url,
    async () => {
      const status = await httpStatus(url);
      return status !== undefined && ok(status);
    },
    opts,
  );
}

/** gRPC enum values of temporal.api.enums.v1.TaskQueueType (@temporalio/proto is only a transitive dependency). */
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

export interface PolledQueue {
  name: string;
  type: keyof typeof TASK_QUEUE_TYPE;
}

/**
 * Waits until every queue has at least one poller: a worker is "ready" once it asks for work, which
 * is after its workflow bundle is built (seconds on a cold start).
 */
export async function waitForPollers(
  temporal: { address: string; namespace: string },
  queues: readonly PolledQueue[],
  opts: WaitOptions,
): Promise<void> {
  const connection = await Connection.connect({ address: temporal.address, connectTimeout: opts.timeoutMs });
  try {
    await poll(
      `pollers on ${queues.map((q) => q.name).join(', ')}`,
      async () => {
        for (const queue of queues) {
          const { pollers } = await connection.workflowService.describeTaskQueue({
            namespace: temporal.namespace,
            taskQueue: { name: queue.name },
            taskQueueType: TASK_QUEUE_TYPE[queue.type],
          });
          if (pollers === null || pollers === undefined || pollers.length === 0) return false;
        }
        return true;
      },
      { intervalMs: 250, ...opts },
    );
  } finally {
    await connection.close();
  }
}
