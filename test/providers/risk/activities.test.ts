import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import type { MeshCustomer } from '../../../src/contracts/customer';
import type { RiskCheckResult } from '../../../src/contracts/risk';
import { createRiskActivities } from '../../../src/providers/risk/activities';
import { createRiskClient } from '../../../src/providers/risk/client';
import { Secret } from '../../../src/providers/risk/config';
import { DEFAULT_RISK_API_KEY, startRiskSandbox, type RiskSandbox } from '../../../src/sandbox/risk';
import { RiskSandboxControl } from '../../../testkit/risk-sandbox-control';
import { capturingLogger, runActivity } from '../complycube/fake-complycube';

/**
 * `checkCustomerRisk` end to end over HTTP: against a scripted fake for every status the API may answer
 * (what is retried, with which delay, and what becomes `unscored`), and against the risk sandbox for the
 * real round trip (the body it validates, the 425 rule, a case an analyst closed).
 */

const KEY = 'risk-test-key';
let sequence = 0;

function customer(lastName = 'Lovelace', extra: Partial<MeshCustomer> = {}): MeshCustomer {
  sequence += 1;
  return {
    external_identifier: `RISK-${process.pid}-${sequence}`,
    person: { first_name: 'Ada', last_name: lastName },
    email_address: 'ada@example.com',
    date_of_birth: { day: 10, month: 12, year: 1815 },
    nationality: ['GB'],
    ...extra,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
}

/** A fake customer-checks API answering a script, recording each request's headers and body. */
class FakeRiskApi {
  private constructor(
    private readonly app: FastifyInstance,
    readonly url: string,
    readonly script: Scripted[],
    readonly requests: { path: string; apiKey: unknown; body: unknown }[],
  ) {}

  static async start(): Promise<FakeRiskApi> {
    const app = Fastify();
    const script: Scripted[] = [];
    const requests: FakeRiskApi['requests'] = [];
    app.post('/*', (request, reply) => {
      requests.push({ path: request.url, apiKey: request.headers['api-key'], body: request.body });
      const next = script.shift() ?? {
        status: 200,
        body: { riskLevel: 'low', caseStatus: 'not-opened' },
      };
      void reply.code(next.status).headers(next.headers ?? {});
      if (next.raw !== undefined) return reply.type('application/json').send(next.raw);
      return reply.send(next.body ?? '');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return new FakeRiskApi(
      app,
      `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      script,
      requests,
    );
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

describe('checkCustomerRisk against a scripted API', () => {
  let fake: FakeRiskApi;
  let logger: ReturnType<typeof capturingLogger>;
  let activities: ReturnType<typeof createRiskActivities>;

  beforeAll(async () => {
    fake = await FakeRiskApi.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.script.length = 0;
    fake.requests.length = 0;
    logger = capturingLogger();
    activities = createRiskActivities({
      risk: createRiskClient({
        config: { baseUrl: `${fake.url}/api`, apiKey: new Secret(KEY) },
        requestTimeoutMs: 500,
      }),
      logger,
      random: () => 0.5,
    });
  });

  const check = (c: MeshCustomer = customer(), riskCustomerId?: string, info = {}) =>
    runActivity(
      activities.checkCustomerRisk,
      { customer: c, ...(riskCustomerId !== undefined && { riskCustomerId }) },
      info,
    );

  it('posts the full body with the api-key header to /v2/customer-checks/check under the base URL', async () => {
    fake.script.push({
      status: 200,
      body: {
        riskLevel: 'medium',
        riskPoints: 40,
        caseStatus: 'not-opened',
        customerId: 'rc_9',
        updatedAt: 'T',
      },
    });
    const c = customer();
    const result = await check(c, 'rc_9');
    expect(fake.requests).toEqual([
      {
        path: '/api/v2/customer-checks/check',
        apiKey: KEY,
        body: {
          externalId: c.external_identifier,
          customerId: 'rc_9',
          customerType: 'person',
          person: { firstName: 'Ada', lastName: 'Lovelace', dateOfBirth: '1815-12-10' },
          nationalities: ['GB'],
          countries: ['GB'],
          email: 'ada@example.com',
        },
      },
    ]);
    expect(result).toEqual<RiskCheckResult>({
      kind: 'scored',
      riskLevel: 'medium',
      riskPoints: 40,
      caseStatus: 'not-opened',
      customerId: 'rc_9',
      timestamps: { updatedAt: 'T' },
    });
  });

  it('answers a 202 as unscored, without a retry', async () => {
    fake.script.push({ status: 202, body: { status: 'accepted' } });
    await expect(check()).resolves.toEqual({ kind: 'unscored', reason: '202 accepted without a score' });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([400, 404, 422, 413])(
    'answers %i as unscored naming the status: a refusal of the data',
    async (status) => {
      fake.script.push({ status, body: { error: 'bad', message: 'Ada Lovelace is invalid' } });
      const result = await check();
      expect(result.kind).toBe('unscored');
      expect(result.kind === 'unscored' && result.reason).toContain(String(status));
      expect(JSON.stringify(result)).not.toContain('Lovelace');
    },
  );

  it.each<[string, Scripted]>([
    ['an empty 200', { status: 200 }],
    ['a 200 that is not JSON', { status: 200, raw: '<html>' }],
    ['a 200 without riskLevel', { status: 200, body: { caseStatus: 'open' } }],
    ['a redirect', { status: 302, headers: { location: 'http://elsewhere.example' } }],
  ])('answers %s as unscored', async (_what, scripted) => {
    fake.script.push(scripted);
    const result = await check();
    expect(result.kind).toBe('unscored');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 425 no sooner than 1 s, even when the retry policy caps the interval lower', async () => {
    fake.script.push({ status: 425 });
    const failure = await failureOf(check(customer(), undefined, { retryPolicy: { maximumInterval: 200 } }));
    expect(failure.type).toBe('RiskTooEarly');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(1_000);

    fake.script.push({ status: 425, headers: { 'retry-after': '3' } });
    const hinted = await failureOf(check());
    expect(hinted.nextRetryDelay).toBeGreaterThanOrEqual(3_000);
  });

  it('retries a 429 after its Retry-After, capped by the retry policy', async () => {
    fake.script.push({ status: 429, headers: { 'retry-after': '7' } });
    const failure = await failureOf(check());
    expect(failure.type).toBe('RiskRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_000);

    fake.script.push({ status: 429, headers: { 'retry-after': '120' } });
    const capped = await failureOf(
      check(customer(), undefined, { retryPolicy: { maximumInterval: 30_000 } }),
    );
    expect(capped.nextRetryDelay).toBe(30_000);
  });

  it.each([500, 502, 503, 504])('retries %i without a delay of its own', async (status) => {
    fake.script.push({ status, body: { message: 'Ada Lovelace broke us' } });
    const failure = await failureOf(check());
    expect(failure.type).toBe('RiskServerError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(failure.message).toBe(
      `risk API check failed: ${status} ${status === 500 ? 'Internal Server Error' : status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Gateway Timeout'}`,
    );
  });

  it.each([
    [401, 'RiskUnauthorized'],
    [403, 'RiskForbidden'],
  ])('retries %i (credentials) and logs an alert line without the key', async (status, type) => {
    fake.script.push({ status });
    const failure = await failureOf(check());
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(false);
    const alert = logger.lines.find((l) => l.startsWith('warn ALERT'));
    expect(alert).toContain(`"status":${status}`);
    expect(logger.lines.join('\n')).not.toContain(KEY);
  });

  it('retries when no answer comes: a timeout and a refused connection', async () => {
    const slow = Fastify();
    slow.post('/*', async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      return {};
    });
    await slow.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (slow.server.address() as AddressInfo).port;
      const timedOut = createRiskActivities({
        risk: createRiskClient({
          config: { baseUrl: `http://127.0.0.1:${port}`, apiKey: new Secret(KEY) },
          requestTimeoutMs: 200,
        }),
        logger,
      });
      const failure = await failureOf(runActivity(timedOut.checkCustomerRisk, { customer: customer() }));
      expect(failure.type).toBe('RiskTimeout');
      expect(failure.nonRetryable).toBe(false);
    } finally {
      await slow.close();
    }
    const refused = createRiskActivities({
      risk: createRiskClient({ config: { baseUrl: 'http://127.0.0.1:1', apiKey: new Secret(KEY) } }),
      logger,
    });
    const failure = await failureOf(runActivity(refused.checkCustomerRisk, { customer: customer() }));
    expect(failure.type).toBe('RiskNetwork');
    expect(failure.nonRetryable).toBe(false);
  });

  it('sends nothing for a customer the body cannot carry, and logs field names only', async () => {
    const nameless: MeshCustomer = {
      external_identifier: 'NAMELESS-1',
      person: {},
      email_address: 'who@example.com',
    };
    const result = await check(nameless);
    expect(result).toEqual({
      kind: 'unscored',
      reason: 'the customer cannot fill the risk request (person)',
    });
    expect(fake.requests).toHaveLength(0);
    expect(logger.lines.join('\n')).not.toContain('who@example.com');
  });

  it('never logs the personal data it sent', async () => {
    fake.script.push({ status: 200, body: { riskLevel: 'high', caseStatus: 'open', caseId: 'case_1' } });
    fake.script.push({ status: 422 });
    fake.script.push({ status: 503 });
    const c = customer('Zyxwvut');
    await check(c);
    await check(c);
    await failureOf(check(c));
    const logs = logger.lines.join('\n');
    expect(logs).toContain(c.external_identifier);
    for (const personal of ['Zyxwvut', 'ada@example.com', '1815', KEY]) expect(logs).not.toContain(personal);
  });
});

