import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Runtime } from '@temporalio/worker';
import { buildBridge, WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { Secret } from '../../src/providers/mesh/config';
import type { HostPort } from '../../src/platform/config/metrics';
import { createBridgeMetrics, instrumentBridge } from '../../src/bridge/metrics';
import { createLogger } from '../../src/platform/logging/logger';
import { startMetricsServer, type MetricsServer } from '../../src/platform/metrics/metrics-server';
import { workerRuntimeOptions } from '../../src/platform/temporal/worker-runtime';
import { meshTaskQueue, type OnboardingInput, type OnboardingStatus } from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { FakeSignaller } from '../bridge/fake-signaller';
import { casePayload, newSecret, standardWebhookHeaders } from '../../testkit/webhooks';
import { freePort } from '../../testkit/net';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';
import { bundleOnce } from '../../testkit/bundle';
import { waitFor } from '../../testkit/wait';
import { fakeActivities, screeningOutcome, testPolicy, uniqueCustomer } from '../helpers/onboarding';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';

/**
 * The worker's Prometheus endpoint on the real dev server (jest's global setup): the Runtime is
 * installed exactly as src/worker/main.ts installs it, before anything else in this file creates one.
 */

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric in a Prometheus text exposition. */
function samples(exposition: string, metric: string): Sample[] {
  const out: Sample[] = [];
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== metric) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

function valueOf(exposition: string, metric: string, labels: Record<string, string>): number | undefined {
  return samples(exposition, metric).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

async function scrape(at: HostPort): Promise<string> {
  const response = await fetch(`http://${at.host}:${at.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

let workerMetrics: HostPort;

// Before the connection below: nothing else in this file may create the Runtime first.
beforeAll(async () => {
  workerMetrics = { host: '127.0.0.1', port: await freePort() };
  Runtime.install(
    workerRuntimeOptions({
      logger: createLogger({ name: 'worker', level: 'warn', destination: silent }),
      level: 'warn',
      metrics: workerMetrics,
    }),
  );
});
const t = useTestConnection();

/** The worker's exposition once it has a `metric` series for `taskQueue` (the SDK exports periodically). */
function workerExpositionWith(metric: string, taskQueue: string): Promise<string> {
  return waitFor(
    async () => {
      const text = await scrape(workerMetrics);
      return valueOf(text, metric, { taskQueue }) !== undefined && text;
    },
    { timeoutMs: 10_000, description: `${metric} on /metrics` },
  );
}

/**
 * Runs one onboarding to its end on workers that keep no workflow in cache: every workflow task
 * replays the run from its start, so a counter that counted during replay would count twice.
 */
async function onboard(
  taskQueue: string,
  screening: Parameters<typeof screeningOutcome>[0],
): Promise<OnboardingStatus> {
  const { activities } = fakeActivities({ createAndScreen: () => screeningOutcome(screening) });
  const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
  const customer = uniqueCustomer();
  const input: OnboardingInput = {
    customer,
    configuration: { screening_configuration_identifier: 'cfg-1' },
    policy: testPolicy(),
  };
  return runWorker(
    { taskQueue, workflowBundle, maxCachedWorkflows: 0, ...onboardingWorkflowWorkerOptions() },
    () =>
      runWorker({ taskQueue: meshTaskQueue(taskQueue), activities }, () =>
        t.client.workflow.execute('onboardCustomer', {
          taskQueue,
          workflowId: onboardingWorkflowId(customer.external_identifier),
          args: [input],
        }),
      ),
  ) as Promise<OnboardingStatus>;
}

describe('worker metrics (Prometheus, WORKER_METRICS_ADDRESS)', () => {
  it('counts started and approved onboardings by risk level, once each, next to the SDK metrics', async () => {
    const taskQueue = uniqueTaskQueue('metrics-approve');
    const result = await onboard(taskQueue, { riskLevel: 'LOW-RISK', screeningResult: 'NO_PROFILES' });
    expect(result.state).toBe('APPROVED');

    const exposition = await workerExpositionWith('kyc_onboarding_approved', taskQueue);
    // The workflow metricMeter labels its series taskQueue/workflowType (the SDK's own use snake_case).
    const run = { taskQueue, workflowType: 'onboardCustomer', namespace: 'default' };
    expect(valueOf(exposition, 'kyc_onboarding_started', { ...run, risk_level: 'UNKNOWN' })).toBe(1);
    expect(valueOf(exposition, 'kyc_onboarding_approved', { ...run, risk_level: 'LOW-RISK' })).toBe(1);
    expect(valueOf(exposition, 'kyc_onboarding_rejected', { taskQueue })).toBeUndefined();
    // The SDK's own metrics on the same endpoint; the replay latency shows the run was replayed.
    expect(valueOf(exposition, 'temporal_workflow_completed', { task_queue: taskQueue })).toBe(1);
    expect(samples(exposition, 'temporal_workflow_task_replay_latency_count').length).toBeGreaterThan(0);
  });

  it('counts a PROHIBITED customer as rejected with its risk level', async () => {
    const taskQueue = uniqueTaskQueue('metrics-reject');
    const result = await onboard(taskQueue, { riskLevel: 'PROHIBITED', screeningResult: 'PROFILES_FOUND' });
    expect(result.state).toBe('REJECTED');

    const exposition = await workerExpositionWith('kyc_onboarding_rejected', taskQueue);
    expect(valueOf(exposition, 'kyc_onboarding_rejected', { taskQueue, risk_level: 'PROHIBITED' })).toBe(1);
    expect(valueOf(exposition, 'kyc_onboarding_approved', { taskQueue })).toBeUndefined();
  });
});

describe('bridge metrics (BRIDGE_METRICS_ADDRESS)', () => {
  const secret = newSecret();
  let app: FastifyInstance;
  let metricsServer: MetricsServer;
  let base: string;

  beforeAll(async () => {
    const signaller = new FakeSignaller();
    signaller.runningOnboardings.add('CUST-12345');
    app = buildBridge({
      config: {
        webhookSecrets: [new Secret(secret)],
        legacySecret: undefined,
        requestTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
        dedupe: { maxEntries: 100, ttlMs: 60_000 },
      },
      signaller,
      logger: createBridgeLogger('silent'),
    });
    const metrics = createBridgeMetrics();
    instrumentBridge(app, metrics);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    metricsServer = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await metricsServer.close();
    await app.close();
  });

  it('counts requests by status code and route and times them, on a port of its own', async () => {
    const body = JSON.stringify(casePayload({ decisionType: 'POSITIVE' }));
    const post = (headers: Record<string, string>) =>
      fetch(`${base}${WEBHOOK_ROUTE}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post(standardWebhookHeaders({ secret, body }))).status).toBe(200);
    expect((await post(standardWebhookHeaders({ secret, body }))).status).toBe(200);
    expect((await post({})).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/wp-login.php`)).status).toBe(404);
    // The public port has no metrics route.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);

    const text = await scrape(metricsServer.address);
    const requests = (status_code: string, route: string) =>
      valueOf(text, 'kyc_bridge_requests_total', { status_code, route });
    expect(requests('200', WEBHOOK_ROUTE)).toBe(2);
    expect(requests('401', WEBHOOK_ROUTE)).toBe(1);
    expect(requests('200', '/healthz')).toBe(1);
    expect(requests('404', 'unmatched')).toBe(2);
    expect(valueOf(text, 'kyc_bridge_request_duration_seconds_count', { status_code: '200' })).toBe(3);
    expect(valueOf(text, 'kyc_bridge_request_duration_seconds_count', { status_code: '404' })).toBe(2);
    // Process metrics come along for the usual dashboards.
    expect(samples(text, 'process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('answers only GET /metrics on the metrics port', async () => {
    const { host, port } = metricsServer.address;
    expect((await fetch(`http://${host}:${port}/`)).status).toBe(404);
    expect((await fetch(`http://${host}:${port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
