import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Info } from '@temporalio/activity';
import {
  ActivityCancellationDetails,
  ApplicationFailure,
  CancelledFailure,
  noopMetricMeter,
  type MetricCounter,
  type MetricMeter,
  type MetricTags,
} from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities';
import type { ActivityLogger } from '../../src/providers/mesh/activities';
import {
  callMesh,
  CREDENTIALS_REFUSED_METRIC,
  HEARTBEAT_EVERY_MS,
} from '../../src/providers/mesh/activity-failures';
import { Secret } from '../../src/providers/mesh/config';
import { createMeshClient } from '../../src/providers/mesh/client';
import type { TokenProvider } from '../../src/providers/mesh/token-provider';
import { guidePerson, screenInput, useSandboxHarness } from '../helpers/mesh-sandbox';
import { waitFor } from '../../testkit/wait';

/**
 * Every class of Mesh failure as the Temporal failure an activity ends with: permanent ones
 * non-retryable with a stable type, transient ones retryable no sooner than the provider asked.
 * Mostly against the real sandbox and its faults; a tiny scripted server gives the answers the sandbox
 * never gives (403, a Retry-After header on a 5xx).
 */
const quiet: ActivityLogger = { info: () => undefined, warn: () => undefined };

/** The SDK logs every failed activity at WARN; the failures here are the point of the test. */
const mockEnvironment = (info: Partial<Info> = {}, metricMeter?: MetricMeter) =>
  new MockActivityEnvironment(info, {
    logger: new DefaultLogger('ERROR'),
    ...(metricMeter !== undefined && { metricMeter }),
  });

/** A metric meter that keeps every counter increment: name, value and tags. */
function recordingMeter(): MetricMeter & {
  added: { name: string; value: number; tags: MetricTags }[];
} {
  const added: { name: string; value: number; tags: MetricTags }[] = [];
  const counter = (name: string, base: MetricTags): MetricCounter => ({
    name,
    kind: 'counter',
    valueType: 'int',
    add: (value, tags = {}) => void added.push({ name, value, tags: { ...base, ...tags } }),
    withTags: (tags) => counter(name, { ...base, ...tags }),
  });
  const meter = {
    added,
    createCounter: (name: string) => counter(name, {}),
    createHistogram: noopMetricMeter.createHistogram.bind(noopMetricMeter),
    createGauge: noopMetricMeter.createGauge.bind(noopMetricMeter),
    createUpDownCounter: noopMetricMeter.createUpDownCounter.bind(noopMetricMeter),
    withTags: () => meter,
  };
  return meter;
}

/**
 * The increments with the labels the activity gave them: the SDK's activity context adds its own
 * (activity type, namespace, task queue) to every metric, which the activity cannot and need not avoid.
 */
const refusals = (meter: ReturnType<typeof recordingMeter>) =>
  meter.added.map(({ name, value, tags }) => {
    const { activityType: _type, namespace: _namespace, taskQueue: _queue, ...ours } = tags;
    return { name, value, tags: ours };
  });