describe('checkCustomerRisk against the risk sandbox', () => {
  let sandbox: RiskSandbox;
  let control: RiskSandboxControl;
  let activities: ReturnType<typeof createRiskActivities>;

  beforeAll(async () => {
    sandbox = await startRiskSandbox({ apiKey: DEFAULT_RISK_API_KEY });
    control = new RiskSandboxControl(sandbox.url);
    activities = createRiskActivities({
      risk: createRiskClient({ config: { baseUrl: sandbox.url, apiKey: new Secret(DEFAULT_RISK_API_KEY) } }),
      logger: capturingLogger(),
    });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => control.reset());

  const run = (c: MeshCustomer, riskCustomerId?: string) =>
    runActivity(activities.checkCustomerRisk, {
      customer: c,
      ...(riskCustomerId !== undefined && { riskCustomerId }),
    });

  it('scores by name, keeps the customerId, and reads the case the analyst closed on a later check', async () => {
    const c = customer('Highmore');
    const first = await run(c);
    expect(first).toMatchObject({ kind: 'scored', riskLevel: 'high', caseStatus: 'open', riskPoints: 80 });
    if (first.kind !== 'scored') throw new Error('expected a score');
    expect(first.caseId).toMatch(/^rcase_/);
    expect(first.timestamps).toEqual({ createdAt: expect.any(String), updatedAt: expect.any(String) });

    await control.setCase(c.external_identifier, { caseStatus: 'closed' });
    // The real API refuses a second check of one customer within 1 s: the retry is Temporal's, after ≥ 1 s.
    const early = await failureOf(run(c, first.customerId));
    expect(early.type).toBe('RiskTooEarly');
    expect(early.nextRetryDelay).toBeGreaterThanOrEqual(1_000);
    await new Promise((r) => setTimeout(r, early.nextRetryDelay as number));
    const again = await run(c, first.customerId);
    expect(again).toMatchObject({
      kind: 'scored',
      customerId: first.customerId,
      caseId: first.caseId,
      caseStatus: 'closed',
    });
    expect((await control.customer(c.external_identifier)).checks).toBe(2);
  });

  it('keeps a level outside low/medium/high as received', async () => {
    await expect(run(customer('Severeson'))).resolves.toMatchObject({
      riskLevel: 'severe',
      caseStatus: 'not-opened',
    });
  });

  it('answers unscored for a 202 fault and for a customerId the sandbox does not know', async () => {
    await control.addFault({ kind: 'accepted', count: 1 });
    await expect(run(customer())).resolves.toEqual({
      kind: 'unscored',
      reason: '202 accepted without a score',
    });
    const result = await run(customer(), 'rc_not-this-one');
    expect(result).toEqual({ kind: 'unscored', reason: 'the risk API refused the request: 404 Not Found' });
  });

  it('retries while the API is down and scores once it is back', async () => {
    await control.down();
    const c = customer();
    const failure = await failureOf(run(c));
    expect(failure.type).toBe('RiskServerError');
    await control.down(false);
    await expect(run(c)).resolves.toMatchObject({ kind: 'scored', riskLevel: 'low' });
  });
});
