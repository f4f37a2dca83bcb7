/**
 * `POST /webhooks/complyadvantage-classic/:token` through Fastify's inject with the stub signaller: the URL
 * token (several, one per account), the source address (trusted proxies, IPv6, IPv4-mapped), the payload
 * shapes of the API reference, every answer, logs and metrics; and the bridge configuration of the route.
 */
import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { CA_CLASSIC_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX, createTokenCheck } from '../../src/bridge/ca-classic-route';
import {
  BRIDGE_ENV_VARIABLES,
  CA_CLASSIC_DEFAULT_SOURCES,
  caClassicWebhookTokens,
  loadBridgeConfig,
  type CaClassicWebhookConfig,
} from '../../src/bridge/config';
import { createBridgeMetrics, instrumentBridge } from '../../src/bridge/metrics';
import { compileAddressMatcher, isAllowedAddress, parseAddressList } from '../../src/bridge/source-address';
import { DEFAULT_ACCOUNT } from '../../src/contracts/ca-classic';
import { Secret } from '../../src/platform/config/secret';
import { configProblems } from '../helpers/config';
import { buildTestBridge, type TestBridge } from './test-bridge';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only: jest on Node 20 cannot load it.
// It is only used for inject's `cookies` option, which these tests never pass (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const TOKEN = 'ca-classic-token-0123456789abcdef';
const OTHER_TENANT_TOKEN = 'brand-b-token-fedcba9876543210';
const CA_ADDRESS = '52.51.2.160';
const STRANGER = '203.0.113.7';
const PROXY = '10.1.2.3';
const MESH_SECRET = Buffer.from('a'.repeat(32)).toString('base64');

const DEFAULT_SOURCES = ['52.51.2.160', '52.212.236.102', '52.210.125.73', '52.16.199.44', '127.0.0.1'];

function caClassicConfig(overrides: Partial<CaClassicWebhookConfig> = {}): CaClassicWebhookConfig {
  return {
    tokens: [
      { token: new Secret(TOKEN), account: DEFAULT_ACCOUNT },
      { token: new Secret(OTHER_TENANT_TOKEN), account: 'brand-b' },
    ],
    sources: DEFAULT_SOURCES,
    ...overrides,
  };
}

function testBridge(
  caClassic: Partial<CaClassicWebhookConfig> = {},
  trustedProxies: string[] = [],
): TestBridge {
  return buildTestBridge({ caClassic: caClassicConfig(caClassic), trustedProxies });
}

/** The API reference's samples (its whitespace aside). */
const MATCH_STATUS_UPDATED = {
  event: 'match_status_updated',
  data: {
    search_id: 1,
    client_ref: 'CUST001',
    entity_id: '34HI34PORF23',
    entity_match_status: 'false_positive',
    tags: { name: 'value' },
  },
};
const SEARCH_STATUS_UPDATED = {
  event: 'search_status_updated',
  data: {
    changes: { before: { assigned_user: 123 }, after: { assigned_user: 234 } },
    ref: '1470903392-yS1UuFFF',
    search_id: 1234,
    terms: [{ name: 'Robert Mugabe', hits: 7 }],
    filters: { exact_match: false, fuzziness: 0.5 },
  },
};
const MONITORED_SEARCH_UPDATED = {
  event: 'monitored_search_updated',
  data: {
    search_id: 10117833,
    updated: ['8NMXF7QX4QV8LFD', 'X4525MEAZKKPX0T', '73HBD537LCX5JT6'],
    new: ['Q3OX4KS0KEMCVDH', 'UCC60H79WVU94Z0'],
    removed: ['9D1ETD0ADTT4HDH', 'I38XC0R6Y1EQ083'],
    is_suspended: true,
  },
};

const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

interface PostOptions {
  token?: string;
  from?: string;
  headers?: Record<string, string>;
}

function post(body: string | Buffer | object, options: PostOptions = {}): InjectOptions {
  return {
    method: 'POST',
    url: `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${options.token ?? TOKEN}`,
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    remoteAddress: options.from ?? CA_ADDRESS,
    headers: { 'content-type': 'application/json', ...options.headers },
  };
}

