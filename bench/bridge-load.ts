/**
 * Load for the webhook bridge: the requests (signed case webhooks, testkit/webhooks.ts) come from the
 * caller, one per request number; autocannon sends them at a fixed concurrency or rate (`runLoad`), or
 * they leave at given arrival times whether or not earlier ones were answered (`runPacedLoad`).
 *
 * Every request should carry a fresh `webhook-id`: a repeated id would be answered by the bridge's dedupe
 * without reaching the signaller, which is not the path being measured.
 */
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { distribution, type Distribution } from '../testkit/stats';
import { delay } from '../testkit/wait';

export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  /** Fixed request rate (requests/s over all connections); absent: as fast as the server answers. */
  overallRate?: number;
  /** The body and headers of request number `n` (0-based). */
  request(n: number): { body: string; headers: Record<string, string> };
  /** Sees every response body (costs the load generator a little: only for the real-signal run). */
  onResponse?: (status: number, body: string) => void;
}

export interface LoadResult {
  durationSeconds: number;
  requests: number;
  /** Answers per second, over the run's actual duration. */
  perSecond: number;
  byStatus: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (no HTTP answer at all). */
  errors: number;
  timeouts: number;
  /** Milliseconds from sending a request to its complete answer, as autocannon times them. */
  latencyMs: Distribution;
}

/** One autocannon run against `WEBHOOK_ROUTE` (the bare server answers any path the same way). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const latencies: number[] = [];
  const instance = autocannon({
    url: `${options.baseUrl}${WEBHOOK_ROUTE}`,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: 20,
    ...(options.overallRate !== undefined && { overallRate: options.overallRate }),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, ...options.request(n++) }),
        ...(options.onResponse !== undefined && { onResponse: options.onResponse }),
      },
    ],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const byStatus = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]),
  );
  const requests = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return {
    durationSeconds: result.duration,
    requests,
    perSecond: Math.round(requests / result.duration),
    byStatus,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: distribution(latencies),
  };
}

/**
 * `count` arrival times (ms from the start) spread at random over `durationSeconds`: a Poisson process
 * at count / duration per second, conditioned on its count, so every run sends exactly `count` webhooks.
 */
export function poissonArrivals(count: number, durationSeconds: number, random = Math.random): number[] {
  return Array.from({ length: count }, () => random() * durationSeconds * 1000).sort((a, b) => a - b);
}

export interface PacedLoadOptions {
  baseUrl: string;
  /** When each request is due, in ms from the start, ascending (e.g. `poissonArrivals`). */
  arrivalsMs: readonly number[];
  /** The body and headers of request number `n` (0-based). */
  request(n: number): { body: string; headers: Record<string, string> };
  onResponse?: (status: number, body: string) => void;
  /** Per request; a request without a complete answer by then counts as a timeout (default 20 s). */
  timeoutMs?: number;
}

/**
 * Open-loop load: each request leaves at its own arrival time, whether or not earlier ones have been
 * answered (a free keep-alive connection is reused, otherwise a new one is opened), the way independent
 * deliveries reach a webhook endpoint. Latency runs from the arrival time, not from when the request
 * actually left, so a late sender or a queue in front of the server counts against the server.
 * (autocannon's fixed rate is the opposite: each connection sends its share of the second back to back
 * at the start of the second, and waits for its previous answer before the next.)
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const url = new URL(WEBHOOK_ROUTE, options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const timeoutMs = options.timeoutMs ?? 20_000;
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const start = performance.now();

  const send = (n: number, dueAt: number) =>
    new Promise<void>((resolve) => {
      const { body, headers } = options.request(n);
      const req = httpRequest(url, { method: 'POST', agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          latencies.push(performance.now() - dueAt);
          const status = res.statusCode ?? 0;
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          options.onResponse?.(status, Buffer.concat(chunks).toString('utf8'));
          resolve();
        });
        res.on('error', () => {
          errors += 1;
          resolve();
        });
      });
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        timeouts += 1;
        req.destroy();
      });
      req.on('error', () => {
        if (!timedOut) errors += 1;
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < options.arrivalsMs.length; n++) {
    const dueAt = start + options.arrivalsMs[n]!;
    const wait = dueAt - performance.now();
    if (wait > 1) await delay(wait);
    inFlight.push(send(n, dueAt));
  }
  await Promise.all(inFlight);
  agent.destroy();

  const durationSeconds = (performance.now() - start) / 1000;
  const requests = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const non2xx = Object.entries(byStatus)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    durationSeconds,
    requests,
    perSecond: Math.round(requests / durationSeconds),
    byStatus,
    non2xx,
    errors,
    timeouts,
    latencyMs: distribution(latencies),
  };
}
