/**
 * `POST /webhooks/complycube` through Fastify's inject with the stub signaller: ComplyCube's signature over
 * the raw bytes (two secrets while rotating), the payload rules, dedupe by event id, and every answer.
 */
import { createHmac } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { COMPLYCUBE_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeMetrics, instrumentBridge } from '../../src/bridge/metrics';
import { Secret } from '../../src/platform/config/secret';
import { buildTestBridge, type TestBridge } from './test-bridge';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only: jest on Node 20 cannot load it.
// It is only used for inject's `cookies` option, which these tests never pass (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const OLD_SECRET = 'cc-webhook-secret-old-Ünïcode';
const NEW_SECRET = 'cc-webhook-secret-new';

/** `complyCubeSecrets` 'absent': no such field, as in a config built before the route existed. */
function testBridge(
  complyCubeSecrets: Secret[] | 'absent' = [new Secret(OLD_SECRET), new Secret(NEW_SECRET)],
): TestBridge {
  return buildTestBridge(
    complyCubeSecrets === 'absent' ? {} : { complyCubeWebhookSecrets: complyCubeSecrets },
  );
}

/** ComplyCube's signature: hex HMAC-SHA256 of the raw bytes, keyed with the secret as UTF-8 text. */
function signatureOf(secret: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/** An event as ComplyCube sends it (the envelope of its docs and Node SDK). */
function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt_5f0d8f4c1a2b',
    type: 'check.completed.attention',
    resourceType: 'check',
    payload: {
      id: 'chk_5e9f1a7b3c',
      type: 'standard_screening_check',
      clientId: 'cli_0a1b2c',
      status: 'complete',
      outcome: 'attention',
      createdAt: '2026-11-20T10:00:00.000Z',
      updatedAt: '2026-11-20T10:00:05.000Z',
    },
    createdAt: '2026-11-20T10:00:05.100Z',
    ...overrides,
  };
}

function post(body: string | Buffer, headers: Record<string, string> = {}): InjectOptions {
  return {
    method: 'POST',
    url: COMPLYCUBE_WEBHOOK_ROUTE,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  };
}

function signed(body: string | Buffer, secret = NEW_SECRET): InjectOptions {
  return post(body, { 'ComplyCube-Signature': signatureOf(secret, body) });
}

function delivery(overrides: Record<string, unknown> = {}, secret = NEW_SECRET): InjectOptions {
  return signed(JSON.stringify(event(overrides)), secret);
}

let t: TestBridge;
beforeEach(() => {
  t = testBridge();
});
afterEach(async () => {
  await t.app.close();
});

