import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import {
  CaClassicError,
  type CaClassicApi,
  type CaClassicSearchQuery,
} from '../../../src/providers/ca-classic/api';
import { callCaClassic } from '../../../src/providers/ca-classic/activity-failures';
import { createCaClassicClient } from '../../../src/providers/ca-classic/client';
import { Secret } from '../../../src/providers/ca-classic/config';
import { errorFromStatus } from '../../../src/providers/ca-classic/errors';
import { API_KEY, capturingLogger, FakeCaClassic, runActivity } from './fake-ca-classic';

/**
 * The classic API client against a local fake and hand-written servers: the key only as
 * `Authorization: Token`, the envelope, every class of failure (classified by status and the envelope's
 * `code`, never its `message`), and lenient reading of what the reference leaves loose.
 */

const PROSE = 'Search for Ada Lovelace (born 1815) refused';

async function errorOf(promise: Promise<unknown>): Promise<CaClassicError> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CaClassicError);
  return error as CaClassicError;
}

describe('errorFromStatus', () => {
  it.each([
    [400, 'CaClassicInvalidRequest', false],
    [404, 'CaClassicNotFound', false],
    [413, 'CaClassicInvalidRequest', false],
    [422, 'CaClassicUnprocessable', false],
    [401, 'CaClassicUnauthorized', true],
    [403, 'CaClassicForbidden', true],
    [429, 'CaClassicRateLimited', true],
    [500, 'CaClassicServerError', true],
    [503, 'CaClassicServerError', true],
    [409, 'CaClassicClientError', true],
    [302, 'CaClassicInvalidResponse', false],
  ])('%i → %s (retryable %s)', (status, kind, retryable) => {
    const error = errorFromStatus('getSearch', status, { code: status, message: PROSE, status: 'failure' });
    expect(error).toMatchObject({ kind, retryable });
    expect(error.message).not.toContain('Ada');
  });

  it('marks refused credentials, and takes Retry-After in seconds or as a date', () => {
    expect(errorFromStatus('op', 401, {}).details).toMatchObject({ credentials: true });
    expect(errorFromStatus('op', 403, {}).details).toMatchObject({ credentials: true });
    expect(errorFromStatus('op', 429, {}, { 'retry-after': '7' }).details.retryAfterMs).toBe(7_000);
    expect(
      errorFromStatus('op', 503, {}, { 'retry-after': new Date(61_000).toUTCString() }, 1_000).details
        .retryAfterMs,
    ).toBe(60_000);
    expect(errorFromStatus('op', 429, {}).details.retryAfterMs).toBeUndefined();
    // A final refusal never waits.
    expect(errorFromStatus('op', 400, {}, { 'retry-after': '7' }).details.retryAfterMs).toBeUndefined();
  });

  it("names the envelope's code when it differs from the status, and never its message", () => {
    expect(
      errorFromStatus('createSearch', 400, { code: 1001, message: PROSE, status: 'failure' }).message,
    ).toBe('ComplyAdvantage classic createSearch failed: 400 Bad Request (code 1001)');
    expect(errorFromStatus('createSearch', 400, 'not json').message).toBe(
      'ComplyAdvantage classic createSearch failed: 400 Bad Request',
    );
  });
});

