/**
 * `POST /webhooks/cos` through Fastify's inject with the stub signaller: HTTP Basic before anything is
 * parsed, the envelope rules, one `routeCoreEvent` per customer with bounded concurrency, dedupe by event
 * id, and every answer.
 */
import type { InjectOptions } from 'fastify';
import { COS_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { BRIDGE_ENV_VARIABLES, loadBridgeConfig } from '../../src/bridge/config';
import { COS_ROUTING_CONCURRENCY } from '../../src/bridge/cos-route';
import { createBridgeMetrics, instrumentBridge } from '../../src/bridge/metrics';
import { CORE_OFAC_CHANGED, CORE_PEP_CHANGED } from '../../src/contracts/core-banking';
import { Secret } from '../../src/platform/config/secret';
import { configProblems } from '../helpers/config';
import { buildTestBridge, type TestBridge } from './test-bridge';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only: jest on Node 20 cannot load it.
// It is only used for inject's `cookies` option, which these tests never pass (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const USERNAME = 'cos-partner';
const PASSWORD = 'pä$$word:with:colons';

/**
 * `credentials` 'absent': no such field, as in a config built before the route existed; 'unset': the field
 * is there, undefined, as loadBridgeConfig leaves it without COS_WEBHOOK_USERNAME / COS_WEBHOOK_PASSWORD.
 */
function testBridge(
  credentials: { username: string; password: string } | 'unset' | 'absent' = {
    username: USERNAME,
    password: PASSWORD,
  },
): TestBridge {
  return buildTestBridge(
    credentials === 'absent'
      ? {}
      : {
          cosWebhookCredentials:
            credentials === 'unset'
              ? undefined
              : { username: new Secret(credentials.username), password: new Secret(credentials.password) },
        },
  );
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

const CUSTOMER_A = '9052b6a5-3f09-41d1-b526-ade80104eb79';
const CUSTOMER_B = '1b7c0c52-1f7e-4c39-9d0e-5a3e2c1d0b9a';
const CUSTOMER_C = 'c0ffee00-0000-4000-8000-000000000001';

/** An event as the COS tutorial shows it. */
function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '45db5592-56ee-41f5-85e7-ade8010571ce',
    eventName: CORE_OFAC_CHANGED,
    status: 'Pending',
    partnerId: '30dee145-b6a2-4058-8dc3-ac4000dee91f',
    createdAt: '2021-11-22T10:51:53.657-05:00',
    resources: [`core/v1/cm/customers/${CUSTOMER_A}`],
    details: [],
    ...overrides,
  };
}

function post(body: string | Buffer, headers: Record<string, string> = {}): InjectOptions {
  return {
    method: 'POST',
    url: COS_WEBHOOK_ROUTE,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  };
}

function authed(body: string | Buffer): InjectOptions {
  return post(body, { authorization: basic(USERNAME, PASSWORD) });
}

function delivery(overrides: Record<string, unknown> = {}): InjectOptions {
  return authed(JSON.stringify(event(overrides)));
}

const summary = (s: Partial<Record<'routed' | 'reviewsStarted' | 'notOurs' | 'skipped', number>>) => ({
  status: 'routed',
  routed: 0,
  reviewsStarted: 0,
  notOurs: 0,
  skipped: 0,
  ...s,
});

let t: TestBridge;
beforeEach(() => {
  t = testBridge();
});
afterEach(async () => {
  await t.app.close();
});

