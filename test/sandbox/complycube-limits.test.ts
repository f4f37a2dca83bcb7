import { PeakPerSecond, SlidingSecondLimiter } from '../../src/sandbox/complycube/rate-limit';
import { DEFAULT_COMPLYCUBE_SETTINGS, startComplyCubeSandbox } from '../../src/sandbox/complycube';
import { webhookRetryGapMs } from '../../src/sandbox/complycube/settings';
import {
  ComplyCubeApi,
  eventually,
  person,
  useComplyCubeSandbox,
  type ErrorBody,
  type Page,
} from './complycube-client';

describe('ComplyCube sandbox: the sliding one-second window', () => {
  it('accepts five requests in any 1000 ms and no sixth, with no burst at a second boundary', () => {
    const limiter = new SlidingSecondLimiter();
    // Five late in one second: a fixed window would accept five more at 1000; a sliding one does not.
    for (const t of [900, 910, 920, 930, 940]) expect(limiter.tryAcquire(5, t)).toBe(true);
    expect(limiter.tryAcquire(5, 950)).toBe(false);
    expect(limiter.tryAcquire(5, 1_100)).toBe(false);
    expect(limiter.tryAcquire(5, 1_899)).toBe(false);
    // Exactly 1000 ms after the first accepted request, its slot is free again: one more, not five.
    expect(limiter.tryAcquire(5, 1_900)).toBe(true);
    expect(limiter.tryAcquire(5, 1_901)).toBe(false);
    expect(limiter.tryAcquire(5, 1_910)).toBe(true);
  });

  it('counts refused requests nowhere, and limit 0 accepts everything', () => {
    const limiter = new SlidingSecondLimiter();
    for (let t = 0; t < 5; t += 1) limiter.tryAcquire(5, t);
    for (let t = 5; t < 900; t += 10) expect(limiter.tryAcquire(5, t)).toBe(false);
    expect(limiter.tryAcquire(5, 1_000)).toBe(true);
    const off = new SlidingSecondLimiter();
    for (let t = 0; t < 100; t += 1) expect(off.tryAcquire(0, t)).toBe(true);
  });

  it('finds the busiest 1000 ms window of served requests, wherever it starts', () => {
    const peak = new PeakPerSecond();
    for (const t of [0, 500, 1_400, 1_450, 1_499, 2_600]) peak.record(t);
    // 500, 1400, 1450, 1499 lie within 1000 ms of each other.
    expect(peak.peak).toBe(4);
  });

  it('spaces webhook retries 60 s, 120 s, 480 s, then doubling, ten in all, times webhookRetryScale', () => {
    const gaps = Array.from({ length: 11 }, (_, i) => webhookRetryGapMs(i + 1, 1));
    expect(gaps).toEqual([
      60_000,
      120_000,
      480_000,
      960_000,
      1_920_000,
      3_840_000,
      7_680_000,
      15_360_000,
      30_720_000,
      61_440_000,
      undefined,
    ]);
    expect(webhookRetryGapMs(3, 0.001)).toBe(480);
  });
});