describe('createCaClassicClient', () => {
  let fake: FakeCaClassic;
  let api: CaClassicApi;
  const servers: Server[] = [];

  beforeEach(async () => {
    fake = await FakeCaClassic.start();
    api = createCaClassicClient({
      config: { baseUrl: fake.url, apiKey: new Secret(API_KEY) },
      requestTimeoutMs: 2_000,
    });
  });
  afterEach(async () => {
    await fake.close();
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise((resolve) => {
            s.closeAllConnections();
            s.close(resolve);
          }),
      ),
    );
  });

  /** A server answering every request with `answer`; returns a client pointed at it and what it received. */
  async function serving(
    answer: (req: IncomingMessage) => { status?: number; body: unknown; headers?: Record<string, string> },
  ) {
    const received: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      received.push(req);
      const { status = 200, body, headers = {} } = answer(req);
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createCaClassicClient({
      config: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        apiKey: new Secret(API_KEY),
      },
      requestTimeoutMs: 500,
    });
    return { client, received };
  }

  it('sends the key only as Authorization: Token, never as api_key in the URL', async () => {
    const created = await api.createSearch({
      search_term: { first_name: 'Robert', last_name: 'Mugabe' },
      client_ref: 'CUST-1',
      search_profile: 'std',
    });
    await api.getSearch(created.id);
    await api.getSearchDetails(created.id);
    await api.listSearches({
      search_term: 'Robert Mugabe',
      ...({ api_key: API_KEY, share_url: 1 } as unknown as CaClassicSearchQuery),
    });
    await api.patchMonitors(created.id, true);
    await api.getMonitors(created.id);
    expect(fake.sent()).toEqual([
      'POST /searches',
      `GET /searches/${created.id}`,
      `GET /searches/${created.id}/details`,
      'GET /searches',
      `PATCH /searches/${created.id}/monitors`,
      `GET /searches/${created.id}/monitors`,
    ]);
    expect(fake.requests.map((r) => r.authorization)).toEqual(Array(6).fill(`Token ${API_KEY}`));
    expect(fake.requests.map((r) => r.url).join(' ')).not.toMatch(/api_key|ca-test-key|share_url/);
    expect(fake.requests[3]!.query).toEqual({ search_term: 'Robert Mugabe' });
  });

  it('reads a created search with its hits, ids as strings, and nothing of the entities but id and types', async () => {
    const search = await api.createSearch({
      search_term: { first_name: 'Robert', middle_names: 'Gabriel', last_name: 'Mugabe' },
      client_ref: 'CUST-1',
      search_profile: 'std',
      tags: { kyc: 'CUST-1' },
    });
    expect(search).toEqual({
      id: String(fake.searches[0]!.id),
      ref: fake.searches[0]!.ref,
      matchStatus: 'potential_match',
      riskLevel: 'unknown',
      searchTerm: 'Robert Gabriel Mugabe',
      clientRef: 'CUST-1',
      totalHits: 1,
      tags: { kyc: 'CUST-1' },
      createdAt: fake.searches[0]!.created_at,
      searchProfile: 'std',
      hits: [{ entityId: 'RU4326M8GFUAHMF', types: ['sanction', 'pep'], whitelisted: false }],
    });
    expect(JSON.stringify(search)).not.toContain('Someone Listed');
  });

  it('takes ids as numbers or numeric strings, and `tags: []` as no tags', async () => {
    fake.idsAsStrings = true;
    const stored = fake.seedSearch({ term: 'Hugo Jinkis', client_ref: 'C-2' });
    const [item] = await api.listSearches({});
    expect(item).toMatchObject({ id: String(stored.id), tags: {}, clientRef: 'C-2' });
    expect((await api.getMonitors(String(stored.id))).searchId).toBe(String(stored.id));
  });

  it('reads content.data as an object or an array either way', async () => {
    const one = { id: 7, match_status: 'no_match', total_hits: 0 };
    const { client } = await serving((req) =>
      req.url === '/searches'
        ? { body: { status: 'success', content: { data: one } } }
        : { body: { status: 'success', content: { data: [one] } } },
    );
    expect(await client.listSearches({})).toEqual([
      { id: '7', matchStatus: 'no_match', totalHits: 0, tags: {} },
    ]);
    expect(await client.getSearch('7')).toEqual({ id: '7', matchStatus: 'no_match', totalHits: 0, tags: {} });
  });

  it('tolerates broken optional fields, reading them as absent (never as zero or as dismissed)', async () => {
    const { client } = await serving(() => ({
      body: {
        code: 200,
        status: 'success',
        content: {
          data: {
            id: '12',
            match_status: 5,
            risk_level: null,
            search_term: { last_name: 'Lovelace', first_name: 3 },
            client_ref: 4711,
            total_hits: null,
            tags: { kyc: 'E-1', count: 3, nested: { a: 1 } },
            created_at: 20240101,
            search_profile: 'plain-slug',
            filters: [],
            hits: [
              'not a hit',
              { doc: { id: 'E9', types: ['pep', 4] }, is_whitelisted: 'true' },
              { doc: null, is_whitelisted: true },
            ],
            unknown_field: { anything: true },
          },
        },
      },
    }));
    expect(await client.getSearchDetails('12')).toEqual({
      id: '12',
      searchTerm: { last_name: 'Lovelace' },
      clientRef: '4711',
      tags: { kyc: 'E-1' },
      searchProfile: 'plain-slug',
      hits: [
        { types: [], whitelisted: false },
        { entityId: 'E9', types: ['pep'], whitelisted: false },
        { types: [], whitelisted: true },
      ],
    });
  });

  it('refuses a search without a readable id, naming where, and a list item without one', async () => {
    const { client } = await serving((req) => ({
      body:
        req.url === '/searches'
          ? { status: 'success', content: { data: [{ id: 1 }, { id: 'abc' }] } }
          : { status: 'success', content: { data: { id: -3 } } },
    }));
    const single = await errorOf(client.getSearch('3'));
    expect(single).toMatchObject({ kind: 'CaClassicInvalidResponse', retryable: false });
    expect(single.message).toContain('response.content.data.id');
    expect((await errorOf(client.listSearches({}))).message).toContain('response.content.data[1].id');
  });

  it('refuses an envelope without content, several searches where one was asked, or another status', async () => {
    const bodies: unknown[] = [
      { status: 'success' },
      { status: 'success', content: { data: [{ id: 1 }, { id: 2 }] } },
      { status: 'pending', content: { data: { id: 1 } } },
      { status: 'success', content: {} },
    ];
    const { client } = await serving(() => ({ body: bodies.shift() }));
    for (const expected of [
      /response\.content/,
      /expected one search, got 2/,
      /expected "success"/,
      /content\.data/,
    ]) {
      const error = await errorOf(client.getSearch('1'));
      expect(error).toMatchObject({ kind: 'CaClassicInvalidResponse', retryable: false });
      expect(error.message).toMatch(expected);
    }
  });

  it('classifies a failure envelope under a 200 by its code', async () => {
    const { client } = await serving(() => ({ body: { code: 404, message: PROSE, status: 'failure' } }));
    const error = await errorOf(client.getSearch('1'));
    expect(error).toMatchObject({ kind: 'CaClassicNotFound', retryable: false });
    expect(error.message).not.toContain('Ada');
  });

  it('classifies failures by status, logging the code and status only', async () => {
    const logger = capturingLogger();
    const logged = createCaClassicClient({
      config: { baseUrl: fake.url, apiKey: new Secret(API_KEY) },
      logger,
    });
    fake.fault({
      method: 'POST',
      path: '/searches',
      status: 400,
      body: { code: 400, message: PROSE, status: 'failure' },
    });
    fake.fault({ method: 'GET', path: '/searches/1', status: 404 });
    fake.fault({ method: 'GET', path: '/searches/2', status: 429, headers: { 'retry-after': '3' } });
    fake.fault({ method: 'GET', path: '/searches/3', status: 502 });
    const body = { search_term: 'Ada Lovelace', client_ref: 'E', search_profile: 'p' };
    expect(await errorOf(logged.createSearch(body))).toMatchObject({
      kind: 'CaClassicInvalidRequest',
      retryable: false,
    });
    expect(await errorOf(logged.getSearch('1'))).toMatchObject({
      kind: 'CaClassicNotFound',
      retryable: false,
    });
    expect(await errorOf(logged.getSearch('2'))).toMatchObject({
      kind: 'CaClassicRateLimited',
      retryable: true,
      details: { retryAfterMs: 3_000 },
    });
    expect(await errorOf(logged.getSearch('3'))).toMatchObject({
      kind: 'CaClassicServerError',
      retryable: true,
    });
    const first = logger.lines[0]!;
    expect(first.startsWith('warn ca-classic request failed ')).toBe(true);
    expect(JSON.parse(first.slice(first.indexOf('{'))) as unknown).toEqual({
      operation: 'createSearch',
      method: 'POST',
      route: '/searches',
      status: 400,
      durationMs: expect.any(Number) as unknown,
      code: 400,
    });
    expect(logger.lines.join('\n')).not.toMatch(/Ada|Lovelace|ca-test-key/);
    // The route template only: never an id or a term in the log.
    expect(logger.lines.join('\n')).toContain('"route":"/searches/{id}"');
  });

  it('retries a request not answered within the timeout, or a connection refused', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = createCaClassicClient({
      config: {
        baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        apiKey: new Secret(API_KEY),
      },
      requestTimeoutMs: 200,
    });
    expect(await errorOf(slow.getSearch('1'))).toMatchObject({ kind: 'CaClassicTimeout', retryable: true });
    const refused = createCaClassicClient({
      config: { baseUrl: 'http://127.0.0.1:1', apiKey: new Secret(API_KEY) },
    });
    expect(await errorOf(refused.getSearch('1'))).toMatchObject({
      kind: 'CaClassicNetwork',
      retryable: true,
    });
  });

  it('does not follow a redirect, so the key never travels elsewhere', async () => {
    const reachedElsewhere: unknown[] = [];
    const elsewhere = createServer((req, res) => {
      reachedElsewhere.push(req.headers.authorization);
      res.writeHead(200).end('{}');
    });
    servers.push(elsewhere);
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const { client } = await serving(() => ({
      status: 302,
      headers: { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/` },
      body: '',
    }));
    expect(await errorOf(client.getSearch('1'))).toMatchObject({
      kind: 'CaClassicInvalidResponse',
      retryable: false,
    });
    expect(reachedElsewhere).toEqual([]);
  });
});

describe('classic failures as the activities end with them', () => {
  let fake: FakeCaClassic;
  beforeEach(async () => {
    fake = await FakeCaClassic.start();
  });
  afterEach(() => fake.close());

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => new Error('expected the activity to fail'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  const getting = (apiKey: string) => {
    const api = createCaClassicClient({ config: { baseUrl: fake.url, apiKey: new Secret(apiKey) } });
    return (id: string) => api.getSearch(id);
  };

  it("retries a 429 after its Retry-After, never longer than the retry policy's maximum", async () => {
    fake.fault({
      method: 'GET',
      path: '/searches/5',
      status: 429,
      headers: { 'retry-after': '20' },
      count: 2,
    });
    const logger = capturingLogger();
    const get = getting(API_KEY);
    const activity = (id: string) => callCaClassic(() => get(id), { logger });
    expect(await failureOf(runActivity(activity, '5'))).toMatchObject({
      type: 'CaClassicRateLimited',
      nonRetryable: false,
      nextRetryDelay: 20_000,
    });
    expect(
      await failureOf(runActivity(activity, '5', { retryPolicy: { maximumInterval: 5_000 } })),
    ).toMatchObject({ nextRetryDelay: 5_000 });
  });

  it('retries a 5xx without a wait of its own, and ends at once on a 404 (CaClassicNotFound)', async () => {
    fake.fault({ method: 'GET', path: '/searches/5', status: 503 });
    const get = getting(API_KEY);
    const activity = (id: string) => callCaClassic(() => get(id));
    const server = await failureOf(runActivity(activity, '5'));
    expect(server).toMatchObject({ type: 'CaClassicServerError', nonRetryable: false });
    expect(server.nextRetryDelay).toBeUndefined();
    const missing = await failureOf(runActivity(activity, '999'));
    expect(missing).toMatchObject({ type: 'CaClassicNotFound', nonRetryable: true });
    expect(missing.details).toEqual([{ operation: 'getSearch', status: 404, code: 404 }]);
  });

  it('pauses on a refused key: retryable, one warn line naming the call, never the key', async () => {
    const logger = capturingLogger();
    const get = getting('wrong-key');
    const failure = await failureOf(
      runActivity((id: string) => callCaClassic(() => get(id), { logger }), '5'),
    );
    expect(failure).toMatchObject({ type: 'CaClassicUnauthorized', nonRetryable: false });
    expect(failure.message).toBe(
      'ComplyAdvantage classic getSearch failed: 401 Unauthorized; check CA_CLASSIC_API_KEY',
    );
    expect(failure.details).toEqual([{ operation: 'getSearch', status: 401, code: 401, credentials: true }]);
    expect(logger.lines).toEqual([
      'warn ca-classic refused the credentials; retrying until CA_CLASSIC_API_KEY is fixed {"operation":"getSearch","status":401,"kind":"CaClassicUnauthorized"}',
    ]);
    expect(JSON.stringify(failure)).not.toContain('wrong-key');
  });
});
