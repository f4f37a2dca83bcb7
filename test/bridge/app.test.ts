import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { WEBHOOK_ROUTE, type BridgeAppConfig } from '../../src/bridge/app';
import { DeliveryDedupe } from '../../src/bridge/delivery-dedupe';
import { Secret } from '../../src/providers/mesh/config';
import { buildTestBridge, type TestBridge } from './test-bridge';
import {
  casePayload,
  legacySignature,
  newSecret,
  standardWebhookHeaders,
  type CasePayloadOptions,
} from '../../testkit/webhooks';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only: jest on Node 20 cannot load it.
// It is only used for inject's `cookies` option, which these tests never pass. (A jest transform for
// node_modules/cookie would remove the need for this; see docs/bridge.md, "Tests".)
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const SECRET = newSecret();
const LEGACY = 'legacy-secret';

function testBridge(overrides: Partial<BridgeAppConfig> = {}): TestBridge {
  const bridge = buildTestBridge({
    webhookSecrets: [new Secret(SECRET)],
    legacySecret: new Secret(LEGACY),
    ...overrides,
  });
  bridge.signaller.runningOnboardings.add('CUST-12345');
  return bridge;
}

/** A JSON POST of `body` to the webhook route with `headers`. */
function post(body: string | Buffer, headers: Record<string, string>): InjectOptions {
  return {
    method: 'POST',
    url: WEBHOOK_ROUTE,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  };
}

/** A signed POST to the webhook route, exactly as Mesh sends it. */
function signed(body: string | Buffer, headers: Record<string, string> = {}, id?: string): InjectOptions {
  const signature = standardWebhookHeaders({ secret: SECRET, body, ...(id !== undefined && { id }) });
  return post(body, { ...signature, ...headers });
}

/** A POST signed only the guide's legacy way (`x-complyadvantage-signature`, no id, no timestamp). */
function legacyDelivery(body: string, headers: Record<string, string> = {}): InjectOptions {
  return post(body, { 'X-ComplyAdvantage-Signature': legacySignature(LEGACY, body), ...headers });
}

function delivery(options: CasePayloadOptions = {}, id?: string): InjectOptions {
  return signed(JSON.stringify(casePayload(options)), {}, id);
}

let t: TestBridge;
beforeEach(() => {
  t = testBridge();
});
afterEach(async () => {
  await t.app.close();
});

