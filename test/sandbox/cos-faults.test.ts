import { CORE_EVENT_NAMES } from '../../src/contracts/core-banking';
import { DEFAULT_COS_SETTINGS, startCosSandbox } from '../../src/sandbox/cos';
import { CosSandboxControl } from '../../testkit/cos-sandbox-control';
import { HttpReceiver } from '../../testkit/http-receiver';
import { waitFor } from '../../testkit/wait';
import { CLIENT_ID, CLIENT_SECRET, CosApi, FAST, envelopeOf, personal, useCosSandbox } from './cos-client';

const CREATE = '/core/v1/cm/customers';

describe('COS sandbox: faults, settings, stats, reset', () => {
  const { api, control } = useCosSandbox({ scanDelayMs: 10_000 });

  it('answers N injected 5xx without handling the request, then recovers', async () => {
    await control().addFault({ kind: 'server-error', count: 1 });
    await control().addFault({ kind: 'server-error', status: 503, count: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await api().post(CREATE, personal())).status);
    expect(statuses).toEqual([500, 503, 201]);
    expect(await control().customers()).toHaveLength(1);
    expect((await control().faults()).map((f) => [f.kind, f.remaining, f.applied])).toEqual([
      ['server-error', 0, 1],
      ['server-error', 0, 1],
    ]);
  });

  it('answers 429 with Retry-After, matched by method and path', async () => {
    await control().addFault({
      kind: 'rate-limit',
      retryAfterSeconds: 7,
      count: 1,
      match: { method: 'POST', path: '/phones$' },
    });
    const { id } = await api().createCustomer(personal());
    const limited = await api().post(`${CREATE}/${id}/phones`, {
      isPrimary: true,
      phoneType: 'Mobile',
      phoneNumber: '2015552345',
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await control().customer(id)).phones).toHaveLength(0);
  });

  it('is down (503 to every API request, tokens still issued) until the faults are cleared', async () => {
    await control().addFault({ kind: 'down', retryAfterSeconds: 30 });
    const answers = await Promise.all([
      api().post(CREATE, personal()),
      api().get(`${CREATE}/00000000-0000-0000-0000-000000000000`),
      api().get('/webhooks/v1/registrations'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(answers[0]?.headers.get('retry-after')).toBe('30');
    expect((await new CosApi(api().url).requestToken()).status).toBe(200);
    await control().clearFaults();
    expect((await api().post(CREATE, personal())).status).toBe(201);
  });

  it('adds latency', async () => {
    await control().addFault({ kind: 'latency', latencyMs: 250, count: 1 });
    const started = Date.now();
    expect((await api().get('/webhooks/v1/registrations')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('refuses an unknown fault kind or setting with 400, and patches settings until reset', async () => {
    await expect(control().request('POST', '/faults', { kind: 'meteor' })).rejects.toThrow(/400/);
    await expect(control().request('POST', '/faults', { kind: 'rate-limit', status: 503 })).rejects.toThrow(
      /400/,
    );
    await expect(control().request('PATCH', '/settings', { scanDelay: 5 })).rejects.toThrow(/400/);
    const patched = await control().settings({ scanDelayMs: 5, eventBatchWindowMs: 0, latencyMs: 3 });
    expect(patched).toMatchObject({ scanDelayMs: 5, eventBatchWindowMs: 0, latencyMs: { min: 3, max: 3 } });
    await control().reset();
    expect(await control().getSettings()).toEqual({ ...DEFAULT_COS_SETTINGS, ...FAST, scanDelayMs: 10_000 });
  });

  it('counts requests, replays, customers, addresses and phones; reset forgets them', async () => {
    await control().resetStats();
    const { id } = await api().createCustomer(JSON.stringify(personal()), { 'idempotency-Key': 'a' });
    await api().post(CREATE, JSON.stringify(personal()), { 'idempotency-Key': 'a' });
    await api().post(`${CREATE}/${id}/addresses`, {
      addressType: 'Home',
      classification: 'Residential',
      isPrimary: true,
      street1: '1 Main St',
      city: 'Town',
      postalCode: '12345',
      countryCode: 'US',
    });
    expect(await control().stats()).toMatchObject({
      requests: 3,
      replays: 1,
      customers: 1,
      addresses: 1,
      phones: 0,
    });
    await control().reset();
    expect(await control().stats()).toMatchObject({ requests: 0, customers: 0, addresses: 0 });
    expect(await control().requests()).toEqual([]);
  });
});

describe('COS sandbox: registrations given at start', () => {
  it('registers both event names with Basic credentials, delivers to them, and keeps them across a reset', async () => {
    const receiver = await HttpReceiver.start();
    const sandbox = await startCosSandbox({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...FAST,
      webhookRegistrations: [{ callbackUrl: receiver.url, username: 'bridge', password: 'pw' }],
    });
    try {
      const control = new CosSandboxControl(sandbox.url);
      const api = new CosApi(sandbox.url);
      await api.login();
      const listed = await api.get<Record<string, unknown>[]>('/webhooks/v1/registrations');
      expect(listed.body.map((r) => [r.eventName, r.type, r.callbackUrl, r.authUsername, r.state])).toEqual(
        CORE_EVENT_NAMES.map((name) => [name, 'Push', receiver.url, 'bridge', 'Active']),
      );
      await control.reset();
      expect((await control.registrations()).map((r) => r.eventName)).toEqual([...CORE_EVENT_NAMES]);

      await api.createCustomer(personal());
      await waitFor(() => receiver.received.length >= 2, { timeoutMs: 5_000, description: 'both events' });
      expect(receiver.received.map((r) => envelopeOf(r).eventName).sort()).toEqual(
        [...CORE_EVENT_NAMES].sort(),
      );
      expect(receiver.received[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('bridge:pw').toString('base64')}`,
      );
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('refuses a mistyped option at start', async () => {
    await expect(
      startCosSandbox({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scanDelayMs: -1 }),
    ).rejects.toThrow(/scanDelayMs/);
  });
});
