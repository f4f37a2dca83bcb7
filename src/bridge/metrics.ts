import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Webhook handling takes milliseconds; the sender gives up after 16 s (bridge docs), hence the top buckets. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16];

/** What became of one COS delivery (src/bridge/cos-route.ts): a fixed set, so the label cannot grow. */
export type CosEventOutcome =
  'routed' | 'duplicate' | 'ping' | 'ignored' | 'unauthorized' | 'invalid' | 'unavailable';

/** What became of one customer named by a COS event: the signaller's answer, or `skipped` (not a customer path). */
export type CosCustomerOutcome = 'signalled' | 'review-started' | 'not-ours' | 'skipped';

/** The counts of one COS delivery, handed to the metrics by `recordCosDelivery`. */
export interface CosDeliveryTally {
  outcome: CosEventOutcome;
  customers?: Partial<Record<CosCustomerOutcome, number>>;
}

export interface BridgeMetrics {
  registry: Registry;
  requests: Counter<'status_code' | 'route'>;
  duration: Histogram<'status_code'>;
  cosEvents: Counter<'outcome'>;
  cosCustomers: Counter<'outcome'>;
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
  const cosEvents = new Counter({
    name: 'kyc_bridge_cos_events_total',
    help: 'COS event deliveries received by the webhook bridge, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const cosCustomers = new Counter({
    name: 'kyc_bridge_cos_customers_total',
    help: 'Customers named by COS events, by what the bridge did with each (signalled, review-started, not-ours, skipped)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return { registry, requests, duration, cosEvents, cosCustomers };
}

/**
 * The counts of the COS delivery a request carried, until its response is counted. The route records them
 * and `instrumentBridge` reads them, so the app needs no metrics of its own (tests build it without any).
 */
const cosTallies = new WeakMap<FastifyRequest, CosDeliveryTally>();

export function recordCosDelivery(request: FastifyRequest, tally: CosDeliveryTally): void {
  cosTallies.set(request, tally);
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
    const cos = cosTallies.get(request);
    if (cos !== undefined) {
      cosTallies.delete(request);
      metrics.cosEvents.inc({ outcome: cos.outcome });
      for (const [outcome, count] of Object.entries(cos.customers ?? {})) {
        if (count > 0) metrics.cosCustomers.inc({ outcome }, count);
      }
    }
    done();
  });
}