const NOT_FOUND = { statusCode: 404, error: 'Not Found', message: 'no such route' };

let t: TestBridge;
beforeEach(() => {
  t = testBridge();
});
afterEach(async () => {
  await t.app.close();
});

describe('accepted events', () => {
  it('routes match_status_updated to the search inbox of the token’s account, with client_ref', async () => {
    const body = JSON.stringify(MATCH_STATUS_UPDATED);
    const res = await t.app.inject(post(body));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'signalled', workflow: 'ca-classic-search', events: 1 });
    // Ids only: nothing of the entity, its status or the tags travels.
    expect(t.signaller.caClassicCalls).toEqual([
      {
        account: DEFAULT_ACCOUNT,
        event: {
          eventId: sha256Hex(body),
          event: 'match_status_updated',
          searchId: '1',
          clientRef: 'CUST001',
          receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    ]);
  });

  it('takes the account from whichever configured token the URL holds (another tenant’s)', async () => {
    const res = await t.app.inject(post(MATCH_STATUS_UPDATED, { token: OTHER_TENANT_TOKEN }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.caClassicCalls.map((c) => c.account)).toEqual(['brand-b']);
  });

  it('routes search_status_updated by search id alone (it has no client_ref)', async () => {
    const res = await t.app.inject(post(SEARCH_STATUS_UPDATED));
    expect(res.statusCode).toBe(200);
    const [call] = t.signaller.caClassicCalls;
    expect(call?.event).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f]{64}$/),
      event: 'search_status_updated',
      searchId: '1234',
      receivedAt: expect.any(String),
    });
  });

  it('counts the new and updated entities of monitored_search_updated and reads is_suspended', async () => {
    await t.app.inject(post(MONITORED_SEARCH_UPDATED));
    await t.app.inject(post({ event: 'monitored_search_updated', data: { search_id: 7 } }));
    await t.app.inject(
      post({ event: 'monitored_search_updated', data: { search_id: 8, new: ['A'], is_suspended: 'yes' } }),
    );

    expect(t.signaller.caClassicCalls.map((c) => c.event)).toEqual([
      expect.objectContaining({ searchId: '10117833', monitoringChanges: 5, suspended: true }),
      expect.objectContaining({ searchId: '7', monitoringChanges: 0 }),
      expect.objectContaining({ searchId: '8', monitoringChanges: 1 }),
    ]);
    expect(t.signaller.caClassicCalls[1]?.event).not.toHaveProperty('suspended');
    expect(t.signaller.caClassicCalls[2]?.event).not.toHaveProperty('suspended');
  });

  it('routes an event name it has never heard of (an event means the search may have changed)', async () => {
    const res = await t.app.inject(post({ event: 'search_deleted_maybe', data: { search_id: 99 } }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.caClassicCalls[0]?.event).toEqual(
      expect.objectContaining({ event: 'search_deleted_maybe', searchId: '99' }),
    );
    expect(t.signaller.caClassicCalls[0]?.event).not.toHaveProperty('monitoringChanges');
  });

  it.each([
    ['a number', 10117833, '10117833'],
    ['a numeric string (typed String in the reference)', '10117833', '10117833'],
    ['a numeric string with leading zeros (one inbox per search)', '0042', '42'],
  ])('takes search_id as %s', async (_name, searchId, expected) => {
    const res = await t.app.inject(post({ event: 'match_status_updated', data: { search_id: searchId } }));
    expect(res.statusCode).toBe(200);
    expect(t.signaller.caClassicCalls[0]?.event.searchId).toBe(expected);
  });

  it('takes data as an array (its type in the reference): one event per element, ids suffixed', async () => {
    const body = JSON.stringify({
      event: 'match_status_updated',
      data: [
        { search_id: 1, client_ref: 'CUST001' },
        { search_id: '2', client_ref: 'CUST002' },
      ],
    });
    const res = await t.app.inject(post(body));

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'signalled', workflow: 'ca-classic-search', events: 2 });
    expect(t.signaller.caClassicCalls.map((c) => c.event)).toEqual([
      expect.objectContaining({ eventId: `${sha256Hex(body)}#0`, searchId: '1', clientRef: 'CUST001' }),
      expect.objectContaining({ eventId: `${sha256Hex(body)}#1`, searchId: '2', clientRef: 'CUST002' }),
    ]);
  });

  it('gives a one-element array the body hash alone, as an object would have', async () => {
    const body = JSON.stringify({ event: 'match_status_updated', data: [{ search_id: 5 }] });
    await t.app.inject(post(body));
    expect(t.signaller.caClassicCalls[0]?.event.eventId).toBe(sha256Hex(body));
  });

  it('leaves out a client_ref that could not be an identifier of ours, and routes the event', async () => {
    await t.app.inject(
      post({ event: 'match_status_updated', data: { search_id: 1, client_ref: 'has space' } }),
    );
    await t.app.inject(post({ event: 'match_status_updated', data: { search_id: 1, client_ref: 42 } }));
    expect(t.signaller.caClassicCalls).toHaveLength(2);
    for (const call of t.signaller.caClassicCalls) expect(call.event).not.toHaveProperty('clientRef');
  });

  it('gives byte-identical bodies the same event id, and any other bytes another (no dedupe of its own)', async () => {
    const body = JSON.stringify(MATCH_STATUS_UPDATED);
    await t.app.inject(post(body));
    await t.app.inject(post(body));
    await t.app.inject(post(JSON.stringify(MATCH_STATUS_UPDATED, null, 2)));

    // Both copies are signalled: the inbox drops the repeat by its id.
    const ids = t.signaller.caClassicCalls.map((c) => c.event.eventId);
    expect(ids).toEqual([sha256Hex(body), sha256Hex(body), expect.not.stringMatching(sha256Hex(body))]);
  });

  it('accepts any declared content type (the body is JSON whatever the header says)', async () => {
    const res = await t.app.inject(
      post(MATCH_STATUS_UPDATED, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    expect(res.statusCode).toBe(200);
  });
});