describe('ComplyCube sandbox: rate limit, faults and stats over HTTP', () => {
  const api = useComplyCubeSandbox();

  it('starts with the documented defaults: 5 requests a second, checks complete after 1 s', async () => {
    expect(DEFAULT_COMPLYCUBE_SETTINGS).toMatchObject({
      rateLimitPerSecond: 5,
      checkDelayMs: 1000,
      externalIdFilter: 'empty',
    });
    const plain = await startComplyCubeSandbox();
    try {
      const settings = await new ComplyCubeApi(() => plain).control.getSettings();
      expect(settings).toEqual({ ...DEFAULT_COMPLYCUBE_SETTINGS, latencyMs: { min: 0, max: 0 } });
    } finally {
      await plain.close();
    }
  });

  it('answers the sixth request within a second with 429 rate_limit_exceeded and no rate-limit headers', async () => {
    await api.control.settings({ rateLimitPerSecond: 5 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.get('/clients')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    for (const a of refused) {
      expect(a.body).toEqual({ type: 'rate_limit_exceeded', message: expect.any(String) });
      expect([...a.headers.keys()].filter((h) => /ratelimit|retry-after/i.test(h))).toEqual([]);
    }
    // The control routes are never limited.
    for (let i = 0; i < 10; i += 1) await api.control.stats();
    const stats = await api.control.stats();
    expect(stats).toMatchObject({ requests: 8, rateLimited: 3, maxRequestsInAnySecond: 5 });
    // Once the window has slid past the accepted requests, the API answers again.
    await eventually(
      async () => ((await api.get('/clients')).status === 200 ? true : undefined),
      'a slot to free',
      5_000,
    );
  });

  it('counts requests, the busiest second, what it holds and deliveries; stats/reset zeroes the counters only', async () => {
    const clientId = await api.createClient(person('Smith'));
    await api.createCheck(clientId);
    await api.get('/clients');
    const stats = await api.control.stats();
    expect(stats).toEqual({
      requests: 3,
      rateLimited: 0,
      // All three, unless the machine took more than a second between them.
      maxRequestsInAnySecond: expect.any(Number),
      clients: 1,
      checks: 1,
      webhookDeliveries: { attempted: 0, delivered: 0, failed: 0, dropped: 0 },
      faultsInjected: {},
    });
    expect(stats.maxRequestsInAnySecond).toBeGreaterThanOrEqual(1);
    expect(stats.maxRequestsInAnySecond).toBeLessThanOrEqual(3);
    await api.control.resetStats();
    expect(await api.control.stats()).toMatchObject({
      requests: 0,
      maxRequestsInAnySecond: 0,
      clients: 1,
      checks: 1,
    });
  });

  it('injects a 429 without headers for matching requests only, as many times as asked', async () => {
    await api.control.addFault({
      kind: 'rate-limit',
      count: 2,
      match: { method: 'POST', path: '^/v1/clients$' },
    });
    expect((await api.get('/clients')).status).toBe(200);
    const first = await api.post<ErrorBody>('/clients', person('Smith'));
    expect(first.status).toBe(429);
    expect(first.body.type).toBe('rate_limit_exceeded');
    expect(first.headers.get('ratelimit-reset')).toBeNull();
    expect((await api.post('/clients', person('Smith'))).status).toBe(429);
    expect((await api.post('/clients', person('Smith'))).status).toBe(201);
    expect(await api.control.faults()).toEqual([
      expect.objectContaining({ kind: 'rate-limit', applied: 2, remaining: 0 }),
    ]);
    expect((await api.control.stats()).rateLimited).toBe(2);
  });

  it('injects a 5xx internal_server_error and does nothing', async () => {
    await api.control.addFault({ kind: 'server-error', status: 503, count: 1, match: { path: '/clients' } });
    const res = await api.post('/clients', person('Smith'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ type: 'internal_server_error', message: expect.any(String) });
    expect((await api.get<Page<unknown>>('/clients')).body.totalItems).toBe(0);
  });

  it('loses the response after the work is done: the socket closes, the client exists', async () => {
    await api.control.addFault({
      kind: 'lost-response',
      count: 1,
      match: { method: 'POST', path: '^/v1/clients$' },
    });
    await expect(api.post('/clients', person('Lost'))).rejects.toThrow();
    const list = await api.get<Page<unknown>>('/clients?personDetails.lastName=Lost');
    expect(list.body.totalItems).toBe(1);
  });

  it('applies latency faults and still answers', async () => {
    await api.control.addFault({ kind: 'latency', latencyMs: { min: 50, max: 60 }, count: 1 });
    const started = Date.now();
    expect((await api.get('/clients')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect((await api.control.stats()).faultsInjected).toEqual({ latency: 1 });
  });

  it("refuses a fault kind this sandbox has no use for, Mesh's resetSeconds, and a malformed settings patch", async () => {
    await expect(api.control.addFault({ kind: 'gateway-forbidden' } as never)).rejects.toThrow(
      /400.*"param":"kind"/,
    );
    await expect(api.control.addFault({ kind: 'rate-limit', resetSeconds: 5 } as never)).rejects.toThrow(
      /"param":"resetSeconds"/,
    );
    await expect(api.control.addFault({ kind: 'latency' })).rejects.toThrow(/"param":"latencyMs"/);
    await expect(api.control.settings({ externalIdFilter: 'sometimes' } as never)).rejects.toThrow(
      /"param":"externalIdFilter"/,
    );
    await expect(api.control.settings({ rateLimitPerSecond: -1 })).rejects.toThrow(
      /"param":"rateLimitPerSecond"/,
    );
  });

  it('clears faults, and reset forgets clients, checks, webhooks, faults, counters and settings', async () => {
    await api.control.addFault({ kind: 'latency', latencyMs: 1 });
    await api.control.clearFaults();
    expect(await api.control.faults()).toEqual([]);
    await api.control.addFault({ kind: 'latency', latencyMs: 1 });
    await api.control.settings({ checkDelayMs: 5_000 });
    await api.createClient(person('Smith'));
    await api.post('/webhooks', { url: 'https://hooks.example.com', enabled: true, events: ['*'] });
    await api.control.reset();
    expect(await api.control.faults()).toEqual([]);
    expect((await api.control.getSettings()).checkDelayMs).toBe(0);
    expect(await api.control.stats()).toMatchObject({ requests: 0, clients: 0, checks: 0 });
    expect((await api.get<Page<unknown>>('/webhooks')).body.totalItems).toBe(0);
  });
});