describe('accepted deliveries', () => {
  it('turns an onboarding decision into a caseDecision signal for onboarding-<external_identifier>', async () => {
    const res = await t.app.inject(delivery({ decisionType: 'NEGATIVE' }, 'msg_decision'));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'signalled', workflow: 'onboarding' });
    expect(t.signaller.calls).toEqual([
      {
        kind: 'onboarding',
        externalIdentifier: 'CUST-12345',
        decision: {
          caseIdentifier: 'case_xyz123',
          decisionType: 'NEGATIVE',
          caseType: 'CUSTOMER_ONBOARDING',
          stageIdentifier: 'stage_def456',
          stageName: 'False Positive',
          source: 'webhook',
          webhookId: 'msg_decision',
          receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    ]);
  });

  it('relays in-progress events too, with a null decision, so the workflow can record the stage', async () => {
    const res = await t.app.inject(delivery({ decisionType: null, webhookType: 'CASE_STAGE_UPDATED' }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.calls[0]?.decision.decisionType).toBeNull();
  });

  it('falls back to the deprecated case_state when there is no case_stage', async () => {
    const payload: Record<string, unknown> = {
      ...casePayload({ webhookType: 'CASE_STATE_UPDATED' }),
      case_state: 'CASE_STATE_NEGATIVE_END_STATE',
    };
    delete payload.case_stage;
    const res = await t.app.inject(signed(JSON.stringify(payload)));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.calls[0]?.decision.decisionType).toBe('NEGATIVE');
  });

  it('passes an unknown decision type through to the workflow instead of refusing it', async () => {
    const res = await t.app.inject(delivery({ decisionType: 'REFER_TO_MLRO' }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.calls[0]?.decision.decisionType).toBe('REFER_TO_MLRO');
  });

  it('starts or signals the monitoring-case review for a CUSTOMER_MONITORING case', async () => {
    const res = await t.app.inject(
      delivery({
        webhookType: 'CASE_CREATED',
        caseType: 'CUSTOMER_MONITORING',
        caseIdentifier: 'case_m1',
        decisionType: null,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'signalled', workflow: 'monitoring-case' });
    expect(t.signaller.calls).toEqual([
      expect.objectContaining({
        kind: 'monitoring',
        review: {
          caseIdentifier: 'case_m1',
          externalIdentifier: 'CUST-12345',
          customerIdentifier: 'cust_abc789',
        },
      }),
    ]);
  });

  it('acknowledges a decision for a monitoring case whose review already ended, without re-opening it', async () => {
    t.signaller.closedCases.add('case_m2');
    const res = await t.app.inject(delivery({ caseType: 'CUSTOMER_MONITORING', caseIdentifier: 'case_m2' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'case-closed', workflow: 'monitoring-case' });
  });

  it('acknowledges a webhook for a customer with no running onboarding (never starts one)', async () => {
    const res = await t.app.inject(delivery({ externalIdentifier: 'CUST-UNKNOWN' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'no-running-workflow', workflow: 'onboarding' });
    expect(t.signaller.calls).toEqual([]);
  });

  it('acknowledges and ignores the v1 twin of an event', async () => {
    const res = await t.app.inject(delivery({ apiVersion: 'v1' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: 'api-version' });
    expect(t.signaller.calls).toEqual([]);
  });

  it.each([
    ['webhook type', { webhookType: 'CUSTOMER_RISK_LEVEL_INCREASED' }, 'webhook-type'],
    ['case type', { caseType: 'TRANSACTION_MONITORING' }, 'case-type'],
  ])('accepts an unknown %s with 200 and leaves the workflows alone', async (_name, options, reason) => {
    const payload = { ...casePayload(options), brand_new_field: { nested: true } };
    const res = await t.app.inject(signed(JSON.stringify(payload)));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason });
    expect(t.signaller.calls).toEqual([]);
  });

  it('accepts header names in any letter case', async () => {
    const body = JSON.stringify(casePayload());
    const headers = standardWebhookHeaders({ secret: SECRET, body });
    const res = await t.app.inject({
      method: 'POST',
      url: WEBHOOK_ROUTE,
      payload: body,
      headers: {
        'Content-Type': 'application/json',
        'Webhook-Id': headers['webhook-id']!,
        'WEBHOOK-TIMESTAMP': headers['webhook-timestamp']!,
        'webhook-Signature': headers['webhook-signature']!,
      },
    });
    expect(res.statusCode).toBe(200);
  });

  it("accepts the legacy signature scheme when configured, and signals its body's SHA-256 as the webhook id", async () => {
    const body = JSON.stringify(casePayload());
    const res = await t.app.inject(legacyDelivery(body));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.calls[0]?.decision.webhookId).toBe(
      `legacy-sha256:${createHash('sha256').update(body).digest('hex')}`,
    );
  });

  it('verifies and parses the body whatever content type the sender declares', async () => {
    const body = JSON.stringify(casePayload());
    const res = await t.app.inject(signed(body, { 'content-type': 'text/plain; charset=utf-8' }));
    expect(res.statusCode).toBe(200);
  });
});

describe('delivery semantics', () => {
  it('answers a repeated delivery (same webhook-id) with 200 and does not signal again', async () => {
    const first = delivery({}, 'msg_repeat');
    const again = { ...first };
    expect((await t.app.inject(first)).statusCode).toBe(200);
    const second = await t.app.inject(again);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ status: 'signalled', workflow: 'onboarding', duplicate: true });
    expect(t.signaller.calls).toHaveLength(1);
  });

  it('answers a replayed legacy delivery (same bytes) as a duplicate and does not signal again', async () => {
    const body = JSON.stringify(casePayload());
    expect((await t.app.inject(legacyDelivery(body))).statusCode).toBe(200);
    const replay = await t.app.inject(legacyDelivery(body));
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ status: 'signalled', workflow: 'onboarding', duplicate: true });
    expect(t.signaller.calls).toHaveLength(1);

    // Another event (other bytes) is not a duplicate.
    const other = JSON.stringify(casePayload({ decisionType: 'NEGATIVE' }));
    expect((await t.app.inject(legacyDelivery(other))).json()).toEqual({
      status: 'signalled',
      workflow: 'onboarding',
    });
    expect(t.signaller.calls).toHaveLength(2);
  });

  it('remembers a legacy delivery at the bridge for the 5-minute signature window, a webhook-id for the configured time', async () => {
    const run = jest.spyOn(DeliveryDedupe.prototype, 'run');
    try {
      const body = JSON.stringify(casePayload());
      await t.app.inject(legacyDelivery(body));
      await t.app.inject(delivery({}, 'msg_ttl'));
      expect(run.mock.calls.map(([key, , options]) => [key, options])).toEqual([
        [`legacy-sha256:${createHash('sha256').update(body).digest('hex')}`, { ttlMs: 5 * 60 * 1000 }],
        ['msg_ttl', {}],
      ]);
    } finally {
      run.mockRestore();
    }
  });

  it('signals once when two copies of one delivery arrive at the same time', async () => {
    let release!: () => void;
    t.signaller.hold = new Promise((resolve) => (release = resolve));
    const request = delivery({}, 'msg_concurrent');
    const both = Promise.all([t.app.inject(request), t.app.inject({ ...request })]);
    release();
    const [a, b] = await both;
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(t.signaller.calls).toHaveLength(1);
  });

  it('relays deliveries that arrive out of order as they come; different ids are not duplicates', async () => {
    expect((await t.app.inject(delivery({ decisionType: 'POSITIVE' }, 'msg_late_decision'))).statusCode).toBe(
      200,
    );
    expect((await t.app.inject(delivery({ decisionType: null }, 'msg_early_stage'))).statusCode).toBe(200);
    expect(t.signaller.calls.map((c) => c.decision.decisionType)).toEqual(['POSITIVE', null]);
  });

  it('answers 503 while Temporal is unreachable, then 200 when the sender retries the same delivery', async () => {
    t.signaller.unavailable = 1;
    const request = delivery({}, 'msg_retry');

    const refused = await t.app.inject(request);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'temporarily unavailable, retry later',
    });
    expect(t.signaller.calls).toHaveLength(0);

    const retried = await t.app.inject({ ...request });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ status: 'signalled', workflow: 'onboarding' });
    expect(t.signaller.calls).toHaveLength(1);
  });

  it('answers 500 without details when the signal fails for an unexpected reason', async () => {
    t.signaller.signalOnboarding = () =>
      Promise.reject(new Error('namespace kyc-secret-ns not found at 10.0.0.7'));
    const res = await t.app.inject(delivery());
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('10.0.0.7');
    expect(res.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
    });
  });
});

