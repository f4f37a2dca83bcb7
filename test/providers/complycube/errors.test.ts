import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { ComplyCubeError } from '../../../src/providers/complycube/api';
import { createComplyCubeActivities } from '../../../src/providers/complycube/activities';
import {
  CREDENTIALS_REFUSED_METRIC,
  jitteredDelayMs,
  PAYMENT_REQUIRED_METRIC,
  RATE_LIMITED_METRIC,
} from '../../../src/providers/complycube/activity-failures';
import { createComplyCubeClient } from '../../../src/providers/complycube/client';
import { Secret } from '../../../src/providers/complycube/config';
import { errorFromStatus } from '../../../src/providers/complycube/errors';
import type { ProviderLogger } from '../../../src/providers/common/logger';
import { API_KEY, capturingLogger, FakeComplyCube, recordingMeter, runActivity } from './fake-complycube';

/**
 * Every class of ComplyCube failure, classified by status and `type` (never by `message`, which may echo
 * personal data), and the Temporal failure an activity ends with: final ones non-retryable, the rest
 * retried, a 429 after COMPLYCUBE_RETRY_BACKOFF plus jitter.
 */

const PROSE = 'Ada Lovelace (born 1815-12-10) is refused';

describe('errorFromStatus', () => {
  it.each([
    [400, 'invalid_request', 'ComplyCubeInvalidRequest', false],
    [404, 'resource_not_found', 'ComplyCubeNotFound', false],
    [413, 'request_too_large', 'ComplyCubeInvalidRequest', false],
    [422, 'invalid_check_update', 'ComplyCubeUnprocessable', false],
    [422, 'pending_check_unmodifiable', 'ComplyCubeCheckPending', true],
    [401, 'unauthorized', 'ComplyCubeUnauthorized', true],
    [403, 'forbidden', 'ComplyCubeForbidden', true],
    [402, 'payment_required', 'ComplyCubePaymentRequired', true],
    [429, 'rate_limit_exceeded', 'ComplyCubeRateLimited', true],
    [500, 'internal_server_error', 'ComplyCubeServerError', true],
    [503, undefined, 'ComplyCubeServerError', true],
    [405, undefined, 'ComplyCubeClientError', true],
    [409, undefined, 'ComplyCubeClientError', true],
    [302, undefined, 'ComplyCubeInvalidResponse', false],
  ])('%i %s → %s (retryable %s)', (status, type, kind, retryable) => {
    const error = errorFromStatus('createClient', status, { type, message: PROSE }, 30_000);
    expect(error).toMatchObject({ kind, retryable });
    expect(error.message).not.toContain('Ada');
  });

  it('marks refused credentials and payment, and gives a 429 the configured back-off', () => {
    expect(errorFromStatus('op', 401, {}, 1).details).toMatchObject({ credentials: true });
    expect(errorFromStatus('op', 403, {}, 1).details).toMatchObject({ credentials: true });
    expect(errorFromStatus('op', 402, {}, 1).details).toMatchObject({ payment: true });
    expect(errorFromStatus('op', 429, {}, 30_000).details).toMatchObject({ retryAfterMs: 30_000 });
    expect(errorFromStatus('op', 503, {}, 30_000).details.retryAfterMs).toBeUndefined();
  });

  it('decides by status and type, never by the message', () => {
    // A message that reads like the retryable case does not make a 422 retryable…
    expect(
      errorFromStatus('op', 422, { type: 'invalid_check_update', message: 'pending_check_unmodifiable' }, 1),
    ).toMatchObject({ kind: 'ComplyCubeUnprocessable', retryable: false });
    // …and the retryable type is recognised whatever the message says.
    expect(
      errorFromStatus('op', 422, { type: 'pending_check_unmodifiable', message: PROSE }, 1),
    ).toMatchObject({
      kind: 'ComplyCubeCheckPending',
      retryable: true,
    });
  });

  it('names the type and the rejected field, and drops either when it is prose', () => {
    expect(
      errorFromStatus(
        'createClient',
        400,
        { type: 'invalid_request', param: 'personDetails.dob', message: PROSE },
        1,
      ).message,
    ).toBe(
      'ComplyCube createClient failed: 400 Bad Request (type invalid_request) — rejected field: personDetails.dob',
    );
    expect(errorFromStatus('createClient', 400, { type: PROSE, param: PROSE }, 1).message).toBe(
      'ComplyCube createClient failed: 400 Bad Request',
    );
    expect(errorFromStatus('createClient', 400, 'not json', 1).message).toBe(
      'ComplyCube createClient failed: 400 Bad Request',
    );
  });
});