describe('refused payloads (the token and source were right)', () => {
  it.each([
    ['a missing search_id', { event: 'match_status_updated', data: { client_ref: 'C1' } }, 'data.search_id'],
    ['a non-numeric search_id', { event: 'x', data: { search_id: 'abc' } }, 'data.search_id'],
    ['a fractional search_id', { event: 'x', data: { search_id: 1.5 } }, 'data.search_id'],
    ['a zero search_id', { event: 'x', data: { search_id: 0 } }, 'data.search_id'],
    ['a negative search_id', { event: 'x', data: { search_id: -3 } }, 'data.search_id'],
    ['a null search_id', { event: 'x', data: { search_id: null } }, 'data.search_id'],
    ['a bad search_id in an array', { event: 'x', data: [{ search_id: 1 }, {}] }, 'data[1].search_id'],
  ])('answers 400 for %s, naming the field', async (_name, body, field) => {
    const res = await t.app.inject(post(body));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `${field}: expected the numeric search id`,
    });
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it.each([
    ['not JSON', '{"event":', 'body is not valid JSON'],
    ['an empty body', '', 'body is not valid JSON'],
    ['a JSON array', '[]', 'body: expected a JSON object {event, data}'],
    ['no event', JSON.stringify({ data: { search_id: 1 } }), 'event: required, the event name'],
    ['an empty event', JSON.stringify({ event: '', data: { search_id: 1 } }), 'event: required'],
    ['no data', JSON.stringify({ event: 'match_status_updated' }), 'data: required, the event data'],
    ['data a string', JSON.stringify({ event: 'x', data: '1' }), 'data: required'],
    ['an empty data array', JSON.stringify({ event: 'x', data: [] }), 'data: required'],
    ['a data array of strings', JSON.stringify({ event: 'x', data: ['1'] }), 'data[0]: expected an object'],
  ])('answers 400 for %s', async (_name, body, message) => {
    const res = await t.app.inject(post(body));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain(message);
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('answers 400 for more than 100 events in one body', async () => {
    const data = Array.from({ length: 101 }, (_, i) => ({ search_id: i + 1 }));
    const res = await t.app.inject(post({ event: 'x', data }));
    expect(res.statusCode).toBe(400);
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('answers 413 over 1 MiB', async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const res = await t.app.inject(post({ ...MATCH_STATUS_UPDATED, padding }));
    expect(res.statusCode).toBe(413);
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('takes a body just under 1 MiB', async () => {
    const base = JSON.stringify({ ...MATCH_STATUS_UPDATED, padding: '' });
    const padding = 'x'.repeat(1024 * 1024 - Buffer.byteLength(base));
    const res = await t.app.inject(post({ ...MATCH_STATUS_UPDATED, padding }));
    expect(res.statusCode).toBe(200);
  });
});

describe('the URL token', () => {
  it.each([
    ['a wrong token', 'ca-classic-token-0123456789abcdeX'],
    ['a prefix of the token', TOKEN.slice(0, -1)],
    ['the token and more', `${TOKEN}0`],
    ['a short guess', 'x'],
    ['the token in another letter case', TOKEN.toUpperCase()],
  ])('refuses %s as if the route did not exist, before reading the body', async (_name, token) => {
    const tooLarge = 'x'.repeat(2 * 1024 * 1024);
    for (const body of [JSON.stringify(MATCH_STATUS_UPDATED), '{"event":', tooLarge]) {
      const res = await t.app.inject(post(body, { token }));
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(NOT_FOUND);
    }
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('answers a wrong token the same from an allowed source and from anywhere else (token first)', async () => {
    const wrong = 'not-the-token-but-long-enough';
    const a = await t.app.inject(post(MATCH_STATUS_UPDATED, { token: wrong, from: CA_ADDRESS }));
    const b = await t.app.inject(post(MATCH_STATUS_UPDATED, { token: wrong, from: STRANGER }));
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(a.body).toBe(b.body);
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('is not served without a token: 404 like any unknown path', async () => {
    for (const off of [
      buildTestBridge({}),
      buildTestBridge({ caClassic: caClassicConfig({ tokens: [] }) }),
    ]) {
      try {
        const res = await off.app.inject(post(MATCH_STATUS_UPDATED));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual(NOT_FOUND);
        expect(off.signaller.caClassicCalls).toEqual([]);
      } finally {
        await off.app.close();
      }
    }
  });

  it('does not answer the route without a token, with a trailing slash, or for GET', async () => {
    for (const options of [
      { method: 'POST' as const, url: CA_CLASSIC_WEBHOOK_ROUTE_PREFIX },
      { method: 'POST' as const, url: `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/` },
      { method: 'POST' as const, url: `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${TOKEN}/` },
      { method: 'GET' as const, url: `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${TOKEN}` },
    ]) {
      const res = await t.app.inject({ ...options, payload: JSON.stringify(MATCH_STATUS_UPDATED) });
      expect(res.statusCode).toBe(404);
    }
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('compares against every token and names the matching one’s account', () => {
    const check = createTokenCheck([
      { token: new Secret(TOKEN), account: 'default' },
      { token: new Secret(OTHER_TENANT_TOKEN), account: 'brand-b' },
    ]);
    expect(check(TOKEN)).toBe('default');
    expect(check(OTHER_TENANT_TOKEN)).toBe('brand-b');
    expect(check(undefined)).toBeUndefined();
    expect(check('')).toBeUndefined();
    expect(createTokenCheck([])(TOKEN)).toBeUndefined();
  });
});

describe('the source address', () => {
  it.each(DEFAULT_SOURCES)('accepts the default source %s', async (from) => {
    const res = await t.app.inject(post(MATCH_STATUS_UPDATED, { from }));
    expect(res.statusCode).toBe(200);
  });

  it('refuses any other address with 403 and signals nothing', async () => {
    const res = await t.app.inject(post(MATCH_STATUS_UPDATED, { from: STRANGER }));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'webhooks are not accepted from this address',
    });
    expect(t.signaller.caClassicCalls).toEqual([]);
  });

  it('refuses a forbidden source before reading the body (no 413, no 400)', async () => {
    for (const body of ['{"event":', 'x'.repeat(2 * 1024 * 1024)]) {
      const res = await t.app.inject(post(body, { from: STRANGER }));
      expect(res.statusCode).toBe(403);
    }
  });

  it('matches an IPv4-mapped IPv6 peer (a bridge listening on ::) against the IPv4 entry', async () => {
    const res = await t.app.inject(post(MATCH_STATUS_UPDATED, { from: `::ffff:${CA_ADDRESS}` }));
    expect(res.statusCode).toBe(200);
    const refused = await t.app.inject(post(MATCH_STATUS_UPDATED, { from: `::ffff:${STRANGER}` }));
    expect(refused.statusCode).toBe(403);
  });

  it('takes IPv6 addresses and CIDR ranges of either family', async () => {
    const app = testBridge({ sources: ['2001:db8::/32', '198.51.100.0/24', '::1'] });
    try {
      const answers = [];
      for (const from of [
        '2001:db8::42',
        '198.51.100.200',
        '::1',
        '2001:db9::1',
        '198.51.101.1',
        CA_ADDRESS,
      ]) {
        answers.push((await app.app.inject(post(MATCH_STATUS_UPDATED, { from }))).statusCode);
      }
      expect(answers).toEqual([200, 200, 200, 403, 403, 403]);
    } finally {
      await app.app.close();
    }
  });

  it('ignores X-Forwarded-For without trusted proxies: the socket’s peer decides', async () => {
    const spoofed = await t.app.inject(
      post(MATCH_STATUS_UPDATED, { from: STRANGER, headers: { 'x-forwarded-for': CA_ADDRESS } }),
    );
    expect(spoofed.statusCode).toBe(403);
    const direct = await t.app.inject(
      post(MATCH_STATUS_UPDATED, { from: CA_ADDRESS, headers: { 'x-forwarded-for': STRANGER } }),
    );
    expect(direct.statusCode).toBe(200);
  });

  describe('behind trusted proxies', () => {
    let proxied: TestBridge;
    beforeEach(() => {
      proxied = testBridge({}, ['10.0.0.0/8', '::1']);
    });
    afterEach(async () => {
      await proxied.app.close();
    });

    const via = (proxy: string, forwardedFor: string) =>
      post(MATCH_STATUS_UPDATED, { from: proxy, headers: { 'x-forwarded-for': forwardedFor } });

    it('takes the client the trusted proxy names', async () => {
      expect((await proxied.app.inject(via(PROXY, CA_ADDRESS))).statusCode).toBe(200);
      expect((await proxied.app.inject(via('::1', CA_ADDRESS))).statusCode).toBe(200);
      expect((await proxied.app.inject(via(`::ffff:${PROXY}`, CA_ADDRESS))).statusCode).toBe(200);
      expect((await proxied.app.inject(via(PROXY, STRANGER))).statusCode).toBe(403);
      expect(proxied.signaller.caClassicCalls).toHaveLength(3);
    });

    it('walks from the right past trusted proxies only: a client-supplied entry further left is not believed', async () => {
      // The client sent `X-Forwarded-For: 52.51.2.160`; the proxy appended the address it saw.
      expect((await proxied.app.inject(via(PROXY, `${CA_ADDRESS}, ${STRANGER}`))).statusCode).toBe(403);
      // Two trusted hops: the first untrusted address from the right is the client.
      expect((await proxied.app.inject(via(PROXY, `${STRANGER}, ${CA_ADDRESS}, 10.9.9.9`))).statusCode).toBe(
        200,
      );
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      expect((await proxied.app.inject(via(STRANGER, CA_ADDRESS))).statusCode).toBe(403);
      expect((await proxied.app.inject(via(CA_ADDRESS, STRANGER))).statusCode).toBe(200);
    });

    it('refuses the proxy’s own address when nothing is forwarded and the proxy is no source', async () => {
      const res = await proxied.app.inject(post(MATCH_STATUS_UPDATED, { from: PROXY }));
      expect(res.statusCode).toBe(403);
    });

    it('leaves the other routes as they were', async () => {
      const headers = { 'x-forwarded-for': STRANGER, 'x-forwarded-host': 'evil.example' };
      expect((await proxied.app.inject({ method: 'GET', url: '/healthz', headers })).json()).toEqual({
        status: 'ok',
      });
      const mesh = await proxied.app.inject({
        method: 'POST',
        url: '/webhooks/complyadvantage',
        payload: '{}',
        remoteAddress: PROXY,
        headers: { ...headers, 'content-type': 'application/json' },
      });
      expect(mesh.statusCode).toBe(401);
      const unknown = await proxied.app.inject({ method: 'GET', url: '/nope', headers });
      expect(unknown.json()).toEqual(NOT_FOUND);
    });
  });
});

describe('delivery', () => {
  it('answers 503 while Temporal is unreachable, then 200 when the sender retries', async () => {
    t.signaller.unavailable = 1;
    const refused = await t.app.inject(post(MATCH_STATUS_UPDATED));
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'temporarily unavailable, retry later',
    });
    expect(t.signaller.caClassicCalls).toEqual([]);

    const retried = await t.app.inject(post(MATCH_STATUS_UPDATED));
    expect(retried.statusCode).toBe(200);
    expect(t.signaller.caClassicCalls).toHaveLength(1);
  });

  it('leaves the Mesh route as it was: a CA-classic body there is unsigned (401)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/complyadvantage',
      payload: JSON.stringify(MATCH_STATUS_UPDATED),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(401);
    expect(t.signaller.caClassicCalls).toEqual([]);
  });
});

describe('logs and metrics', () => {
  it('write one line per delivery with ids, never the token or the body', async () => {
    await t.app.inject(post(MATCH_STATUS_UPDATED));
    await t.app.inject(post(MATCH_STATUS_UPDATED, { token: 'forged-token-0123456789abcdef' }));
    await t.app.inject(post(MATCH_STATUS_UPDATED, { from: STRANGER }));
    await t.app.inject(post(MATCH_STATUS_UPDATED, { token: `${TOKEN}/` }));

    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['msg'] === 'webhook handled')).toEqual([
      expect.objectContaining({
        provider: 'ca-classic',
        account: DEFAULT_ACCOUNT,
        eventId: sha256Hex(JSON.stringify(MATCH_STATUS_UPDATED)),
        event: 'match_status_updated',
        searchIds: ['1'],
        outcome: 'signalled',
        events: 1,
      }),
    ]);
    expect(lines.filter((l) => l['msg'] === 'webhook signature rejected')).toEqual([
      expect.objectContaining({ provider: 'ca-classic', reason: 'token' }),
      expect.objectContaining({ provider: 'ca-classic', reason: 'source', sourceAddress: STRANGER }),
    ]);
    // No request lines for this path, whatever became of the request: the path holds the token.
    expect(lines.filter((l) => l['msg'] === 'incoming request' || l['msg'] === 'request completed')).toEqual(
      [],
    );
    const all = t.logs.join('');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('forged-token');
    expect(all).not.toContain('34HI34PORF23');
    expect(all).not.toContain('false_positive');
  });

  it('never log the token when the route is off either', async () => {
    const off = buildTestBridge({});
    try {
      await off.app.inject(post(MATCH_STATUS_UPDATED));
      expect(off.logs.join('')).not.toContain(TOKEN);
    } finally {
      await off.app.close();
    }
  });

  it('count requests under the route pattern (never the token), a wrong token as an unknown path', async () => {
    const metrics = createBridgeMetrics({ processMetrics: false });
    instrumentBridge(t.app, metrics);
    await t.app.inject(post(MATCH_STATUS_UPDATED));
    await t.app.inject(post(MATCH_STATUS_UPDATED, { token: 'forged-token-0123456789abcdef' }));
    await t.app.inject(post(MATCH_STATUS_UPDATED, { from: STRANGER }));
    await t.app.inject(post({ event: 'x', data: {} }));

    const requests = (await metrics.requests.get()).values;
    // A wrong token is answered by the not-found handler, and counted as any unknown path is.
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { status_code: '404', route: 'unmatched' }, value: 1 }),
      ]),
    );
    for (const status of ['200', '403', '400']) {
      expect(requests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            labels: { status_code: status, route: CA_CLASSIC_WEBHOOK_ROUTE },
            value: 1,
          }),
        ]),
      );
    }
    expect(await metrics.registry.metrics()).not.toContain(TOKEN);
  });
});