describe('verified check events', () => {
  it.each([
    ['the new secret', NEW_SECRET],
    ['the old secret (still configured while rotating)', OLD_SECRET],
  ])('relays a check event signed with %s to the check event workflow', async (_name, secret) => {
    const res = await t.app.inject(delivery({}, secret));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'signalled', workflow: 'complycube-check' });
    // Ids and the type only: nothing of the payload's status, outcome or client travels.
    expect(t.signaller.complyCubeCalls).toEqual([
      {
        eventId: 'evt_5f0d8f4c1a2b',
        eventType: 'check.completed.attention',
        checkId: 'chk_5e9f1a7b3c',
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(t.signaller.calls).toEqual([]);
  });

  it.each([
    'check.completed',
    'check.completed.clear',
    'check.completed.match_confirmed',
    'check.complete',
    'check.complete.attention',
    'check.updated',
    'check.pending',
    'check.failed',
    'check.monitoring.attention',
    'check.some_future_event',
  ])('relays %s (both spellings, and check.* types not yet known)', async (type) => {
    const res = await t.app.inject(delivery({ id: `evt_${type}`, type }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.complyCubeCalls).toEqual([expect.objectContaining({ eventType: type })]);
  });

  it('acknowledges an event that is not about a check and signals nothing', async () => {
    const res = await t.app.inject(
      delivery({ type: 'client.created', resourceType: 'client', payload: { id: 'cli_0a1b2c' } }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: 'event-type' });
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('acknowledges an ignored event even without a payload id (a 400 would make ComplyCube retry it)', async () => {
    const res = await t.app.inject(delivery({ type: 'client.updated', payload: {} }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: 'event-type' });
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('accepts the header name in any letter case and any declared content type', async () => {
    const body = JSON.stringify(event());
    const res = await t.app.inject({
      method: 'POST',
      url: COMPLYCUBE_WEBHOOK_ROUTE,
      payload: body,
      headers: { 'content-type': 'text/plain', 'COMPLYCUBE-SIGNATURE': signatureOf(NEW_SECRET, body) },
    });
    expect(res.statusCode).toBe(200);
  });

  it('leaves the Mesh route as it was', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/complyadvantage',
      payload: JSON.stringify(event()),
      headers: { 'ComplyCube-Signature': signatureOf(NEW_SECRET, JSON.stringify(event())) },
    });
    // A ComplyCube signature means nothing there.
    expect(res.statusCode).toBe(401);
  });
});

describe('delivery semantics', () => {
  it('signals a redelivered event (same id) once and answers the repeat as a duplicate', async () => {
    expect((await t.app.inject(delivery())).statusCode).toBe(200);
    // ComplyCube's redelivery of the same event; the bytes may differ, the id does not.
    const again = await t.app.inject(delivery({ createdAt: '2026-11-20T10:01:05.100Z' }));

    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'signalled', workflow: 'complycube-check', duplicate: true });
    expect(t.signaller.complyCubeCalls).toHaveLength(1);

    // Another event about the same check is not a duplicate.
    expect((await t.app.inject(delivery({ id: 'evt_other', type: 'check.updated' }))).json()).toEqual({
      status: 'signalled',
      workflow: 'complycube-check',
    });
    expect(t.signaller.complyCubeCalls).toHaveLength(2);
  });

  it('answers 503 while Temporal is unreachable, then 200 when ComplyCube retries the same event', async () => {
    t.signaller.unavailable = 1;

    const refused = await t.app.inject(delivery());
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'temporarily unavailable, retry later',
    });
    expect(t.signaller.complyCubeCalls).toEqual([]);

    const retried = await t.app.inject(delivery());
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ status: 'signalled', workflow: 'complycube-check' });
    expect(t.signaller.complyCubeCalls).toHaveLength(1);
  });

  it('signals once when two copies of one event arrive at the same time', async () => {
    let release!: () => void;
    t.signaller.hold = new Promise((resolve) => (release = resolve));
    const both = Promise.all([t.app.inject(delivery()), t.app.inject(delivery())]);
    release();
    const [a, b] = await both;
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(t.signaller.complyCubeCalls).toHaveLength(1);
  });
});

