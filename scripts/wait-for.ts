/** Readiness probes for local services: poll with a deadline, never sleep a guessed amount. */
import { get } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

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
