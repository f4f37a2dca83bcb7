import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Webhook handling takes milliseconds; the sender gives up after 16 s (bridge docs), hence the top buckets. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16];

export interface BridgeMetrics {
  registry: Registry;
  requests: Counter<'status_code' | 'route'>;
  duration: Histogram<'status_code'>;
}

/** The bridge's own registry (not prom-client's global one), so tests and processes never share counts. */
export function createBridgeMetrics(options: { processMetrics?: boolean } = {}): BridgeMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'kyc_bridge_requests_total',
    help: 'HTTP requests answered by the webhook bridge, by status code and route',
    labelNames: ['status_code', 'route'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kyc_bridge_request_duration_seconds',
    help: 'Time from request to response in the webhook bridge, by status code',
    labelNames: ['status_code'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  return { registry, requests, duration };
}

/**
 * Counts every answer of `app` (call before it is ready). The route is the registered pattern, or
 * `unmatched` for 404s, so scanners probing random paths cannot create new series.
 */
export function instrumentBridge(app: FastifyInstance, metrics: BridgeMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const statusCode = String(reply.statusCode);
    metrics.requests.inc({ status_code: statusCode, route: request.routeOptions.url ?? 'unmatched' });
    metrics.duration.observe({ status_code: statusCode }, reply.elapsedTime / 1000);
    done();
  });
}