describe('source address lists', () => {
  it('match exact addresses and ranges, IPv4-mapped peers as IPv4, and nothing that is not an address', () => {
    const parsed = parseAddressList(' 52.51.2.160 , 10.0.0.1/8,2001:DB8::/32,::ffff:192.0.2.1 ');
    expect(parsed).toEqual({
      ok: true,
      entries: ['52.51.2.160', '10.0.0.0/8', '2001:db8::/32', '192.0.2.1'],
    });
    const matcher = compileAddressMatcher(parsed.entries);
    expect(isAllowedAddress(matcher, '52.51.2.160')).toBe(true);
    expect(isAllowedAddress(matcher, '::ffff:52.51.2.160')).toBe(true);
    expect(isAllowedAddress(matcher, '192.0.2.1')).toBe(true);
    expect(isAllowedAddress(matcher, '10.200.0.1')).toBe(true);
    expect(isAllowedAddress(matcher, '2001:db8:1::1')).toBe(true);
    expect(isAllowedAddress(matcher, '52.51.2.161')).toBe(false);
    expect(isAllowedAddress(matcher, '872547232')).toBe(false); // 52.51.2.160 as one number
    expect(isAllowedAddress(matcher, 'not-an-ip')).toBe(false);
    expect(isAllowedAddress(matcher, undefined)).toBe(false);
  });

  const mixed = compileAddressMatcher(
    parseAddressList(' 52.51.2.160 , 10.0.0.0/8,192.168.1.77/24,2001:DB8::/32, ::1, ::ffff:198.51.100.7,,')
      .entries,
  );
  it.each([
    ['52.51.2.160', true],
    ['52.51.2.161', false],
    ['10.255.0.1', true],
    ['11.0.0.1', false],
    ['192.168.1.200', true],
    ['192.168.2.1', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['::1', true],
    // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
    ['::ffff:10.1.2.3', true],
    ['::ffff:52.51.2.161', false],
    ['198.51.100.7', true],
    ['fe80::1%eth0', false],
    ['0x34.51.2.160', false],
    ['', false],
  ])('%s → allowed %s', (ip, allowed) => {
    expect(isAllowedAddress(mixed, ip)).toBe(allowed);
  });

  it('name the entries that are neither an address nor a CIDR range', () => {
    expect(parseAddressList('1.2.3.4,1.2.3.4/33,10.1,fe80::1%eth0,host.example')).toEqual({
      ok: false,
      invalid: ['1.2.3.4/33', '10.1', 'fe80::1%eth0', 'host.example'],
      entries: ['1.2.3.4'],
    });
  });
});

describe('bridge configuration of the route', () => {
  const load = (env: Record<string, string> = {}) =>
    loadBridgeConfig({ WEBHOOK_SECRET: MESH_SECRET, ...env });
  const problemsOf = (env: Record<string, string>) =>
    configProblems(loadBridgeConfig, { WEBHOOK_SECRET: MESH_SECRET, ...env });

  it('defaults: no token (route off), ComplyAdvantage’s four addresses and loopback, no trusted proxy', () => {
    const config = load();
    expect(config.caClassic).toEqual({ tokens: [], sources: DEFAULT_SOURCES });
    expect(CA_CLASSIC_DEFAULT_SOURCES.split(',')).toEqual(DEFAULT_SOURCES);
    expect(config.trustedProxies).toEqual([]);
    expect(load({ CA_CLASSIC_WEBHOOK_TOKEN: '', WEBHOOK_TRUSTED_PROXIES: '' }).caClassic.tokens).toEqual([]);
  });

  it('gives CA_CLASSIC_WEBHOOK_TOKEN to the default account, several while the URL changes', () => {
    const config = load({ CA_CLASSIC_WEBHOOK_TOKEN: ` ${TOKEN} , ${OTHER_TENANT_TOKEN} ` });
    expect(config.caClassic.tokens.map((t) => [t.token.reveal(), t.account])).toEqual([
      [TOKEN, DEFAULT_ACCOUNT],
      [OTHER_TENANT_TOKEN, DEFAULT_ACCOUNT],
    ]);
    expect(
      caClassicWebhookTokens({ CA_CLASSIC_WEBHOOK_TOKEN: TOKEN }).map((t) => [t.token.reveal(), t.account]),
    ).toEqual([[TOKEN, DEFAULT_ACCOUNT]]);
    expect(caClassicWebhookTokens({})).toEqual([]);
  });

  it('never prints the tokens when the config is logged', () => {
    expect(JSON.stringify(load({ CA_CLASSIC_WEBHOOK_TOKEN: TOKEN }))).not.toContain(TOKEN);
  });

  it('refuses a token that cannot be a URL segment or is short, without echoing it', () => {
    const problems = problemsOf({ CA_CLASSIC_WEBHOOK_TOKEN: `${TOKEN},short,with/slash-0123456789` });
    expect(problems).toEqual([
      expect.stringMatching(
        /^CA_CLASSIC_WEBHOOK_TOKEN: token #2 is not usable: expected 16 to 100 characters/,
      ),
      expect.stringMatching(/^CA_CLASSIC_WEBHOOK_TOKEN: token #3 is not usable/),
    ]);
    expect(problems.join('\n')).not.toContain('short');
    expect(problems.join('\n')).not.toContain('with/slash');
    expect(problemsOf({ CA_CLASSIC_WEBHOOK_TOKEN: ' , ' })).toEqual([
      expect.stringMatching(/^CA_CLASSIC_WEBHOOK_TOKEN: expected one or more webhook tokens/),
    ]);
  });

  it('reads CA_CLASSIC_WEBHOOK_SOURCES as addresses and CIDR ranges', () => {
    expect(
      load({ CA_CLASSIC_WEBHOOK_SOURCES: '52.51.2.160, 10.0.0.0/8, 2001:db8::/32' }).caClassic.sources,
    ).toEqual(['52.51.2.160', '10.0.0.0/8', '2001:db8::/32']);
  });

  it('names the variable and the entry that is not an address or a CIDR range', () => {
    expect(problemsOf({ CA_CLASSIC_WEBHOOK_SOURCES: '52.51.2.160,10.0.0.0/33,52.51.2.300' })).toEqual([
      'CA_CLASSIC_WEBHOOK_SOURCES: "10.0.0.0/33" is not an IP address or CIDR range (expected the addresses ComplyAdvantage classic webhooks come from: comma-separated IPv4/IPv6 addresses or CIDR ranges, e.g. 52.51.2.160,10.0.0.0/8)',
      expect.stringMatching(
        /^CA_CLASSIC_WEBHOOK_SOURCES: "52\.51\.2\.300" is not an IP address or CIDR range/,
      ),
    ]);
    expect(problemsOf({ CA_CLASSIC_WEBHOOK_SOURCES: ' , ' })).toEqual([
      expect.stringMatching(/^CA_CLASSIC_WEBHOOK_SOURCES: expected the addresses .*: one or more/),
    ]);
  });

  it('reads WEBHOOK_TRUSTED_PROXIES the same way, naming a bad entry', () => {
    expect(load({ WEBHOOK_TRUSTED_PROXIES: '10.0.0.0/8,::1' }).trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(problemsOf({ WEBHOOK_TRUSTED_PROXIES: 'loadbalancer.internal' })).toEqual([
      expect.stringMatching(
        /^WEBHOOK_TRUSTED_PROXIES: "loadbalancer\.internal" is not an IP address or CIDR range \(expected the reverse proxies/,
      ),
    ]);
  });

  it('are among the variables the bridge reads', () => {
    expect(BRIDGE_ENV_VARIABLES).toEqual(
      expect.arrayContaining([
        'CA_CLASSIC_WEBHOOK_TOKEN',
        'CA_CLASSIC_WEBHOOK_SOURCES',
        'WEBHOOK_TRUSTED_PROXIES',
      ]),
    );
  });
});
