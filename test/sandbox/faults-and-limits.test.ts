import { startSandbox } from '../../src/sandbox/mesh';
import { at, personBody, SandboxClient, text, useSandbox } from './sandbox-client';

const SYNC = '/v2/workflows/sync/create-and-screen';

describe('sandbox faults, rate limit and control routes', () => {
  const api = useSandbox({ rateLimitPerMinute: 0 }, { resetBeforeEach: true });

  it('starts with the real defaults: 300 requests a minute, retries after 1 s, 5 s and 10 s, the reference duplicate shape', async () => {
    const plain = await startSandbox();
    try {
      const settings = (await new SandboxClient(plain).control('GET', '/settings')).body;
      expect(settings).toMatchObject({
        rateLimitPerMinute: 300,
        tokenExpiresInSeconds: 86400,
        webhookRetryDelaysMs: [1000, 5000, 10000],
        duplicateShape: 'errored-200',
        identicalRetry: 'replay',
        duplicateErrorMessage:
          'external identifier {external_identifier} in use and belongs to the customer identifier {customer_identifier}',
        refuseTokensUntil: null,
        tokenRefusalStatus: 401,
      });
    } finally {
      await plain.close();
    }
  });

  it('answers 429 with Ratelimit headers beyond the account limit, and counts it', async () => {
    await api.control('PATCH', '/settings', { rateLimitPerMinute: 3 });
    const fresh = new SandboxClient(api.sandbox);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<SandboxClient['get']>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      last = await fresh.get('/v2/customers/cust_missing');
      statuses.push(last.status);
    }
    // The token request is the first of the three allowed in the window.
    expect(statuses).toEqual([404, 404, 429, 429, 429]);
    expect(last?.body).toEqual({ message: 'API rate limit exceeded' });
    expect(last?.headers.get('ratelimit-limit')).toBe('3');
    expect(last?.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(last?.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(Number(last?.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    const stats = (await api.control('GET', '/stats')).body;
    expect(stats).toMatchObject({ rateLimited429: 3, maxInAnySixtySecondWindow: 3 });
    // Accepted requests per second (the run may straddle a second boundary): three in all.
    const perSecond = at(stats, 'perSecond') as [number, number][];
    expect(perSecond.reduce((sum, [, count]) => sum + count, 0)).toBe(3);
  });

  it('injects a 429 for matching requests only, as many times as asked', async () => {
    await api.control('POST', '/faults', {
      kind: 'rate-limit',
      match: { method: 'GET', path: '^/v2/cases/' },
      count: 1,
      resetSeconds: 7,
    });
    const limited = await api.get('/v2/cases/case_x');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'API rate limit exceeded' });
    expect(limited.headers.get('ratelimit-reset')).toBe('7');
    expect((await api.get('/v2/cases/case_x')).status).toBe(404);
    expect((await api.get('/v2/customers/cust_x')).status).toBe(404);
  });

  it('injects a 5xx with problem details', async () => {
    await api.control('POST', '/faults', {
      kind: 'server-error',
      status: 503,
      match: { path: 'create-and-screen' },
    });
    const res = await api.post(SYNC, personBody({ full_name: 'Test CleanUser' }));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ title: 'Service Unavailable', status: 503 });
    const lookup = await api.control('GET', '/customers');
    expect(lookup.body).toMatchObject({ count: 0 });
  });

  it('injects a gateway 403 before auth, for matching requests only, as many times as asked; nothing is done', async () => {
    await api.fault({
      kind: 'gateway-forbidden',
      count: 2,
      match: { method: 'POST', path: 'create-and-screen' },
    });
    const body = personBody({ full_name: 'Test CleanUser' });
    const refused = await api.post(SYNC, body);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/json');
    expect(refused.body).toEqual({ message: 'Forbidden' });
    // Before bearer auth: a gateway refuses without looking at the token.
    const anonymous = await api.request('POST', SYNC, body, { auth: false });
    expect(anonymous.status).toBe(403);
    expect((await api.get('/v2/customers/cust_x')).status).toBe(404);
    expect((await api.control('GET', '/customers')).body).toMatchObject({ count: 0 });
    expect((await api.post(SYNC, body)).status).toBe(200);
    expect(at((await api.control('GET', '/stats')).body, 'faultsInjected.gateway-forbidden')).toBe(2);
  });

  it('refuses token requests with a gateway 403 when the fault targets them', async () => {
    await api.fault({ kind: 'gateway-forbidden', match: { path: '^/v3/token' }, probability: 1 });
    const res = await fetch(`${api.sandbox.url}/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_key: 'k', secret: 'sandbox' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
  });

  it('loses the response after the work is done: the socket closes, the customer exists', async () => {
    await api.control('POST', '/faults', {
      kind: 'lost-response',
      match: { method: 'POST', path: 'create-and-screen' },
      count: 1,
    });
    const body = personBody({ full_name: 'Victor Bout' });
    await expect(api.post(`${SYNC}?last_sync_step=ALERTING`, body)).rejects.toThrow();
    const lookup = await api.control(
      'GET',
      `/customers?external_identifier=${body.customer.external_identifier}`,
    );
    expect(lookup.body).toMatchObject({
      count: 1,
      customers: [{ screening_result: 'HAS_PROFILES', case_identifiers: [expect.any(String)] }],
    });
    // The retry of the identical request gets the original workflow back (idempotent).
    const retry = await api.post(`${SYNC}?last_sync_step=ALERTING`, body);
    expect(text(retry.body, 'step_details.customer-creation.step_output.customer_identifier')).toBe(
      at(lookup.body, 'customers.0.identifier'),
    );
  });

  it('applies latency faults and still answers', async () => {
    await api.control('POST', '/faults', {
      kind: 'latency',
      latencyMs: { min: 20, max: 40 },
      match: { path: '^/v2/customers/' },
    });
    expect((await api.get('/v2/customers/cust_x')).status).toBe(404);
    expect(at((await api.control('GET', '/stats')).body, 'faultsInjected.latency')).toBe(1);
  });

  it('lists faults with how often they applied, and DELETE /_sandbox/faults removes them all', async () => {
    await api.control('POST', '/faults', {
      kind: 'server-error',
      status: 502,
      match: { path: '^/v2/cases/' },
    });
    expect((await api.get('/v2/cases/case_x')).status).toBe(502);
    expect((await api.control('GET', '/faults')).body).toEqual([
      expect.objectContaining({ kind: 'server-error', path: '^/v2/cases/', applied: 1, remaining: null }),
    ]);
    expect((await api.control('DELETE', '/faults')).body).toEqual({ cleared: true });
    expect((await api.get('/v2/cases/case_x')).status).toBe(404);
  });

  it('never applies a fault whose probability is 0', async () => {
    await api.control('POST', '/faults', { kind: 'server-error', probability: 0 });
    for (let i = 0; i < 5; i += 1) expect((await api.get('/v2/cases/case_x')).status).toBe(404);
  });

  it('applies the account limit to every Mesh route but never to /_sandbox control routes', async () => {
    await api.control('PATCH', '/settings', { rateLimitPerMinute: 1 });
    const fresh = new SandboxClient(api.sandbox);
    expect((await fresh.get('/v2/cases/case_x')).status).toBe(429);
    for (let i = 0; i < 5; i += 1) expect((await api.control('GET', '/settings')).status).toBe(200);
  });

  it('refuses a malformed fault or settings patch, naming the field', async () => {
    const fault = await api.control('POST', '/faults', { kind: 'latency' });
    expect(fault.status).toBe(400);
    expect(at(fault.body, 'properties.errors.0.field')).toBe('latencyMs');
    const settings = await api.control('PATCH', '/settings', { duplicateShape: 'teapot' });
    expect(at(settings.body, 'properties.errors.0.field')).toBe('duplicateShape');
  });

  it('reset clears customers, webhooks, faults, counters and settings', async () => {
    await api.control('PATCH', '/settings', { duplicateShape: 'conflict-guide' });
    await api.control('POST', '/faults', { kind: 'server-error', match: { path: '^/nothing' } });
    await api.post('/v2/notifications/configurations/webhook', {
      name: 'n',
      type: 'CASE_CREATED',
      url: 'https://example.com/h',
      is_active: true,
    });
    await api.post(SYNC, personBody({ full_name: 'Test CleanUser' }));
    const reset = await api.control('POST', '/reset');
    expect(reset.body).toMatchObject({ reset: true, settings: { duplicateShape: 'errored-200' } });
    expect((await api.control('GET', '/customers')).body).toMatchObject({ count: 0 });
    expect((await api.control('GET', '/faults')).body).toEqual([]);
    expect((await api.control('GET', '/stats')).body).toMatchObject({ requests: 0 });
    expect(at((await api.get('/v2/notifications/configurations/webhook')).body, 'total_count')).toBe(0);
  });
});