describe('authenticated events', () => {
  it.each([CORE_OFAC_CHANGED, CORE_PEP_CHANGED])(
    'hands the customer of a %s event to the signaller',
    async (eventName) => {
      const res = await t.app.inject(delivery({ eventName }));

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(summary({ routed: 1 }));
      expect(t.signaller.coreCalls).toEqual([
        {
          eventId: '45db5592-56ee-41f5-85e7-ade8010571ce',
          eventName,
          coreCustomerId: CUSTOMER_A,
          receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      expect(t.signaller.calls).toEqual([]);
      expect(t.signaller.complyCubeCalls).toEqual([]);
    },
  );

  it('routes every customer of a batch once, and answers how each went', async () => {
    t.signaller.coreAnswers.set(CUSTOMER_B, 'review-started');
    t.signaller.coreAnswers.set(CUSTOMER_C, 'not-ours');
    const res = await t.app.inject(
      delivery({
        resources: [
          `core/v1/cm/customers/${CUSTOMER_A}`,
          `/core/v1/cm/customers/${CUSTOMER_B}`,
          `/v1/cm/customers/${CUSTOMER_C}`,
          // The same customer twice in one event is routed once.
          `core/v1/cm/customers/${CUSTOMER_A}`,
        ],
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(summary({ routed: 1, reviewsStarted: 1, notOurs: 1 }));
    // The miss is looked up once more (visibility may not have indexed a customer created a moment ago).
    expect(t.signaller.coreCalls.map((c) => c.coreCustomerId).sort()).toEqual(
      [CUSTOMER_A, CUSTOMER_B, CUSTOMER_C, CUSTOMER_C].sort(),
    );
    expect(new Set(t.signaller.coreCalls.map((c) => c.eventId)).size).toBe(1);
  });

  it('routes a customer visibility did not know at the first look, after one wait for the whole batch', async () => {
    t.signaller.coreMissesFirst.set(CUSTOMER_B, 1);
    t.signaller.coreMissesFirst.set(CUSTOMER_C, 1);
    const res = await t.app.inject(
      delivery({
        resources: [
          `core/v1/cm/customers/${CUSTOMER_A}`,
          `core/v1/cm/customers/${CUSTOMER_B}`,
          `core/v1/cm/customers/${CUSTOMER_C}`,
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(summary({ routed: 3 }));
    expect(t.signaller.coreCalls.map((c) => c.coreCustomerId).sort()).toEqual(
      [CUSTOMER_A, CUSTOMER_B, CUSTOMER_B, CUSTOMER_C, CUSTOMER_C].sort(),
    );
  });

  it('skips and counts resources that are not a customer path, routing the rest', async () => {
    const res = await t.app.inject(
      delivery({
        resources: [
          `core/v1/dda/accounts/${CUSTOMER_B}`,
          `core/v1/cm/customers/${CUSTOMER_A}/addresses`,
          'core/v1/cm/customers/',
          "core/v1/cm/customers/x' OR KycCoreState = 'CORE_READY",
          `core/v1/cm/customers/${'a'.repeat(65)}`,
          42,
          null,
          { path: `core/v1/cm/customers/${CUSTOMER_C}` },
          `core/v1/cm/customers/${CUSTOMER_A}`,
        ],
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(summary({ routed: 1, skipped: 8 }));
    expect(t.signaller.coreCalls.map((c) => c.coreCustomerId)).toEqual([CUSTOMER_A]);
  });

  it('answers an event with no resources at all with an empty summary', async () => {
    const res = await t.app.inject(delivery({ resources: [] }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(summary({}));
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it(`routes thousands of customers of one event, at most ${COS_ROUTING_CONCURRENCY} at a time`, async () => {
    const ids = Array.from(
      { length: 2000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const res = await t.app.inject(delivery({ resources: ids.map((id) => `core/v1/cm/customers/${id}`) }));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(summary({ routed: 2000 }));
    expect(t.signaller.coreCalls).toHaveLength(2000);
    expect(t.signaller.coreMaxInFlight).toBeGreaterThan(1);
    expect(t.signaller.coreMaxInFlight).toBeLessThanOrEqual(COS_ROUTING_CONCURRENCY);
  });

  it('acknowledges a ping and signals nothing, whatever else it holds', async () => {
    for (const ping of [
      event({ isPing: true }),
      { isPing: true },
      { id: 'ping-1', eventName: 'Core.Customer.Onboarded', isPing: true, resources: 'not a list' },
    ]) {
      const res = await t.app.inject(authed(JSON.stringify(ping)));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ignored', reason: 'ping' });
    }
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it.each(['Core.Customer.Onboarded', 'Core.Account.Opened', 'core.customer.ofac.changed', 'Something.New'])(
    'acknowledges %s (an event we do not route) and signals nothing, even without resources',
    async (eventName) => {
      for (const body of [event({ eventName }), event({ eventName, resources: undefined })]) {
        const res = await t.app.inject(authed(JSON.stringify(body)));
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ status: 'ignored', reason: 'event-name' });
      }
      expect(t.signaller.coreCalls).toEqual([]);
    },
  );

  it('ignores the fields it does not use, whatever their shape', async () => {
    const res = await t.app.inject(
      delivery({ status: 7, partnerId: null, createdAt: 'yesterday', details: 'x', lastAttemptedAt: {} }),
    );
    expect(res.statusCode).toBe(200);
    expect(t.signaller.coreCalls).toHaveLength(1);
  });

  it('leaves the other routes as they were', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/complyadvantage',
      payload: JSON.stringify(event()),
      headers: { authorization: basic(USERNAME, PASSWORD) },
    });
    // Basic credentials mean nothing there.
    expect(res.statusCode).toBe(401);
    expect(t.signaller.coreCalls).toEqual([]);
  });
});

describe('delivery semantics', () => {
  it('routes a redelivered event (same id) once and answers the repeat as a duplicate', async () => {
    expect((await t.app.inject(delivery())).statusCode).toBe(200);
    // COS's retry of the same event; the bytes may differ, the id does not.
    const again = await t.app.inject(delivery({ status: 'Retrying' }));

    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...summary({ routed: 1 }), duplicate: true });
    expect(t.signaller.coreCalls).toHaveLength(1);

    // Another event about the same customer is not a duplicate.
    const other = await t.app.inject(delivery({ id: 'a5000831-3e01-4231-9ec2-ade8010571c5' }));
    expect(other.json()).toEqual(summary({ routed: 1 }));
    expect(t.signaller.coreCalls).toHaveLength(2);
  });

  it('answers 503 when Temporal is unreachable for one customer, then routes the whole event on the retry', async () => {
    t.signaller.coreUnavailable.add(CUSTOMER_B);
    const body = {
      resources: [CUSTOMER_A, CUSTOMER_B, CUSTOMER_C].map((id) => `core/v1/cm/customers/${id}`),
    };

    const refused = await t.app.inject(delivery(body));
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'temporarily unavailable, retry later',
    });

    // Not remembered as done: COS's retry routes every customer again (the runs dedupe by event id).
    t.signaller.coreUnavailable.clear();
    t.signaller.coreCalls.length = 0;
    const retried = await t.app.inject(delivery(body));
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual(summary({ routed: 3 }));
    expect(t.signaller.coreCalls.map((c) => c.coreCustomerId).sort()).toEqual(
      [CUSTOMER_A, CUSTOMER_B, CUSTOMER_C].sort(),
    );
  });

  it('answers 503 when Temporal is down altogether', async () => {
    t.signaller.unavailable = 100;
    const res = await t.app.inject(delivery());
    expect(res.statusCode).toBe(503);
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it('stops handing out customers after the first failure', async () => {
    const ids = Array.from(
      { length: 500 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    t.signaller.coreUnavailable.add(ids[0]!);
    const res = await t.app.inject(delivery({ resources: ids.map((id) => `core/v1/cm/customers/${id}`) }));
    expect(res.statusCode).toBe(503);
    expect(t.signaller.coreCalls.length).toBeLessThan(2 * COS_ROUTING_CONCURRENCY);
  });

  it('routes once when two copies of one event arrive at the same time', async () => {
    let release!: () => void;
    t.signaller.hold = new Promise((resolve) => (release = resolve));
    const both = Promise.all([t.app.inject(delivery()), t.app.inject(delivery())]);
    release();
    const [a, b] = await both;
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(t.signaller.coreCalls).toHaveLength(1);
  });
});

describe('refused deliveries', () => {
  const unauthorized = {
    statusCode: 401,
    error: 'Unauthorized',
    message: 'missing or invalid credentials',
  };

  it.each([
    ['no Authorization header', {}],
    ['an empty header', { authorization: '' }],
    ['the wrong password', { authorization: basic(USERNAME, 'wrong') }],
    ['the wrong user name', { authorization: basic('someone', PASSWORD) }],
    ['the password cut at a colon', { authorization: basic(USERNAME, 'pä$$word') }],
    ['user and password swapped', { authorization: basic(PASSWORD, USERNAME) }],
    ['no colon in the credentials', { authorization: `Basic ${Buffer.from(USERNAME).toString('base64')}` }],
    [
      'a Bearer token',
      { authorization: `Bearer ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}` },
    ],
    ['credentials that are not base64', { authorization: `Basic ${USERNAME}:${PASSWORD}` }],
    ['the scheme alone', { authorization: 'Basic' }],
    ['empty credentials', { authorization: basic('', '') }],
  ])('answers 401 to a delivery with %s and signals nothing', async (_name, headers) => {
    const res = await t.app.inject(post(JSON.stringify(event()), headers));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="kyc-bridge"');
    expect(res.json()).toEqual(unauthorized);
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it('accepts the scheme in any letter case', async () => {
    const header = basic(USERNAME, PASSWORD).replace('Basic', 'bAsIc');
    const res = await t.app.inject(post(JSON.stringify(event()), { authorization: header }));
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 before parsing: an unauthenticated non-JSON body is not a 400', async () => {
    const res = await t.app.inject(post('not json'));
    expect(res.statusCode).toBe(401);
  });

  it('answers 400 to an authenticated body that is not JSON', async () => {
    const res = await t.app.inject(authed('{"id": "evt_1", "eventName": '));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid JSON' });
  });

  it.each([
    ['JSON that is not an object', '["Core.Customer.Ofac.Changed"]', /^body: expected a JSON object/],
    ['no id', JSON.stringify(event({ id: undefined })), /^id: required, the event's id/],
    ['an id with spaces', JSON.stringify(event({ id: 'evt 1' })), /^id: required/],
    ['an id that is a number', JSON.stringify(event({ id: 7 })), /^id: required/],
    ['no eventName', JSON.stringify(event({ eventName: undefined })), /^eventName: required, the event name/],
    ['an empty eventName', JSON.stringify(event({ eventName: '' })), /^eventName: required/],
    [
      'no resources',
      JSON.stringify(event({ resources: undefined })),
      /^resources: required for the routed events/,
    ],
    [
      'resources that are not a list',
      JSON.stringify(event({ resources: `core/v1/cm/customers/${CUSTOMER_A}` })),
      /^resources: required/,
    ],
  ])('answers 400 to an authenticated body with %s, naming the field', async (_name, body, message) => {
    const res = await t.app.inject(authed(body));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(message);
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it('answers 413 to a body over 4 MiB before looking at it', async () => {
    const big = JSON.stringify(event({ padding: 'x'.repeat(4 * 1024 * 1024) }));
    const res = await t.app.inject(authed(big));
    expect(res.statusCode).toBe(413);
    expect(t.signaller.coreCalls).toEqual([]);
  });

  it("takes an event naming 50,000 customers (COS batches up to that many), over the other routes' 1 MiB", async () => {
    const resources = Array.from(
      { length: 50_000 },
      (_, i) => `core/v1/cm/customers/${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    );
    const body = JSON.stringify(event({ resources }));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await t.app.inject(authed(body));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.coreCalls).toHaveLength(50_000);
  });

  it.each([
    ['GET', COS_WEBHOOK_ROUTE],
    ['POST', `${COS_WEBHOOK_ROUTE}/extra`],
  ] as const)('answers 404 to %s %s', async (method, url) => {
    expect((await t.app.inject({ method, url })).statusCode).toBe(404);
  });
});

describe('the route switched off', () => {
  it.each([
    ['absent from the config', 'absent' as const],
    ['unset', 'unset' as const],
  ])(
    'does not exist when the credentials are %s: 404, like any unknown route',
    async (_name, credentials) => {
      const off = testBridge(credentials);
      try {
        const res = await off.app.inject(delivery());
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such route' });
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(off.signaller.coreCalls).toEqual([]);
      } finally {
        await off.app.close();
      }
    },
  );
});

describe('configuration: COS_WEBHOOK_USERNAME and COS_WEBHOOK_PASSWORD', () => {
  const MESH = { WEBHOOK_SECRET: Buffer.from('a'.repeat(32)).toString('base64') };

  it('are optional: neither set (or both empty), the route is off', () => {
    expect(loadBridgeConfig(MESH).cosWebhookCredentials).toBeUndefined();
    expect(
      loadBridgeConfig({ ...MESH, COS_WEBHOOK_USERNAME: '', COS_WEBHOOK_PASSWORD: '' }).cosWebhookCredentials,
    ).toBeUndefined();
  });

  it('both set: the credentials, kept as secrets', () => {
    const config = loadBridgeConfig({
      ...MESH,
      COS_WEBHOOK_USERNAME: USERNAME,
      COS_WEBHOOK_PASSWORD: PASSWORD,
    });
    expect(config.cosWebhookCredentials?.username.reveal()).toBe(USERNAME);
    expect(config.cosWebhookCredentials?.password.reveal()).toBe(PASSWORD);
    const printed = JSON.stringify(config);
    expect(printed).not.toContain(USERNAME);
    expect(printed).not.toContain(PASSWORD);
  });

  it.each([
    [
      'the password without the user name',
      { COS_WEBHOOK_PASSWORD: PASSWORD },
      /^COS_WEBHOOK_USERNAME: required when COS_WEBHOOK_PASSWORD is set/,
    ],
    [
      'the user name without the password',
      { COS_WEBHOOK_USERNAME: USERNAME },
      /^COS_WEBHOOK_PASSWORD: required when COS_WEBHOOK_USERNAME is set/,
    ],
    [
      'a user name with a colon',
      { COS_WEBHOOK_USERNAME: 'cos:partner', COS_WEBHOOK_PASSWORD: PASSWORD },
      /^COS_WEBHOOK_USERNAME: expected a user name without a colon/,
    ],
  ])('refuses %s, naming the variable', (_name, env, problem) => {
    expect(configProblems(loadBridgeConfig, { ...MESH, ...env })).toEqual([expect.stringMatching(problem)]);
  });

  it('are among the variables the bridge reads', () => {
    expect(BRIDGE_ENV_VARIABLES).toEqual(
      expect.arrayContaining(['COS_WEBHOOK_USERNAME', 'COS_WEBHOOK_PASSWORD']),
    );
  });
});

describe('logs and metrics', () => {
  it('write one line per delivery with ids and counts, never bodies or credentials', async () => {
    t.signaller.coreAnswers.set(CUSTOMER_B, 'not-ours');
    await t.app.inject(
      delivery({
        resources: [`core/v1/cm/customers/${CUSTOMER_A}`, `core/v1/cm/customers/${CUSTOMER_B}`, 'junk'],
        details: [{ name: 'Viktor Bout' }],
      }),
    );
    await t.app.inject(post(JSON.stringify(event()), { authorization: basic(USERNAME, 'forged') }));

    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['msg'] === 'webhook handled')).toEqual([
      expect.objectContaining({
        provider: 'cos',
        eventId: '45db5592-56ee-41f5-85e7-ade8010571ce',
        eventName: CORE_OFAC_CHANGED,
        customers: 2,
        outcome: 'routed',
        routed: 1,
        notOurs: 1,
        skipped: 1,
        notOursCustomerIds: [CUSTOMER_B],
        duplicate: false,
      }),
    ]);
    expect(lines.filter((l) => l['msg'] === 'webhook signature rejected')).toEqual([
      expect.objectContaining({ provider: 'cos', reason: 'no-matching-signature' }),
    ]);
    // Fastify's own request lines are off for this route, as for the others.
    expect(lines.filter((l) => l['msg'] === 'incoming request')).toEqual([]);
    const all = t.logs.join('');
    expect(all).not.toContain('Bout');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(basic(USERNAME, PASSWORD).slice('Basic '.length));
  });

  it('count requests under the route label, events by outcome and customers by outcome', async () => {
    const metrics = createBridgeMetrics({ processMetrics: false });
    instrumentBridge(t.app, metrics);
    t.signaller.coreAnswers.set(CUSTOMER_B, 'review-started');
    t.signaller.coreAnswers.set(CUSTOMER_C, 'not-ours');

    const resources = [CUSTOMER_A, CUSTOMER_B, CUSTOMER_C].map((id) => `core/v1/cm/customers/${id}`);
    await t.app.inject(delivery({ resources: [...resources, 'junk'] }));
    await t.app.inject(delivery({ resources: [...resources, 'junk'] }));
    await t.app.inject(delivery({ isPing: true }));
    await t.app.inject(delivery({ eventName: 'Core.Customer.Onboarded' }));
    await t.app.inject(post(JSON.stringify(event())));
    await t.app.inject(delivery({ id: undefined }));
    t.signaller.unavailable = 1;
    await t.app.inject(delivery({ id: 'evt-unavailable' }));

    const values = async (counter: typeof metrics.cosEvents): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await counter.get()).values.map((v): [string, number] => [String(v.labels.outcome), v.value]),
      );
    expect(await values(metrics.cosEvents)).toEqual({
      routed: 1,
      duplicate: 1,
      ping: 1,
      ignored: 1,
      unauthorized: 1,
      invalid: 1,
      unavailable: 1,
    });
    // The duplicate's customers were routed once and are counted once.
    expect(await values(metrics.cosCustomers)).toEqual({
      signalled: 1,
      'review-started': 1,
      'not-ours': 1,
      skipped: 1,
    });
    expect((await metrics.requests.get()).values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { status_code: '200', route: COS_WEBHOOK_ROUTE }, value: 4 }),
        expect.objectContaining({ labels: { status_code: '401', route: COS_WEBHOOK_ROUTE }, value: 1 }),
        expect.objectContaining({ labels: { status_code: '400', route: COS_WEBHOOK_ROUTE }, value: 1 }),
        expect.objectContaining({ labels: { status_code: '503', route: COS_WEBHOOK_ROUTE }, value: 1 }),
      ]),
    );
  });
});
