import {
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  startComplyCubeSandbox,
  type EventEnvelope,
} from '../../src/sandbox/complycube';
import { HttpReceiver } from '../../testkit/http-receiver';
import {
  ComplyCubeApi,
  eventually,
  expectedSignature,
  matchesOf,
  person,
  useComplyCubeSandbox,
  type ErrorBody,
  type Page,
  type WebhookBody,
} from './complycube-client';
import { Receiver, type Received } from './sandbox-client';

const envelope = (r: Received) => r.body as EventEnvelope;
const types = (received: readonly Received[]) => received.map((r) => envelope(r).type).sort();
/** A copy of `list` once it holds at least `count` entries. */
const atLeast = <T>(list: T[], count: number, what: string): Promise<T[]> =>
  eventually(() => (list.length >= count ? [...list] : undefined), what);

describe('ComplyCube sandbox: webhooks', () => {
  const api = useComplyCubeSandbox({ webhookRetryScale: 0.00001 });
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await new Receiver().start();
  });
  afterAll(() => receiver.stop());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.statuses = [];
  });

  async function register(events: string[], url = receiver.url): Promise<{ id: string; secret: string }> {
    const res = await api.post<WebhookBody>('/webhooks', { url, enabled: true, events, description: 'test' });
    if (res.status !== 201) throw new Error(`POST /webhooks: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, secret: res.body.secret ?? '' };
  }

  const receivedAtLeast = (count: number, what: string) => atLeast(receiver.received, count, what);

  it('registers with 201 and shows the secret in that answer only; lists, reads, updates and deletes', async () => {
    const created = await api.post<WebhookBody>('/webhooks', {
      url: 'https://hooks.example.com/complycube',
      enabled: true,
      events: ['check.completed'],
      description: 'Check results',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      url: 'https://hooks.example.com/complycube',
      enabled: true,
      events: ['check.completed'],
      description: 'Check results',
      secret: expect.stringMatching(/^\S{16,}$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id;
    const read = await api.get(`/webhooks/${id}`);
    expect(read.body).not.toHaveProperty('secret');
    const list = await api.get<Page<WebhookBody>>('/webhooks');
    expect(list.body).toMatchObject({ page: 1, totalItems: 1, pages: 1, items: [{ id }] });
    expect(list.body.items[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const updated = await api.post(`/webhooks/${id}`, { enabled: false, events: ['*'] });
    expect(updated.body).toMatchObject({ enabled: false, events: ['*'] });
    expect(updated.body).not.toHaveProperty('secret');
    expect((await api.delete(`/webhooks/${id}`)).status).toBe(204);
    expect((await api.get(`/webhooks/${id}`)).status).toBe(404);
  });

  it('refuses plain http off loopback, and events that are neither ["*"] nor a list of names', async () => {
    const http = await api.post('/webhooks', {
      url: 'http://example.com/hook',
      enabled: true,
      events: ['*'],
    });
    expect(http.body).toMatchObject({
      type: 'invalid_request',
      param: 'url',
      message: expect.stringContaining('HTTPS'),
    });
    for (const events of [[], ['*', 'check.completed'], 'check.completed']) {
      const res = await api.post<ErrorBody>('/webhooks', {
        url: 'https://hooks.example.com',
        enabled: true,
        events,
      });
      expect([events, res.status, res.body.param]).toEqual([events, 400, 'events']);
    }
    expect(
      (await api.post<ErrorBody>('/webhooks', { url: 'https://hooks.example.com', events: ['*'] })).body
        .param,
    ).toBe('enabled');
  });

  it('signs every delivery with ComplyCube-Signature, hex HMAC-SHA256 of the raw body keyed with the secret', async () => {
    const { secret } = await register(['*']);
    const clientId = await api.createClient(person('Attention'));
    const checkId = await api.createCheck(clientId);
    const received = await receivedAtLeast(4, 'four events');
    expect(types(received)).toEqual([
      'check.completed',
      'check.completed.attention',
      'check.pending',
      'client.created',
    ]);
    for (const delivery of received) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['complycube-signature']).toBe(expectedSignature(delivery.raw, secret));
      expect(delivery.headers['complycube-signature']).not.toBe(
        expectedSignature(delivery.raw, `${secret}x`),
      );
    }
    const completed = received.map(envelope).find((e) => e.type === 'check.completed.attention')!;
    // Exactly the SDK's envelope: the check only, no clientId or externalId.
    expect(completed).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      type: 'check.completed.attention',
      resourceType: 'check',
      payload: {
        id: checkId,
        status: 'complete',
        outcome: 'attention',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
      createdAt: expect.any(String),
    });
    const pending = received.map(envelope).find((e) => e.type === 'check.pending')!;
    expect(pending.payload).toEqual({
      id: checkId,
      status: 'pending',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const created = received.map(envelope).find((e) => e.type === 'client.created')!;
    expect(created).toMatchObject({ resourceType: 'client', payload: { id: clientId } });
    expect(new Set(received.map((r) => envelope(r).id)).size).toBe(4);
  });

  it('sends each webhook only the events it subscribed to', async () => {
    await register(['check.completed.clear']);
    const all = await HttpReceiver.start();
    try {
      await register(['*'], all.url);
      await api.createCheck(await api.createClient(person('Smith')));
      await atLeast(all.received, 4, 'every event at the catch-all');
      const [only] = await receivedAtLeast(1, 'the subscribed event');
      expect(types([only!])).toEqual(['check.completed.clear']);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await all.close();
    }
  });

  it('uses the v1.7.2 spellings check.complete and check.complete.<outcome> when legacyEventNames is set', async () => {
    await api.control.settings({ legacyEventNames: true });
    await register(['check.complete', 'check.complete.clear', 'check.completed']);
    await api.createCheck(await api.createClient(person('Smith')));
    const received = await receivedAtLeast(2, 'the two completion events');
    expect(types(received)).toEqual(['check.complete', 'check.complete.clear']);
  });

  it('raises check.updated and check.completed.<outcome> after each validation', async () => {
    await register([
      'check.updated',
      'check.completed.attention',
      'check.completed.clear',
      'check.completed.match_confirmed',
    ]);
    const checkId = await api.createCheck(await api.createClient(person('Attention')));
    const check = await api.completedCheck(checkId);
    // The completion itself: check.completed.attention.
    await receivedAtLeast(1, 'the completion');
    receiver.received.length = 0;

    const [first, second] = matchesOf(check);
    await api.post(`/checks/${checkId}/validate`, { outcome: 'rejected', matchId: first!.id });
    const afterFirst = await receivedAtLeast(2, 'the events of the first validation');
    expect(types(afterFirst)).toEqual(['check.completed.attention', 'check.updated']);
    await api.post(`/checks/${checkId}/validate`, { outcome: 'confirmed', matchId: second!.id });
    const afterSecond = await receivedAtLeast(4, 'the events of the second validation');
    expect(types(afterSecond.slice(2))).toEqual(['check.completed.match_confirmed', 'check.updated']);
    const updated = afterSecond.map(envelope).find((e) => e.type === 'check.completed.match_confirmed')!;
    expect(updated.payload).toMatchObject({ id: checkId, status: 'complete', outcome: 'match_confirmed' });
  });

  it("raises the same events for the analyst's decision, one validation per match", async () => {
    await register(['check.updated', 'check.completed.attention', 'check.completed.clear']);
    const checkId = await api.createCheck(await api.createClient(person('Attention')));
    await api.completedCheck(checkId);
    await receivedAtLeast(1, 'the completion');
    receiver.received.length = 0;
    await api.control.decide(checkId, 'clear');
    const received = await receivedAtLeast(4, 'two validations');
    expect(types(received)).toEqual([
      'check.completed.attention',
      'check.completed.clear',
      'check.updated',
      'check.updated',
    ]);
  });

  it('raises check.monitoring.attention for the check through the control route', async () => {
    await register(['check.monitoring.attention']);
    const checkId = await api.createCheck(
      await api.createClient(person('Smith')),
      'standard_screening_check',
      {
        enableMonitoring: true,
      },
    );
    await api.completedCheck(checkId);
    await api.control.monitoringAttention(checkId);
    const [event] = await receivedAtLeast(1, 'the monitoring event');
    expect(envelope(event!)).toMatchObject({
      type: 'check.monitoring.attention',
      resourceType: 'check',
      payload: { id: checkId, status: 'complete', outcome: 'clear' },
    });
  });

  it('retries a failing receiver ten times, then disables the webhook until it is enabled again', async () => {
    receiver.statuses = Array.from({ length: 11 }, () => 500);
    const failing = await register(['client.created']);
    await api.createClient(person('Smith'));
    const attempts = await receivedAtLeast(11, 'eleven attempts');
    // The same event, the same bytes, every time.
    expect(new Set(attempts.map((a) => a.raw)).size).toBe(1);
    const disabled = await eventually(async () => {
      const read = await api.get<WebhookBody>(`/webhooks/${failing.id}`);
      return read.body.enabled === false ? read.body : undefined;
    }, 'the webhook to be disabled');
    expect(disabled).toMatchObject({ enabled: false });
    const log = await api.control.deliveries({ webhookId: failing.id });
    expect(log.map((e) => e.outcome)).toEqual([...Array.from({ length: 10 }, () => 'failed'), 'gave-up']);
    expect(log.map((e) => e.attempt)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect((await api.control.stats()).webhookDeliveries).toMatchObject({
      attempted: 11,
      delivered: 0,
      failed: 11,
    });

    // While disabled: an event another webhook receives never reaches this one.
    const witness = await HttpReceiver.start();
    try {
      await register(['client.created'], witness.url);
      const missedClient = await api.createClient(person('Missed'));
      await atLeast(witness.received, 1, 'the witness delivery');
      expect(receiver.received).toHaveLength(11);

      // Enabled again: later events arrive, the missed one is not resent.
      await api.post(`/webhooks/${failing.id}`, { enabled: true });
      const laterClient = await api.createClient(person('Later'));
      const after = await receivedAtLeast(12, 'the next event');
      expect(after.slice(11).map((r) => envelope(r).payload.id)).toEqual([laterClient]);
      expect(after.map((r) => envelope(r).payload.id)).not.toContain(missedClient);
    } finally {
      await witness.close();
    }
  });

  it('counts an answer slower than webhookAttemptTimeoutMs as a failed attempt', async () => {
    await api.control.settings({ webhookAttemptTimeoutMs: 100 });
    const silent = await HttpReceiver.start({ answer: () => new Promise(() => undefined) });
    try {
      const hook = await register(['client.created'], silent.url);
      await api.createClient(person('Smith'));
      const [first] = await eventually(async () => {
        const log = await api.control.deliveries({ webhookId: hook.id });
        return log.length > 0 ? log : undefined;
      }, 'the first attempt to time out');
      expect(first).toMatchObject({ attempt: 1, outcome: 'failed', error: 'timeout' });
    } finally {
      await silent.close();
    }
  });

  it('drops deliveries of one event type with a drop-webhook fault, and counts them', async () => {
    await api.control.addFault({ kind: 'drop-webhook', match: { webhookType: 'check.pending' } });
    await register(['*']);
    await api.createCheck(await api.createClient(person('Smith')));
    const received = await receivedAtLeast(3, 'the events not dropped');
    expect(types(received)).toEqual(['check.completed', 'check.completed.clear', 'client.created']);
    expect(await api.control.deliveries({ type: 'check.pending' })).toEqual([
      expect.objectContaining({ outcome: 'dropped', attempt: 0 }),
    ]);
    expect((await api.control.stats()).webhookDeliveries.dropped).toBe(1);
  });
});

describe('ComplyCube sandbox: pre-registered webhooks', () => {
  it('registers webhookUrls for every event with the dev secret, again after a reset', async () => {
    const receiver = await new Receiver().start();
    const sandbox = await startComplyCubeSandbox({
      webhookUrls: [receiver.url],
      checkDelayMs: 0,
      rateLimitPerSecond: 0,
    });
    try {
      const api = new ComplyCubeApi(() => sandbox);
      expect((await api.get('/webhooks')).body).toMatchObject({
        totalItems: 1,
        items: [{ url: receiver.url, enabled: true, events: ['*'] }],
      });
      sandbox.reset();
      expect((await api.get<Page<WebhookBody>>('/webhooks')).body.totalItems).toBe(1);
      await api.createClient(person('Smith'));
      const [delivery] = await eventually(
        () => (receiver.received.length > 0 ? receiver.received : undefined),
        'a delivery',
      );
      expect(COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET).toBe('complycube-sandbox-dev-webhook-secret');
      expect(delivery!.headers['complycube-signature']).toBe(
        expectedSignature(delivery!.raw, COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET),
      );
    } finally {
      await sandbox.close();
      await receiver.stop();
    }
  });

  it('signs them with webhookSecret when one is given', async () => {
    const receiver = await new Receiver().start();
    const secret = 'a-secret-of-our-own-for-tests';
    const sandbox = await startComplyCubeSandbox({
      webhookUrls: [receiver.url],
      webhookSecret: secret,
      rateLimitPerSecond: 0,
    });
    try {
      await new ComplyCubeApi(() => sandbox).createClient(person('Smith'));
      const [delivery] = await eventually(
        () => (receiver.received.length > 0 ? receiver.received : undefined),
        'a delivery',
      );
      expect(delivery!.headers['complycube-signature']).toBe(expectedSignature(delivery!.raw, secret));
    } finally {
      await sandbox.close();
      await receiver.stop();
    }
  });
});