/** The ApplicationFailure an activity ended with (fails the test if it succeeded). */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('Mesh activity failures (sandbox)', () => {
  const h = useSandboxHarness();
  let activities: Activities;
  const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
    mockEnvironment().run<P, R, typeof fn>(fn, ...args);

  beforeEach(() => {
    activities = createActivities({ mesh: h.client(), logger: quiet });
  });

  it('ends at once on refused customer data (400): non-retryable BAD_REQUEST naming the field, not its value', async () => {
    const customer = { ...guidePerson('Victor Bout'), date_of_birth: { day: 45, month: 1, year: 1967 } };
    const failure = await failureOf(run(activities.createAndScreen, screenInput(customer)));
    expect(failure).toMatchObject({ type: 'BAD_REQUEST', nonRetryable: true });
    expect(failure.message).toContain('customer.date_of_birth');
    expect(failure.message).not.toContain('45');
    expect(failure.details).toEqual([{ operation: 'createAndScreen', status: 400 }]);
  });

  it('ends at once on an unknown customer (404): non-retryable NOT_FOUND', async () => {
    for (const failure of [
      await failureOf(run(activities.setMonitoring, { customerIdentifier: 'cust_nope', enabled: false })),
      await failureOf(run(activities.getCustomer, { externalIdentifier: 'NOPE-1' })),
    ]) {
      expect(failure).toMatchObject({ type: 'NOT_FOUND', nonRetryable: true });
    }
  });

  it('pauses on refused credentials: retryable AUTHENTICATION_FAILED, counted and logged without the secret', async () => {
    const meter = recordingMeter();
    const warnings: string[] = [];
    const wrong = createActivities({
      mesh: h.client({
        config: { credentials: { kind: 'access-key', accessKey: 'k', secret: new Secret('wrong-secret') } },
      }),
      logger: {
        info: () => undefined,
        warn: (m, meta) => void warnings.push(`${m} ${JSON.stringify(meta)}`),
      },
    });
    const failure = await failureOf(mockEnvironment({}, meter).run(wrong.createAndScreen, screenInput()));
    expect(failure).toMatchObject({ type: 'AUTHENTICATION_FAILED', nonRetryable: false });
    expect(failure.details).toEqual([{ operation: 'token', status: 400, credentials: true }]);
    expect(failure.message).not.toContain('wrong-secret');
    expect(refusals(meter)).toEqual([
      { name: CREDENTIALS_REFUSED_METRIC, value: 1, tags: { operation: 'token', status: 400 } },
    ]);
    expect(warnings).toEqual([
      'mesh refused the credentials; retrying until they are fixed {"operation":"token","kind":"AUTHENTICATION_FAILED","status":400}',
    ]);
  });

  it('resumes by itself once Mesh accepts the credentials again (refuseTokensForMs)', async () => {
    await h.settings({ refuseTokensForMs: 800, tokenRefusalStatus: 400 });
    const meter = recordingMeter();
    const first = await failureOf(mockEnvironment({}, meter).run(activities.createAndScreen, screenInput()));
    expect(first).toMatchObject({ type: 'AUTHENTICATION_FAILED', nonRetryable: false });
    // Temporal's retries, by hand: the same activity again until it goes through.
    const outcome = await waitFor(
      () =>
        mockEnvironment({}, meter)
          .run(activities.createAndScreen, screenInput())
          .catch((e: unknown) => e),
      {
        timeoutMs: 10_000,
        until: (result) => !(result instanceof ApplicationFailure),
        description: 'the condition',
      },
    );
    expect(outcome).toMatchObject({ screeningResult: 'NO_PROFILES' });
    expect(meter.added.length).toBeGreaterThanOrEqual(1);
    expect(refusals(meter).every((m) => m.tags.operation === 'token' && m.tags.status === 400)).toBe(true);
  });

  it('counts nothing for failures that are not about credentials', async () => {
    const meter = recordingMeter();
    await failureOf(
      mockEnvironment({}, meter).run(activities.getCustomer, { customerIdentifier: 'cust_nope' }),
    );
    expect(refusals(meter)).toEqual([]);
  });

  it('retries a 429 no sooner than Ratelimit-Reset', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'rate-limit', resetSeconds: 7, count: 1 });
    const failure = await failureOf(run(activities.createAndScreen, screenInput()));
    expect(failure).toMatchObject({ type: 'RATE_LIMITED', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(7_000);
    // The retry Temporal makes then goes through.
    expect(await run(activities.createAndScreen, screenInput())).toMatchObject({
      screeningResult: 'NO_PROFILES',
    });
  });

  it.each([
    ['the retry policy as the SDK gives it (ms)', { maximumInterval: 45_000 }, 45_000],
    ['the retry policy as an ms-formatted string', { maximumInterval: '1 minute' as const }, 60_000],
    ['a retry policy without a maximum interval', { initialInterval: 2_000 }, 60_000],
    ['no retry policy at all', undefined, 60_000],
  ])(
    'never waits longer than the retry policy allows, whatever Ratelimit-Reset says (%s)',
    async (_what, retryPolicy, expected) => {
      await h.addFault({
        match: { path: 'create-and-screen' },
        kind: 'rate-limit',
        resetSeconds: 31_536_000,
        count: 1,
      });
      const failure = await failureOf(
        mockEnvironment(retryPolicy === undefined ? {} : { retryPolicy }).run(
          activities.createAndScreen,
          screenInput(),
        ),
      );
      expect(failure).toMatchObject({ type: 'RATE_LIMITED', nonRetryable: false });
      expect(failure.nextRetryDelay).toBe(expected);
    },
  );

  it('retries the account limit itself the same way', async () => {
    await h.settings({ rateLimitPerMinute: 2 });
    await run(activities.createAndScreen, screenInput()); // token + create-and-screen fill the window
    const failure = await failureOf(run(activities.createAndScreen, screenInput()));
    expect(failure).toMatchObject({ type: 'RATE_LIMITED', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeGreaterThan(0);
  });

  it.each([500, 502, 503])('retries a %i as SERVER_ERROR', async (status) => {
    await h.addFault({ match: { path: '/monitor' }, kind: 'server-error', status, count: 1 });
    const { customerIdentifier } = await run(activities.createAndScreen, screenInput());
    const failure = await failureOf(run(activities.setMonitoring, { customerIdentifier, enabled: false }));
    expect(failure).toMatchObject({ type: 'SERVER_ERROR', nonRetryable: false });
    expect(failure.details).toEqual([{ operation: 'setMonitoring', status }]);
    expect(await run(activities.setMonitoring, { customerIdentifier, enabled: false })).toEqual({
      enabled: false,
    });
  });

  it('retries a request Mesh did not answer within the request timeout as TIMEOUT', async () => {
    const impatient = createActivities({
      mesh: h.client({ config: { requestTimeoutMs: 200 } }),
      logger: quiet,
    });
    await h.addFault({ match: { path: '/cases' }, kind: 'latency', latencyMs: 1_500, count: 1 });
    const failure = await failureOf(run(impatient.checkOnboardingCase, { customerIdentifier: 'cust_any' }));
    expect(failure).toMatchObject({ type: 'TIMEOUT', nonRetryable: false });
  });

  it('retries a connection that could not be made as NETWORK', async () => {
    const nowhere = createActivities({
      mesh: h.client({ config: { baseUrl: 'http://127.0.0.1:1' } }),
      logger: quiet,
    });
    const failure = await failureOf(run(nowhere.getCustomer, { customerIdentifier: 'cust_any' }));
    expect(failure).toMatchObject({ type: 'NETWORK', nonRetryable: false });
  });

  it('gives up a slow call as soon as the activity is cancelled (a worker shutting down), not at the timeout', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'latency', latencyMs: 1_500, count: 1 });
    const env = mockEnvironment();
    const attempt = env.run(activities.createAndScreen, screenInput());
    // Cancel once the request is at the sandbox.
    for (
      let i = 0;
      i < 100 && ((await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen'] ?? 0) < 1;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    await expect(attempt).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('lets the call in flight finish when the run cancels the activity, so a customer it created is known', async () => {
    await h.addFault({ match: { path: 'create-and-screen' }, kind: 'latency', latencyMs: 1_500, count: 1 });
    const env = mockEnvironment();
    const attempt = env.run(activities.createAndScreen, screenInput());
    await waitFor(
      async () => ((await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen'] ?? 0) >= 1,
      { description: 'the request at the sandbox', timeoutMs: 5_000, intervalMs: 20 },
    );
    // What the server sends once the workflow cancels the activity (SCREENING_AWAITED waits for it).
    env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    await expect(attempt).resolves.toMatchObject({ customerIdentifier: expect.any(String) });
  });

  it('heartbeats while a call runs, so the server notices a dead worker within the heartbeat timeout', async () => {
    const env = mockEnvironment();
    const beats: number[] = [];
    env.on('heartbeat', () => beats.push(Date.now()));
    const startedAt = Date.now();
    // A call as slow as the client allows (its 10 s timeout, shortened here).
    const slowCall = () => new Promise<string>((resolve) => setTimeout(() => resolve('answered'), 4_500));
    await expect(env.run(() => callMesh(slowCall))).resolves.toBe('answered');
    const gaps = beats.map((at, i) => at - (i === 0 ? startedAt : beats[i - 1]!));
    // One at the start, then every HEARTBEAT_EVERY_MS: no gap near the 10 s heartbeat timeout.
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...gaps)).toBeLessThan(HEARTBEAT_EVERY_MS + 1_000);
  });
});

describe('Mesh activity failures (answers the sandbox never gives)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** Activities whose Mesh answers every request with `status`, `headers` and a problem body full of prose. */
  async function activitiesAnswering(
    status: number,
    headers: Record<string, string> = {},
    logger: ActivityLogger = quiet,
  ) {
    const server = createServer((_req, res: ServerResponse) => {
      res
        .writeHead(status, { 'content-type': 'application/problem+json', ...headers })
        .end(JSON.stringify({ title: 'Scripted', status, detail: 'Victor Bout, born 1967, is refused' }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token: TokenProvider = { getToken: () => Promise.resolve('tok'), invalidate: () => undefined };
    const mesh = createMeshClient({
      config: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requestTimeoutMs: 2_000,
        credentials: { kind: 'access-key', accessKey: 'k', secret: new Secret('s') },
      },
      tokenProvider: token,
    });
    return createActivities({ mesh, logger });
  }

  it('pauses when the API user lacks a permission (403): retryable FORBIDDEN, counted and logged', async () => {
    const activities = await activitiesAnswering(403);
    const meter = recordingMeter();
    const warnings: unknown[] = [];
    const logger = {
      ...quiet,
      warn: (message: string, meta?: Record<string, unknown>) => void warnings.push({ message, meta }),
    };
    const withLogger = await activitiesAnswering(403, {}, logger);
    for (const run of [activities, withLogger]) {
      const failure = await failureOf(
        mockEnvironment({}, meter).run(run.setMonitoring, { customerIdentifier: 'c', enabled: false }),
      );
      expect(failure).toMatchObject({ type: 'FORBIDDEN', nonRetryable: false });
      expect(failure.message).toBe('Mesh setMonitoring failed: 403 Forbidden');
    }
    expect(refusals(meter)).toEqual([
      { name: CREDENTIALS_REFUSED_METRIC, value: 1, tags: { operation: 'setMonitoring', status: 403 } },
      { name: CREDENTIALS_REFUSED_METRIC, value: 1, tags: { operation: 'setMonitoring', status: 403 } },
    ]);
    expect(warnings).toEqual([
      {
        message: 'mesh refused the credentials; retrying until they are fixed',
        meta: { operation: 'setMonitoring', kind: 'FORBIDDEN', status: 403 },
      },
    ]);
  });

  it('pauses when a fresh token is refused again (401 after re-authenticating): retryable UNAUTHORIZED, counted', async () => {
    const activities = await activitiesAnswering(401);
    const meter = recordingMeter();
    const failure = await failureOf(
      mockEnvironment({}, meter).run(activities.checkOnboardingCase, {
        customerIdentifier: 'c',
        caseIdentifier: 'k',
      }),
    );
    expect(failure).toMatchObject({ type: 'UNAUTHORIZED', nonRetryable: false });
    expect(refusals(meter)).toEqual([
      { name: CREDENTIALS_REFUSED_METRIC, value: 1, tags: { operation: 'getCase', status: 401 } },
    ]);
  });

  it("never carries the provider's prose into the failure message", async () => {
    const activities = await activitiesAnswering(422);
    const failure = await failureOf(mockEnvironment().run(activities.createAndScreen, screenInput()));
    expect(failure).toMatchObject({ type: 'BAD_REQUEST', nonRetryable: true });
    expect(failure.message).toBe('Mesh createAndScreen failed: 422 Unprocessable Entity');
  });

  it('retries a 503 no sooner than its Retry-After', async () => {
    const activities = await activitiesAnswering(503, { 'retry-after': '12' });
    const failure = await failureOf(mockEnvironment().run(activities.createAndScreen, screenInput()));
    expect(failure).toMatchObject({ type: 'SERVER_ERROR', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(12_000);
  });

  it('retries a 429 no sooner than the longer of Retry-After and Ratelimit-Reset', async () => {
    const activities = await activitiesAnswering(429, { 'retry-after': '20', 'ratelimit-reset': '3' });
    const failure = await failureOf(
      mockEnvironment().run(activities.getCustomer, { customerIdentifier: 'c' }),
    );
    expect(failure).toMatchObject({ type: 'RATE_LIMITED', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(20_000);
  });
});