describe('refused deliveries', () => {
  it('answers 400 to a signed body that is not JSON', async () => {
    const res = await t.app.inject(signed('this is not json'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message: 'body is not valid JSON' });
  });

  it('answers 400 to a signed empty body', async () => {
    const res = await t.app.inject(signed(''));
    expect(res.statusCode).toBe(400);
  });

  it('answers 400 naming customer.external_identifier when it is missing', async () => {
    const payload = casePayload();
    payload.customer = { identifier: 'cust_abc789' };
    const res = await t.app.inject(signed(JSON.stringify(payload)));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/^customer\.external_identifier: required/);
  });

  it('answers 400 naming the decision field when a case transition carries neither case_stage nor case_state', async () => {
    const payload = casePayload();
    delete payload.case_stage;
    delete payload.case_state;
    const res = await t.app.inject(signed(JSON.stringify(payload)));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(
      /^case_stage\.decision_type: required for CASE_TRANSITIONED/,
    );
  });

  it.each([
    ['no signature headers', {}],
    ['a signature by another secret', standardWebhookHeaders({ secret: newSecret(), body: 'x' })],
  ])('answers 401 to a delivery with %s and signals nothing', async (_name, headers) => {
    const res = await t.app.inject({
      method: 'POST',
      url: WEBHOOK_ROUTE,
      payload: JSON.stringify(casePayload()),
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing or invalid webhook signature',
    });
    expect(t.signaller.calls).toEqual([]);
  });

  it.each([
    ['a garbled webhook-signature', { 'webhook-signature': 'v1,AAAA' }],
    ['a stale webhook-timestamp', { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) }],
    ['webhook-id alone, the other two stripped', { 'webhook-timestamp': '', 'webhook-signature': '' }],
  ])(
    'answers 401 to a delivery with %s even though its legacy signature is valid',
    async (_name, override) => {
      const body = JSON.stringify(casePayload());
      const standard: Record<string, string> = {
        ...standardWebhookHeaders({ secret: SECRET, body }),
        ...override,
      };
      for (const [name, value] of Object.entries(standard)) if (value === '') delete standard[name];
      const res = await t.app.inject(legacyDelivery(body, standard));
      expect(res.statusCode).toBe(401);
      expect(t.signaller.calls).toEqual([]);
    },
  );

  it('answers 401 to a stale delivery even though its signature is right', async () => {
    const body = JSON.stringify(casePayload());
    const stale = standardWebhookHeaders({
      secret: SECRET,
      body,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const res = await t.app.inject({ method: 'POST', url: WEBHOOK_ROUTE, payload: body, headers: stale });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 before parsing: an unsigned non-JSON body is not a 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: WEBHOOK_ROUTE, payload: 'not json' });
    expect(res.statusCode).toBe(401);
  });

  it('answers 413 to a body over 1 MiB before looking at it', async () => {
    const big = JSON.stringify({ ...casePayload(), padding: 'x'.repeat(1024 * 1024) });
    const res = await t.app.inject(signed(big));
    expect(res.statusCode).toBe(413);
    expect(t.signaller.calls).toEqual([]);
  });

  it.each([
    ['GET', '/'],
    ['GET', WEBHOOK_ROUTE],
    ['POST', '/webhooks/complyadvantage/extra'],
    ['POST', '/webhooks/other'],
    ['HEAD', '/healthz'],
    ['GET', '/metrics'],
  ] as const)('answers 404 to %s %s', async (method, url) => {
    const res = await t.app.inject({ method, url });
    expect(res.statusCode).toBe(404);
    if (method !== 'HEAD')
      expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such route' });
  });
});

describe('health', () => {
  it('reports the process up on /healthz', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it('reports ready on /readyz only while Temporal answers', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    t.signaller.ready = false;
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'temporal-unreachable' });
  });
});

describe('logs', () => {
  it('name the delivery by its identifiers and never contain bodies, names or signatures', async () => {
    const payload = casePayload();
    (payload.customer as Record<string, unknown>).person = { first_name: 'Viktor', last_name: 'Bout' };
    const body = JSON.stringify(payload);
    const request = signed(body, {}, 'msg_logged');
    await t.app.inject(request);
    await t.app.inject(signed('not json'));
    await t.app.inject({ ...request, headers: { ...request.headers, 'webhook-signature': 'v1,AAAA' } });

    const all = t.logs.join('');
    expect(all).toContain('msg_logged');
    expect(all).toContain('CUST-12345');
    expect(all).toContain('case_xyz123');
    expect(all).not.toContain('Bout');
    expect(all).not.toContain('Confirmed false positive');
    expect(all).not.toContain(
      String((request.headers as Record<string, string>)['webhook-signature']).slice(3),
    );
    expect(all).not.toContain(SECRET);
  });
});
