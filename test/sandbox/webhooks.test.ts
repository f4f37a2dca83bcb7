import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  SANDBOX_DEV_WEBHOOK_SECRET,
  startSandbox,
  type DeliveryLogEntry,
  type Sandbox,
} from '../../src/sandbox/mesh';
import { at, eventually, personBody, Receiver, SandboxClient, text, type Received } from './sandbox-client';

const ALERTING = '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING';
const WEBHOOKS = '/v2/notifications/configurations/webhook';
const LEGACY_SECRET = 'legacy-secret-for-tests';

describe('sandbox webhooks', () => {
  let sandbox: Sandbox;
  let api: SandboxClient;
  let receiver: Receiver;
  beforeAll(async () => {
    sandbox = await startSandbox({
      rateLimitPerMinute: 0,
      webhookRetryDelaysMs: [30, 30, 30],
      legacySignatureSecret: LEGACY_SECRET,
    });
    api = new SandboxClient(sandbox);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    receiver.received.length = 0;
    receiver.statuses = [];
  });

  const register = (type: string, url = receiver.url) =>
    api.post(WEBHOOKS, { name: `test ${type}`, type, url, is_active: true });

  async function openOnboardingCase(): Promise<{ caseId: string; customerId: string; external: string }> {
    const body = personBody({ full_name: 'Victor Bout' });
    const res = await api.post(ALERTING, body);
    return {
      caseId: text(res.body, 'step_details.case-creation.step_output.case_identifier'),
      customerId: text(res.body, 'step_details.customer-creation.step_output.customer_identifier'),
      external: body.customer.external_identifier,
    };
  }

  const receivedOf = (count: number, what: string): Promise<Received[]> =>
    eventually(() => (receiver.received.length >= count ? [...receiver.received] : undefined), what);

  it("registers a webhook with 201 and the guide's Appendix C response, lists it by type, patches it", async () => {
    const created = await api.post(WEBHOOKS, {
      url: 'https://yourapi.com/webhooks/case-state-updated',
      type: 'CASE_STATE_UPDATED',
      name: 'Case state updates',
      is_active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      identifier: expect.any(String),
      url: 'https://yourapi.com/webhooks/case-state-updated',
      type: 'CASE_STATE_UPDATED',
      is_active: true,
    });
    await register('CASE_CREATED');
    const listed = await api.get(`${WEBHOOKS}?type=CASE_STATE_UPDATED`);
    expect(listed.body).toMatchObject({ total_count: 1, items: [{ type: 'CASE_STATE_UPDATED' }] });
    const patched = await api.patch(`${WEBHOOKS}/${text(created.body, 'identifier')}`, { is_active: false });
    expect(patched.body).toMatchObject({ is_active: false, type: 'CASE_STATE_UPDATED' });
    expect((await api.request('DELETE', `${WEBHOOKS}/${text(created.body, 'identifier')}`)).status).toBe(404);
  });

  it('refuses plain http off loopback, private IPs and unknown types', async () => {
    const http = await register('CASE_CREATED', 'http://example.com/hook');
    expect(at(http.body, 'properties.errors.0')).toMatchObject({
      field: 'url',
      reasons: [expect.stringContaining('HTTPS')],
    });
    const privateIp = await register('CASE_CREATED', 'https://10.1.2.3/hook');
    expect(at(privateIp.body, 'properties.errors.0.reasons.0')).toContain('private');
    const badType = await register('CASE_EXPLODED');
    expect(at(badType.body, 'properties.errors.0.field')).toBe('type');
  });

  it('delivers CASE_CREATED, signed the Standard Webhooks way and with the legacy HMAC', async () => {
    await register('CASE_CREATED');
    const { caseId, customerId, external } = await openOnboardingCase();
    const [delivery] = await receivedOf(1, 'CASE_CREATED');
    const verified = new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).verify(
      delivery!.raw,
      delivery!.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({
      api_version: 'v2',
      webhook_type: 'CASE_CREATED',
      case_identifier: caseId,
      case_type: 'CUSTOMER_ONBOARDING',
      case_state: 'CASE_STATE_NOT_STARTED',
      customer: { identifier: customerId, external_identifier: external, version: 1 },
      case_stage: { stage_type: 'INITIAL', decision_type: null },
      subjects: [{ type: 'CUSTOMER', identifier: customerId, external_identifier: external, version: '1' }],
    });
    expect(delivery!.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery!.headers['x-complyadvantage-signature']).toBe(
      createHmac('sha256', LEGACY_SECRET).update(delivery!.raw).digest('hex'),
    );
  });

  it('fires CASE_TRANSITIONED, and CASE_STAGE_UPDATED for deprecated CASE_STATE_UPDATED registrations, when the analyst decides', async () => {
    await register('CASE_TRANSITIONED');
    await register('CASE_STATE_UPDATED');
    const { caseId, external } = await openOnboardingCase();
    const moved = await api.control('POST', `/cases/${caseId}/transition`, {
      stage: 'DECISION',
      decision: 'POSITIVE',
      note: 'Confirmed false positive',
    });
    expect(moved.body).toMatchObject({
      stage: { stage_type: 'DECISION', decision_type: 'POSITIVE' },
      case_state: 'CASE_STATE_POSITIVE_END_STATE',
    });
    const deliveries = await receivedOf(2, 'both transition webhooks');
    const types = deliveries.map((d) => at(d.body, 'webhook_type')).sort();
    expect(types).toEqual(['CASE_STAGE_UPDATED', 'CASE_TRANSITIONED']);
    for (const d of deliveries) {
      expect(d.body).toMatchObject({
        case_identifier: caseId,
        case_state: 'CASE_STATE_POSITIVE_END_STATE',
        customer: { external_identifier: external },
        note: { contents: 'Confirmed false positive' },
        case_stage: { display_name: 'False Positive', stage_type: 'DECISION', decision_type: 'POSITIVE' },
      });
    }
    const stored = await api.get(`/v2/cases/${caseId}`);
    expect(at(stored.body, 'stage.decision_type')).toBe('POSITIVE');
  });

  it.each([
    ['NEGATIVE', 'CASE_STATE_NEGATIVE_END_STATE'],
    ['PARTIAL_POSITIVE', 'CASE_STATE_NEGATIVE_END_STATE'],
  ])('lets the analyst decide %s', async (decision, caseState) => {
    await register('CASE_TRANSITIONED');
    const { caseId } = await openOnboardingCase();
    await api.control('POST', `/cases/${caseId}/transition`, { stage: 'IN_REVIEW' });
    await api.control('POST', `/cases/${caseId}/transition`, { stage: 'DECISION', decision });
    const deliveries = await receivedOf(2, 'review and decision webhooks');
    const decided = deliveries.find((d) => at(d.body, 'case_stage.decision_type') === decision);
    expect(decided?.body).toMatchObject({ case_state: caseState });
    expect(deliveries.some((d) => at(d.body, 'case_stage.stage_type') === 'REVIEW')).toBe(true);
  });

  it('retries a failed delivery with the same webhook-id, and records the attempts', async () => {
    await register('CASE_CREATED');
    receiver.statuses = [500, 503];
    await openOnboardingCase();
    const deliveries = await receivedOf(3, 'two failures and a success');
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
    for (const d of deliveries)
      expect(() =>
        new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).verify(d.raw, d.headers as Record<string, string>),
      ).not.toThrow();
    const log = (await api.control('GET', '/deliveries')).body as DeliveryLogEntry[];
    expect(log.map((e) => [e.attempt, e.outcome, e.status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 503],
      [3, 'delivered', 200],
    ]);
  });

  it('gives up after the first attempt and three retries', async () => {
    await register('CASE_CREATED');
    receiver.statuses = [500, 500, 500, 500, 500];
    await openOnboardingCase();
    const log = await eventually(async () => {
      const entries = (await api.control('GET', '/deliveries')).body as DeliveryLogEntry[];
      return entries.some((e) => e.outcome === 'gave-up') ? entries : undefined;
    }, 'the delivery to be given up');
    expect(log.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(receiver.received).toHaveLength(4);
  });

  it('records a connection error as a failed attempt', async () => {
    const closed = await new Receiver().start();
    await closed.stop();
    await register('CASE_CREATED', closed.url);
    await openOnboardingCase();
    const log = await eventually(async () => {
      const entries = (await api.control('GET', '/deliveries')).body as DeliveryLogEntry[];
      return entries.some((e) => e.outcome === 'gave-up') ? entries : undefined;
    }, 'the unreachable delivery to be given up');
    expect(log[0]).toMatchObject({ outcome: 'failed', error: expect.any(String) });
  });

  it('sends a v1 twin of each event, with its own webhook-id, when webhookV1Twin is on', async () => {
    await api.control('PATCH', '/settings', { webhookV1Twin: true });
    await register('CASE_CREATED');
    await openOnboardingCase();
    const deliveries = await receivedOf(2, 'the v1 and v2 deliveries');
    expect(deliveries.map((d) => at(d.body, 'api_version')).sort()).toEqual(['v1', 'v2']);
    const v1 = deliveries.find((d) => at(d.body, 'api_version') === 'v1');
    expect(at(v1?.body, 'case_stage')).toBeUndefined();
    expect(deliveries[0]!.headers['webhook-id']).not.toBe(deliveries[1]!.headers['webhook-id']);
  });

  it('opens a CUSTOMER_MONITORING case for an existing customer and fires CASE_CREATED', async () => {
    const res = await api.post(ALERTING, personBody({ full_name: 'Test CleanUser' }));
    const customerId = text(res.body, 'step_details.customer-creation.step_output.customer_identifier');
    await register('CASE_CREATED');
    const opened = await api.control('POST', `/customers/${customerId}/monitoring-cases`, {});
    expect(opened.body).toMatchObject({ type: 'CUSTOMER_MONITORING', stage: { stage_type: 'INITIAL' } });
    const [delivery] = await receivedOf(1, 'the monitoring CASE_CREATED');
    expect(delivery!.body).toMatchObject({
      webhook_type: 'CASE_CREATED',
      case_type: 'CUSTOMER_MONITORING',
      case_identifier: at(opened.body, 'identifier'),
    });
  });

  it('drops webhooks matching a drop-webhook fault and logs them as dropped', async () => {
    await register('CASE_CREATED');
    await register('CASE_TRANSITIONED');
    await api.control('POST', '/faults', { kind: 'drop-webhook', match: { webhookType: 'CASE_CREATED' } });
    const { caseId } = await openOnboardingCase();
    await api.control('POST', `/cases/${caseId}/transition`, { stage: 'DECISION', decision: 'NEGATIVE' });
    const [delivery] = await receivedOf(1, 'the transition webhook');
    expect(at(delivery!.body, 'webhook_type')).toBe('CASE_TRANSITIONED');
    const log = (await api.control('GET', '/deliveries')).body as DeliveryLogEntry[];
    expect(log.find((e) => e.type === 'CASE_CREATED')).toMatchObject({ outcome: 'dropped' });
  });

  it('signs with the configured SANDBOX_WEBHOOK_SECRET, not the development one', async () => {
    const secret = Buffer.from('a-different-secret-of-32-bytes!!').toString('base64');
    const own = await startSandbox({
      rateLimitPerMinute: 0,
      webhookSecret: secret,
      webhookUrls: [receiver.url],
    });
    try {
      const client = new SandboxClient(own);
      const res = await client.post(ALERTING, personBody({ full_name: 'Victor Bout' }));
      expect(at(res.body, 'step_details.case-creation.status')).toBe('COMPLETED');
      const [delivery] = await receivedOf(1, 'the CASE_CREATED delivery');
      const headers = delivery!.headers as Record<string, string>;
      expect(new Webhook(secret).verify(delivery!.raw, headers)).toMatchObject({
        webhook_type: 'CASE_CREATED',
      });
      expect(() => new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).verify(delivery!.raw, headers)).toThrow();
      // Without a legacy secret there is no x-complyadvantage-signature.
      expect(delivery!.headers['x-complyadvantage-signature']).toBeUndefined();
    } finally {
      await own.close();
    }
  });

  it('sends a signed TEST event to a URL through POST .../webhook/test', async () => {
    const res = await api.post(`${WEBHOOKS}/test`, { url: receiver.url });
    expect(res.status).toBe(202);
    const [delivery] = await receivedOf(1, 'the TEST delivery');
    expect(delivery!.headers['webhook-id']).toBe(at(res.body, 'webhook_id'));
    expect(
      new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).verify(
        delivery!.raw,
        delivery!.headers as Record<string, string>,
      ),
    ).toMatchObject({ webhook_type: 'TEST' });
  });

  it('sends nothing to an inactive registration', async () => {
    const created = await register('CASE_CREATED');
    await api.patch(`${WEBHOOKS}/${text(created.body, 'identifier')}`, { is_active: false });
    await register('CASE_TRANSITIONED');
    const { caseId } = await openOnboardingCase();
    await api.control('POST', `/cases/${caseId}/transition`, { stage: 'IN_REVIEW' });
    const [delivery] = await receivedOf(1, 'the transition webhook');
    expect(at(delivery!.body, 'webhook_type')).toBe('CASE_TRANSITIONED');
    const log = (await api.control('GET', '/deliveries')).body as DeliveryLogEntry[];
    expect(log.map((e) => e.type)).toEqual(['CASE_TRANSITIONED']);
  });

  it('pre-registers SANDBOX_WEBHOOK_URLS for CASE_CREATED and CASE_TRANSITIONED, again after reset', async () => {
    const wired = await startSandbox({ webhookUrls: [receiver.url] });
    try {
      const client = new SandboxClient(wired);
      wired.reset();
      const listed = await client.get(WEBHOOKS);
      expect((at(listed.body, 'items') as { type: string }[]).map((w) => w.type).sort()).toEqual([
        'CASE_CREATED',
        'CASE_TRANSITIONED',
      ]);
    } finally {
      await wired.close();
    }
  });
});