describe('jitteredDelayMs', () => {
  it('waits the back-off plus up to a quarter more', () => {
    expect(jitteredDelayMs(30_000, 60_000, () => 0)).toBe(30_000);
    expect(jitteredDelayMs(30_000, 60_000, () => 1)).toBe(37_500);
  });

  it('never waits longer than the retry policy allows, and still spreads below the cap', () => {
    expect(jitteredDelayMs(30_000, 30_000, () => 1)).toBe(30_000);
    expect(jitteredDelayMs(30_000, 30_000, () => 0)).toBe(24_000);
    expect(jitteredDelayMs(120_000, 60_000, () => 0.5)).toBeLessThanOrEqual(60_000);
  });
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('ComplyCube failures as the activities end with them', () => {
  let fake: FakeComplyCube;
  const servers: Server[] = [];
  beforeEach(async () => {
    fake = await FakeComplyCube.start();
  });
  afterEach(async () => {
    await fake.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function activitiesFor(
    options: {
      baseUrl?: string;
      apiKey?: string;
      requestTimeoutMs?: number;
      httpLogger?: ProviderLogger;
    } = {},
  ) {
    const logger = capturingLogger();
    const activities = createComplyCubeActivities({
      complycube: createComplyCubeClient({
        config: {
          baseUrl: options.baseUrl ?? fake.url,
          apiKey: new Secret(options.apiKey ?? API_KEY),
          retryBackoffMs: 30_000,
        },
        requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
        ...(options.httpLogger !== undefined && { logger: options.httpLogger }),
      }),
      config: { checkType: 'standard_screening_check', webhookUrl: undefined },
      logger,
      random: () => 1,
    });
    return { activities, logger };
  }

  it('retries a 429 after COMPLYCUBE_RETRY_BACKOFF plus jitter, and counts it', async () => {
    fake.fault({
      method: 'GET',
      path: /^\/checks\//,
      status: 429,
      body: { type: 'rate_limit_exceeded', message: 'x' },
    });
    const meter = recordingMeter();
    const { activities } = activitiesFor();
    const failure = await failureOf(
      runActivity(
        activities.checkOnboardingCase,
        { customerIdentifier: 'cl1', caseIdentifier: 'ck1' },
        {},
        meter,
      ),
    );
    expect(failure).toMatchObject({
      type: 'ComplyCubeRateLimited',
      nonRetryable: false,
      nextRetryDelay: 37_500,
    });
    expect(failure.details).toEqual([
      { operation: 'getCheck', status: 429, errorType: 'rate_limit_exceeded' },
    ]);
    expect(meter.added).toEqual([{ name: RATE_LIMITED_METRIC, value: 1, tags: { operation: 'getCheck' } }]);
  });

  it("never waits after a 429 longer than the activity's retry policy allows", async () => {
    fake.fault({ method: 'GET', path: /^\/checks\//, status: 429 });
    const { activities } = activitiesFor();
    const failure = await failureOf(
      runActivity(
        activities.checkOnboardingCase,
        { customerIdentifier: 'cl1', caseIdentifier: 'ck1' },
        { retryPolicy: { maximumInterval: 20_000 } },
      ),
    );
    expect(failure.nextRetryDelay).toBe(20_000);
  });

  it('pauses on a refused key: retryable, counted, one warn line without the key', async () => {
    const meter = recordingMeter();
    const { activities, logger } = activitiesFor({ apiKey: 'wrong-key' });
    const failure = await failureOf(
      runActivity(activities.getCustomer, { customerIdentifier: 'cl1' }, {}, meter),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeUnauthorized', nonRetryable: false });
    expect(failure.message).toBe(
      'ComplyCube getClient failed: 401 Unauthorized (type unauthorized); check COMPLYCUBE_API_KEY',
    );
    expect(meter.added).toEqual([
      { name: CREDENTIALS_REFUSED_METRIC, value: 1, tags: { operation: 'getClient', status: 401 } },
    ]);
    expect(logger.lines).toEqual([
      'warn complycube refused the credentials; retrying until they are fixed {"operation":"getClient","status":401,"kind":"ComplyCubeUnauthorized"}',
    ]);
    expect(JSON.stringify(failure)).not.toContain('wrong-key');
  });

  it('pauses on 403 the same way', async () => {
    fake.fault({
      method: 'GET',
      path: /^\/checks\//,
      status: 403,
      body: { type: 'forbidden', message: PROSE },
    });
    const meter = recordingMeter();
    const { activities } = activitiesFor();
    const failure = await failureOf(
      runActivity(
        activities.checkOnboardingCase,
        { customerIdentifier: 'cl1', caseIdentifier: 'ck1' },
        {},
        meter,
      ),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeForbidden', nonRetryable: false });
    expect(meter.added.map((m) => m.name)).toEqual([CREDENTIALS_REFUSED_METRIC]);
  });

  it('pauses on 402 (payment), with a warn line and a count', async () => {
    fake.fault({
      method: 'POST',
      path: '/checks',
      status: 402,
      body: { type: 'payment_required', message: PROSE },
    });
    const meter = recordingMeter();
    const { activities, logger } = activitiesFor();
    const failure = await failureOf(
      runActivity(
        activities.updateAndRescore,
        {
          customerIdentifier: 'cl1',
          customer: {
            external_identifier: 'E',
            person: { first_name: 'A', last_name: 'B' },
            email_address: 'a@example.com',
          },
          resume: { step: 'create-check', since: '2025-01-01T00:00:00.000Z' },
        },
        {},
        meter,
      ),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubePaymentRequired', nonRetryable: false });
    expect(meter.added).toEqual([
      { name: PAYMENT_REQUIRED_METRIC, value: 1, tags: { operation: 'createCheck', status: 402 } },
    ]);
    expect(logger.lines[0]).toMatch(/^warn complycube asks for payment/);
  });

  it('ends at once on refused data, naming the field and never echoing the message', async () => {
    fake.fault({
      method: 'POST',
      path: '/clients',
      status: 400,
      body: { type: 'invalid_request', message: PROSE, param: 'personDetails.dob' },
    });
    const httpLogger = capturingLogger() as ProviderLogger & { lines: string[] };
    const { activities, logger } = activitiesFor({ httpLogger });
    const failure = await failureOf(
      runActivity(activities.createAndScreen, {
        customer: {
          external_identifier: 'E-1',
          person: { first_name: 'Ada', last_name: 'Lovelace' },
          email_address: 'ada@example.com',
        },
        screeningConfigurationIdentifier: 'standard_screening_check',
        monitoringEnabled: true,
        resume: { step: 'create-client', createdAfter: '2025-01-01T00:00:00.000Z' },
      }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeInvalidRequest', nonRetryable: true });
    expect(failure.message).toBe(
      'ComplyCube createClient failed: 400 Bad Request (type invalid_request) — rejected field: personDetails.dob',
    );
    expect(failure.details).toEqual([
      { operation: 'createClient', status: 400, errorType: 'invalid_request', param: 'personDetails.dob' },
    ]);
    const logs = [...logger.lines, ...httpLogger.lines].join('\n');
    expect(logs).toContain('"errorType":"invalid_request"');
    expect(logs).not.toMatch(/Ada|Lovelace|1815/);
  });

  it.each([500, 502, 503])('retries a %i as ComplyCubeServerError', async (status) => {
    fake.fault({ method: 'GET', path: /^\/checks\//, status });
    const { activities } = activitiesFor();
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1', caseIdentifier: 'ck1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeServerError', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('retries a request ComplyCube did not answer within the timeout as ComplyCubeTimeout', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { activities } = activitiesFor({
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`,
      requestTimeoutMs: 200,
    });
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1', caseIdentifier: 'ck1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeTimeout', nonRetryable: false });
    silent.closeAllConnections();
  });

  it('retries a connection that could not be made as ComplyCubeNetwork', async () => {
    const { activities } = activitiesFor({ baseUrl: 'http://127.0.0.1:1/v1' });
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1', caseIdentifier: 'ck1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeNetwork', nonRetryable: false });
  });

  it('ends at once on a 2xx without what it needs, naming the path', async () => {
    const odd = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'ck1', status: 'complete' }));
    });
    servers.push(odd);
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const { activities } = activitiesFor({
      baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/v1`,
    });
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1', caseIdentifier: 'ck1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeInvalidResponse', nonRetryable: true });
    expect(failure.message).toContain('response.clientId');
  });

  it('refuses a list answer without items rather than reading it as "none"', async () => {
    const odd = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ page: 1, pages: 1 }));
    });
    servers.push(odd);
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const { activities } = activitiesFor({
      baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/v1`,
    });
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeInvalidResponse', nonRetryable: true });
    expect(failure.message).toContain('response.items');
  });

  it('does not follow a redirect, so the key never travels elsewhere', async () => {
    const reachedElsewhere: unknown[] = [];
    const elsewhere = createServer((req, res) => {
      reachedElsewhere.push(req.headers.authorization);
      res.writeHead(200).end('{}');
    });
    const redirecting = createServer((_req, res) => {
      res
        .writeHead(302, { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/` })
        .end();
    });
    servers.push(elsewhere, redirecting);
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const { activities } = activitiesFor({
      baseUrl: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/v1`,
    });
    const failure = await failureOf(
      runActivity(activities.checkOnboardingCase, { customerIdentifier: 'cl1', caseIdentifier: 'ck1' }),
    );
    expect(failure).toMatchObject({ type: 'ComplyCubeInvalidResponse', nonRetryable: true });
    expect(reachedElsewhere).toEqual([]);
  });

  it('a client error keeps its class through the client API', async () => {
    fake.fault({
      method: 'GET',
      path: '/webhooks',
      status: 404,
      body: { type: 'resource_not_found', message: PROSE },
    });
    const client = createComplyCubeClient({
      config: { baseUrl: fake.url, apiKey: new Secret(API_KEY), retryBackoffMs: 1 },
    });
    const error = (await client.listWebhooks().catch((e: unknown) => e)) as ComplyCubeError;
    expect(error).toBeInstanceOf(ComplyCubeError);
    expect(error).toMatchObject({ kind: 'ComplyCubeNotFound', retryable: false });
  });
});