describe('refused deliveries', () => {
  const unauthorized = {
    statusCode: 401,
    error: 'Unauthorized',
    message: 'missing or invalid webhook signature',
  };

  it.each([
    ['no ComplyCube-Signature header', {}],
    ['an empty header', { 'ComplyCube-Signature': '' }],
    ['a signature by another secret', { 'ComplyCube-Signature': signatureOf('forged', 'x') }],
    ['a header too short', { 'ComplyCube-Signature': 'ab'.repeat(31) }],
    ['a header too long', { 'ComplyCube-Signature': 'ab'.repeat(33) }],
    ['a header that is not hex', { 'ComplyCube-Signature': 'zz'.repeat(32) }],
    ['a base64 signature', { 'ComplyCube-Signature': 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=' }],
    ['a Standard Webhooks header instead', { 'webhook-signature': 'v1,AAAA' }],
  ])('answers 401 to a delivery with %s and signals nothing', async (_name, headers) => {
    const res = await t.app.inject(post(JSON.stringify(event()), headers));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(unauthorized);
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('answers 401 to a tampered body whose signature was right for the original', async () => {
    const original = JSON.stringify(event());
    const tampered = JSON.stringify(event({ payload: { id: 'chk_someone_else' } }));
    const res = await t.app.inject(
      post(tampered, { 'ComplyCube-Signature': signatureOf(NEW_SECRET, original) }),
    );
    expect(res.statusCode).toBe(401);
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('answers 401 to a body re-serialised after signing (the signature covers the exact bytes)', async () => {
    const compact = JSON.stringify(event());
    const pretty = JSON.stringify(event(), null, 2);
    const res = await t.app.inject(
      post(pretty, { 'ComplyCube-Signature': signatureOf(NEW_SECRET, compact) }),
    );
    expect(res.statusCode).toBe(401);
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('answers 401 before parsing: an unsigned non-JSON body is not a 400', async () => {
    const res = await t.app.inject(post('not json'));
    expect(res.statusCode).toBe(401);
  });

  it('answers 400 to a validly signed body that is not JSON', async () => {
    const res = await t.app.inject(signed('{"id": "evt_1", "type": '));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid JSON' });
  });

  it.each([
    ['JSON that is not an object', '["check.completed"]', /^body: expected a JSON object/],
    ['no id', JSON.stringify(event({ id: undefined })), /^id: required, the event's id/],
    ['an id with spaces', JSON.stringify(event({ id: 'evt 1' })), /^id: required/],
    ['no type', JSON.stringify(event({ type: undefined })), /^type: required, the event type/],
    ['a type that is not a string', JSON.stringify(event({ type: 42 })), /^type: required/],
    [
      'a check event without a payload',
      JSON.stringify(event({ payload: undefined })),
      /^payload: required for check\.\* events/,
    ],
    [
      'a check event without payload.id',
      JSON.stringify(event({ payload: { status: 'complete' } })),
      /^payload\.id: required for check\.\* events, the check id/,
    ],
  ])('answers 400 to a signed body with %s, naming the field', async (_name, body, message) => {
    const res = await t.app.inject(signed(body));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(message);
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it('answers 413 to a body over 1 MiB before looking at it', async () => {
    const big = JSON.stringify(event({ padding: 'x'.repeat(1024 * 1024) }));
    const res = await t.app.inject(signed(big));
    expect(res.statusCode).toBe(413);
    expect(t.signaller.complyCubeCalls).toEqual([]);
  });

  it.each([
    ['GET', COMPLYCUBE_WEBHOOK_ROUTE],
    ['POST', `${COMPLYCUBE_WEBHOOK_ROUTE}/extra`],
  ] as const)('answers 404 to %s %s', async (method, url) => {
    expect((await t.app.inject({ method, url })).statusCode).toBe(404);
  });
});

describe('the route switched off', () => {
  it.each([
    ['unset', 'absent' as const],
    ['empty', []],
  ])('does not exist when the secrets are %s: 404, like any unknown route', async (_name, secrets) => {
    const off = testBridge(secrets);
    try {
      const res = await off.app.inject(delivery());
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such route' });
      expect(off.signaller.complyCubeCalls).toEqual([]);
    } finally {
      await off.app.close();
    }
  });
});

describe('logs and metrics', () => {
  it('write one line per delivery with its ids and outcome, never bodies, signatures or secrets', async () => {
    const body = JSON.stringify(
      event({ payload: { id: 'chk_logged', status: 'complete', entityName: 'Viktor Bout' } }),
    );
    await t.app.inject(signed(body));
    await t.app.inject(post(body, { 'ComplyCube-Signature': signatureOf('forged', body) }));

    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['msg'] === 'webhook handled')).toEqual([
      expect.objectContaining({
        provider: 'complycube',
        eventId: 'evt_5f0d8f4c1a2b',
        eventType: 'check.completed.attention',
        checkId: 'chk_logged',
        outcome: 'signalled',
        workflow: 'complycube-check',
        duplicate: false,
      }),
    ]);
    expect(lines.filter((l) => l['msg'] === 'webhook signature rejected')).toEqual([
      expect.objectContaining({ provider: 'complycube', reason: 'no-matching-signature' }),
    ]);
    // Fastify's own request lines are off for this route, as for the Mesh route.
    expect(lines.filter((l) => l['msg'] === 'incoming request')).toEqual([]);
    const all = t.logs.join('');
    expect(all).not.toContain('Bout');
    expect(all).not.toContain(signatureOf(NEW_SECRET, body));
    expect(all).not.toContain(NEW_SECRET);
    expect(all).not.toContain('cc-webhook-secret-old');
  });

  it('count requests under the route label /webhooks/complycube', async () => {
    const app = testBridge();
    const metrics = createBridgeMetrics({ processMetrics: false });
    instrumentBridge(app.app, metrics);
    try {
      await app.app.inject(delivery());
      await app.app.inject(post(JSON.stringify(event())));
      const requests = (await metrics.requests.get()).values;
      expect(requests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            labels: { status_code: '200', route: COMPLYCUBE_WEBHOOK_ROUTE },
            value: 1,
          }),
          expect.objectContaining({
            labels: { status_code: '401', route: COMPLYCUBE_WEBHOOK_ROUTE },
            value: 1,
          }),
        ]),
      );
    } finally {
      await app.app.close();
    }
  });
});
