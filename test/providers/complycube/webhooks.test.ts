import {
  createComplyCubeActivities,
  WEBHOOK_REENABLED_METRIC,
} from '../../../src/providers/complycube/activities';
import { createComplyCubeClient } from '../../../src/providers/complycube/client';
import { Secret } from '../../../src/providers/complycube/config';
import {
  createComplyCubeWebhook,
  isOurWebhook,
  listComplyCubeWebhooks,
} from '../../../src/providers/complycube/webhooks';
import { API_KEY, capturingLogger, FakeComplyCube, recordingMeter, runActivity } from './fake-complycube';

/**
 * ComplyCube disables a webhook whose deliveries keep failing: the health check finds our registrations
 * and enables the disabled ones again. And the registration functions the register-webhooks CLI uses.
 */

const BRIDGE = 'https://kyc.example.com/webhooks/complycube';

describe('ComplyCube webhooks', () => {
  let fake: FakeComplyCube;
  beforeEach(async () => {
    fake = await FakeComplyCube.start();
  });
  afterEach(() => fake.close());

  const client = () =>
    createComplyCubeClient({ config: { baseUrl: fake.url, apiKey: new Secret(API_KEY), retryBackoffMs: 1 } });

  function activities(webhookUrl?: string) {
    const logger = capturingLogger();
    return {
      logger,
      activities: createComplyCubeActivities({
        complycube: client(),
        config: { checkType: 'standard_screening_check', webhookUrl },
        logger,
      }),
    };
  }

  it('enables our disabled registration again, warns with its id and counts it; leaves others alone', async () => {
    const disabled = fake.seedWebhook({ url: BRIDGE, enabled: false });
    fake.seedWebhook({ url: 'https://kyc.example.com/webhooks/complycube/', enabled: true });
    const stranger = fake.seedWebhook({ url: 'https://other.example.com/hooks', enabled: false });
    const meter = recordingMeter();
    const { activities: a, logger } = activities();

    const health = await runActivity(a.ensureComplyCubeWebhooks, undefined, {}, meter);

    expect(health).toEqual({ registrations: 2, reenabled: [disabled.id] });
    expect(fake.sent()).toEqual(['GET /webhooks', `POST /webhooks/${disabled.id}`]);
    expect(fake.requests[1]!.body).toEqual({ enabled: true });
    expect(disabled.enabled).toBe(true);
    expect(stranger.enabled).toBe(false);
    expect(logger.lines).toEqual([
      `warn ComplyCube webhook was disabled; enabled again {"webhookId":"${disabled.id}"}`,
    ]);
    expect(meter.added).toEqual([{ name: WEBHOOK_REENABLED_METRIC, value: 1, tags: {} }]);
  });

  it('matches COMPLYCUBE_WEBHOOK_URL exactly when it is set', async () => {
    const ours = fake.seedWebhook({ url: BRIDGE, enabled: false });
    const staging = fake.seedWebhook({
      url: 'https://staging.example.com/webhooks/complycube',
      enabled: false,
    });
    const { activities: a } = activities(BRIDGE);
    expect(await runActivity(a.ensureComplyCubeWebhooks, undefined)).toEqual({
      registrations: 1,
      reenabled: [ours.id],
    });
    expect(staging.enabled).toBe(false);
  });

  it('changes nothing when every registration is enabled, and warns when none points at the bridge', async () => {
    fake.seedWebhook({ url: BRIDGE, enabled: true });
    expect(await runActivity(activities().activities.ensureComplyCubeWebhooks, undefined)).toEqual({
      registrations: 1,
      reenabled: [],
    });
    expect(fake.sent()).toEqual(['GET /webhooks']);

    fake.webhooks.splice(0);
    const { activities: a, logger } = activities();
    expect(await runActivity(a.ensureComplyCubeWebhooks, undefined)).toEqual({
      registrations: 0,
      reenabled: [],
    });
    expect(logger.lines).toEqual([
      'warn no ComplyCube webhook points at the bridge; run register-webhooks {"matchedBy":"path /webhooks/complycube"}',
    ]);
  });

  it('reads every page of registrations', async () => {
    for (let i = 0; i < 120; i++) fake.seedWebhook({ url: `https://other.example.com/${i}` });
    const oldestOurs = fake.seedWebhook({
      url: BRIDGE,
      enabled: false,
      createdAt: '2020-01-01T00:00:00.000Z',
    });
    const health = await runActivity(activities().activities.ensureComplyCubeWebhooks, undefined);
    expect(health).toEqual({ registrations: 1, reenabled: [oldestOurs.id] });
    expect(fake.sent()).toEqual(['GET /webhooks', 'GET /webhooks', `POST /webhooks/${oldestOurs.id}`]);
  });

  it('registers the bridge for every event and returns the secret shown only then', async () => {
    const { webhook, secret } = await createComplyCubeWebhook(client(), {
      url: BRIDGE,
      events: ['*'],
      description: 'KYC onboarding bridge',
    });
    expect(fake.requests[0]!.body).toEqual({
      url: BRIDGE,
      events: ['*'],
      description: 'KYC onboarding bridge',
      enabled: true,
    });
    expect(secret).toBe(fake.webhooks[0]!.secret);
    expect(webhook).toEqual({
      id: fake.webhooks[0]!.id,
      url: BRIDGE,
      enabled: true,
      events: ['*'],
      description: 'KYC onboarding bridge',
    });
    expect(webhook).not.toHaveProperty('secret');
  });

  it('lists every registration of the account', async () => {
    for (let i = 0; i < 130; i++) fake.seedWebhook({ url: `https://x.example.com/${i}` });
    const all = await listComplyCubeWebhooks(client());
    expect(all).toHaveLength(130);
    expect(all[0]).not.toHaveProperty('secret');
  });

  it.each([
    [BRIDGE, undefined, true],
    ['https://kyc.example.com/webhooks/complycube/', undefined, true],
    ['https://kyc.example.com/webhooks/complyadvantage', undefined, false],
    ['not a url', undefined, false],
    [BRIDGE, BRIDGE, true],
    ['https://kyc.example.com/webhooks/complycube/', BRIDGE, false],
  ])('isOurWebhook(%s, configured %s) → %s', (url, configured, expected) => {
    expect(isOurWebhook({ url }, configured)).toBe(expected);
  });
});
