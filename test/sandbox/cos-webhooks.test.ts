import { CORE_OFAC_CHANGED, CORE_PEP_CHANGED } from '../../src/contracts/core-banking';
import { HttpReceiver } from '../../testkit/http-receiver';
import { freePort } from '../../testkit/net';
import { waitFor } from '../../testkit/wait';
import { PARTNER_ID, envelopeOf, personal, useCosSandbox, type ProblemBody } from './cos-client';

const REGISTRATIONS = '/webhooks/v1/registrations';

describe('COS sandbox: webhook registrations and delivery', () => {
  const { api, control } = useCosSandbox();
  let receiver: HttpReceiver;
  let failing = false;
  beforeAll(async () => {
    receiver = await HttpReceiver.start({
      path: '/core-events',
      answer: (_request, res) => {
        res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
      },
    });
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
    failing = false;
  });

  /** A customer whose first scan results raise one Ofac.Changed (and one PepScan.Changed) event. */
  const scannedCustomer = async (last: string) => {
    const customer = await api().createCustomer(personal('Test', last));
    await waitFor(async () => (await control().customer(customer.id)).ofac === 'Clear', {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'scanned',
    });
    await control().flushEvents();
    return customer;
  };

  it("registers with `type` or the tutorial's `registrationType`, one per event name, and lists them without passwords", async () => {
    const byType = await api().post(REGISTRATIONS, {
      partnerId: PARTNER_ID,
      eventName: CORE_OFAC_CHANGED,
      type: 'Push',
      format: 'Basic',
      callbackUrl: 'https://cos.example.com/core-events',
      authUsername: 'user',
      authPassword: 'pass',
    });
    expect(byType.status).toBe(201);
    expect(byType.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      partnerId: PARTNER_ID,
      eventName: CORE_OFAC_CHANGED,
      type: 'Push',
      format: 'Basic',
      callbackUrl: 'https://cos.example.com/core-events',
      authUsername: 'user',
      state: 'Active',
      createdAt: expect.any(String),
      lastModifiedAt: expect.any(String),
    });
    const byRegistrationType = await api().post(REGISTRATIONS, {
      partnerId: PARTNER_ID,
      eventName: CORE_PEP_CHANGED,
      registrationType: 'Push',
      callbackUrl: receiver.url,
    });
    expect(byRegistrationType.status).toBe(201);
    expect(byRegistrationType.body).toMatchObject({ type: 'Push', format: 'Basic' });

    const again = await api().post<ProblemBody>(REGISTRATIONS, {
      partnerId: PARTNER_ID,
      eventName: CORE_OFAC_CHANGED,
      type: 'Push',
      callbackUrl: receiver.url,
    });
    expect(again.status).toBe(409);

    const list = await api().get<Record<string, unknown>[]>(REGISTRATIONS);
    expect(list.body.map((r) => [r.eventName, r.state])).toEqual([
      [CORE_OFAC_CHANGED, 'Active'],
      [CORE_PEP_CHANGED, 'Active'],
    ]);
    expect(JSON.stringify(list.body)).not.toContain('pass');
  });

  it('refuses a registration without a kind, with two kinds that disagree, or a Push one without an acceptable URL', async () => {
    const base = { partnerId: PARTNER_ID, eventName: CORE_OFAC_CHANGED };
    const errorsOf = async (body: unknown) =>
      Object.keys((await api().post<ProblemBody>(REGISTRATIONS, body)).body.errors ?? {});
    expect(await errorsOf({ ...base, callbackUrl: receiver.url })).toEqual(['type']);
    expect(
      await errorsOf({ ...base, type: 'Push', registrationType: 'Poll', callbackUrl: receiver.url }),
    ).toEqual(['registrationType']);
    expect(await errorsOf({ ...base, type: 'Push' })).toEqual(['callbackUrl']);
    expect(await errorsOf({ ...base, type: 'Push', callbackUrl: 'http://hooks.example.com/x' })).toEqual([
      'callbackUrl',
    ]);
    expect(await errorsOf({ ...base, type: 'Sms', callbackUrl: receiver.url })).toEqual(['type']);
    expect((await api().get<unknown[]>(REGISTRATIONS)).body).toEqual([]);
    // Poll needs no URL.
    expect((await api().post(REGISTRATIONS, { ...base, type: 'Poll' })).status).toBe(201);
  });

  it('pings a registration with an event flagged isPing', async () => {
    const id = await api().register(CORE_OFAC_CHANGED, receiver.url, { username: 'u', password: 'p' });
    const ping = await api().put(`${REGISTRATIONS}/${id}/ping`);
    expect(ping.status).toBe(200);
    await waitFor(() => receiver.received.length >= 1, { timeoutMs: 5_000, description: 'ping' });
    expect(envelopeOf(receiver.received[0]!)).toMatchObject({
      id: ping.body.pingEventId,
      eventName: CORE_OFAC_CHANGED,
      isPing: true,
      resources: [],
    });
    expect(receiver.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
    expect((await api().put(`${REGISTRATIONS}/00000000-0000-0000-0000-00000000abcd/ping`)).status).toBe(404);
  });

  it('retries a failed delivery 3 more times, then suspends; later events queue until restart delivers them in order', async () => {
    const id = await api().register(CORE_OFAC_CHANGED, receiver.url);
    failing = true;
    const first = await scannedCustomer('One');
    await waitFor(async () => (await control().registrations())[0]?.state === 'Suspended', {
      timeoutMs: 5_000,
      description: 'suspended',
    });
    expect(receiver.received).toHaveLength(4);
    const firstId = envelopeOf(receiver.received[0]!).id;
    expect(receiver.received.map((r) => envelopeOf(r).id)).toEqual([firstId, firstId, firstId, firstId]);
    // The retries say when the previous attempt was.
    expect(envelopeOf(receiver.received[0]!).lastAttemptedAt).toBeUndefined();
    expect(envelopeOf(receiver.received[1]!).lastAttemptedAt).toEqual(expect.any(String));
    const attempts = await control().deliveries({ registrationId: id });
    expect(attempts.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [1, 500, 'failed'],
      [2, 500, 'failed'],
      [3, 500, 'failed'],
      [4, 500, 'suspended'],
    ]);
    expect((await api().get<Record<string, unknown>[]>(REGISTRATIONS)).body[0]?.state).toBe('Suspended');

    failing = false;
    const second = await scannedCustomer('Two');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(4);
    expect((await control().registrations())[0]?.queued).toBe(2);

    const restarted = await api().put(`${REGISTRATIONS}/${id}/restart`);
    expect(restarted.body.state).toBe('Active');
    await waitFor(() => receiver.received.length >= 6, { timeoutMs: 5_000, description: 'queued events' });
    const delivered = receiver.received.slice(4).map(envelopeOf);
    expect(delivered.map((e) => e.id)[0]).toBe(firstId);
    expect(delivered.map((e) => e.resources)).toEqual([
      [`core/v1/cm/customers/${first.id}`],
      [`core/v1/cm/customers/${second.id}`],
    ]);
    expect((await control().registrations())[0]?.queued).toBe(0);
  });

  it('counts a refused connection as a failed attempt too', async () => {
    const port = await freePort();
    const id = await api().register(CORE_OFAC_CHANGED, `http://127.0.0.1:${port}/gone`);
    await scannedCustomer('Nobody');
    await waitFor(async () => (await control().deliveries({ registrationId: id })).length >= 4, {
      timeoutMs: 5_000,
      description: 'four attempts',
    });
    const attempts = await control().deliveries({ registrationId: id });
    expect(attempts.every((d) => d.status === undefined && typeof d.error === 'string')).toBe(true);
    expect(attempts.at(-1)?.outcome).toBe('suspended');
  });

  it('suspends and restarts on the control routes; fail-webhook and drop-webhook faults', async () => {
    const id = await api().register(CORE_OFAC_CHANGED, receiver.url);
    await control().suspendRegistration(id);
    await scannedCustomer('Queued');
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.received).toHaveLength(0);
    await control().addFault({
      kind: 'fail-webhook',
      count: 2,
      status: 502,
      match: { eventName: CORE_OFAC_CHANGED },
    });
    expect((await control().restartRegistration(id)).state).toBe('Active');
    await waitFor(() => receiver.received.length >= 1, { timeoutMs: 5_000, description: 'third attempt' });
    expect(
      (await control().deliveries({ registrationId: id })).map((d) => [d.attempt, d.status, d.outcome]),
    ).toEqual([
      [1, 502, 'failed'],
      [2, 502, 'failed'],
      [3, 200, 'delivered'],
    ]);

    await control().addFault({ kind: 'drop-webhook', count: 1 });
    await scannedCustomer('Dropped');
    await scannedCustomer('Delivered');
    await waitFor(() => receiver.received.length >= 2, { timeoutMs: 5_000, description: 'the next event' });
    const outcomes = (await control().deliveries({ registrationId: id })).slice(3).map((d) => d.outcome);
    expect(outcomes).toEqual(['dropped', 'delivered']);
    expect((await control().stats()).deliveries).toMatchObject({ dropped: 1, delivered: 2, failed: 2 });
  });
});
