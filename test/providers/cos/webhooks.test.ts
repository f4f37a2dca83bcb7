import { CORE_EVENT_NAMES } from '../../../src/contracts/core-banking';
import { Secret } from '../../../src/providers/cos/config';
import { createCosClient, type CosApi } from '../../../src/providers/cos/client';
import { restartSuspendedCosRegistrations } from '../../../src/providers/cos/webhooks';
import { cosCallbackUrl, registerCosWebhooks } from '../../../src/register-webhooks/cos';
import { FakeCos, PARTNER_ID } from './fake-cos';

/** register-webhooks at COS: one Push registration per event, idempotent re-runs, suspended ones restarted. */

const URL_ = 'https://kyc.example.com/webhooks/cos';
const PASSWORD = 'basic-password-never-printed';

describe('COS webhook registration', () => {
  let fake: FakeCos;
  let cos: CosApi;
  let lines: string[];
  const out = (line: string) => void lines.push(line);
  const options = (overrides: Partial<Parameters<typeof registerCosWebhooks>[1]> = {}) => ({
    callbackUrl: URL_,
    partnerId: PARTNER_ID,
    username: 'cos-events',
    password: new Secret(PASSWORD),
    dryRun: false,
    ...overrides,
  });
  beforeEach(async () => {
    fake = await FakeCos.start();
    cos = createCosClient({ config: fake.connection(), requestTimeoutMs: 2_000 });
    lines = [];
  });
  afterEach(() => fake.close());

  it('registers each event once, Push with Basic credentials, and prints no password', async () => {
    const outcomes = await registerCosWebhooks(cos, options(), out);
    expect(outcomes.map((o) => [o.eventName, o.action])).toEqual([
      ['Core.Customer.Ofac.Changed', 'create'],
      ['Core.Customer.PepScan.Changed', 'create'],
    ]);
    const posted = fake
      .requestsTo('POST', '/webhooks/v1/registrations')
      .map((r) => JSON.parse(r.raw) as unknown);
    expect(posted).toEqual(
      CORE_EVENT_NAMES.map((eventName) => ({
        partnerId: PARTNER_ID,
        eventName,
        type: 'Push',
        callbackUrl: URL_,
        authUsername: 'cos-events',
        authPassword: PASSWORD,
      })),
    );
    expect(lines.join('\n')).toContain('created');
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('a re-run changes nothing: listed first, nothing posted', async () => {
    await registerCosWebhooks(cos, options(), out);
    lines = [];
    const before = fake.requests.length;
    const outcomes = await registerCosWebhooks(cos, options(), out);
    expect(outcomes.map((o) => o.action)).toEqual(['unchanged', 'unchanged']);
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /webhooks/v1/registrations',
    ]);
    expect(fake.registrations).toHaveLength(2);
    expect(lines.filter((l) => l.includes('unchanged'))).toHaveLength(2);
  });

  it('restarts a suspended registration instead of adding one; leaves other URLs alone', async () => {
    fake.listEnvelope = 'items';
    fake.registrations.push(
      { id: 'reg-ofac', eventName: 'Core.Customer.Ofac.Changed', callbackUrl: URL_, status: 'Suspended' },
      {
        id: 'reg-elsewhere',
        eventName: 'Core.Customer.PepScan.Changed',
        callbackUrl: 'https://old.example.com/webhooks/cos',
        status: 'Active',
      },
    );
    const outcomes = await registerCosWebhooks(cos, options(), out);
    expect(outcomes.map((o) => [o.eventName, o.action, o.registration?.id])).toEqual([
      ['Core.Customer.Ofac.Changed', 'restart', 'reg-ofac'],
      ['Core.Customer.PepScan.Changed', 'create', expect.any(String)],
    ]);
    expect(fake.requestsTo('PUT', '/webhooks/v1/registrations/reg-ofac/restart')).toHaveLength(1);
    expect(fake.registrations.find((r) => r.id === 'reg-ofac')?.status).toBe('Active');
    expect(fake.registrations.find((r) => r.id === 'reg-elsewhere')?.callbackUrl).toBe(
      'https://old.example.com/webhooks/cos',
    );
    expect(lines.some((l) => l.includes('left alone') && l.includes('reg-elsewhere'))).toBe(true);
  });

  it('a dry run lists and changes nothing', async () => {
    fake.registrations.push({
      id: 'reg-ofac',
      eventName: 'Core.Customer.Ofac.Changed',
      callbackUrl: URL_,
      status: 'Suspended',
    });
    const outcomes = await registerCosWebhooks(cos, options({ dryRun: true }), out);
    expect(outcomes.map((o) => o.action)).toEqual(['restart', 'create']);
    expect(fake.requests.filter((r) => r.method !== 'GET' && r.path !== '/connect/token')).toHaveLength(0);
    expect(lines[0]).toBe(`would register ${URL_}`);
  });

  it('restartSuspendedCosRegistrations restarts only suspended registrations of ours', async () => {
    fake.registrations.push(
      { id: 'a', eventName: 'Core.Customer.Ofac.Changed', callbackUrl: URL_, status: 'Suspended' },
      { id: 'b', eventName: 'Core.Customer.PepScan.Changed', callbackUrl: URL_, status: 'Active' },
      {
        id: 'c',
        eventName: 'Core.Customer.PepScan.Changed',
        callbackUrl: 'https://x.example/other',
        status: 'Suspended',
      },
      { id: 'd', eventName: 'Core.Account.Opened', callbackUrl: URL_, status: 'Suspended' },
    );
    expect(await restartSuspendedCosRegistrations(cos, { callbackUrl: URL_ })).toEqual({
      registrations: 2,
      restarted: ['a'],
    });
    // Without a configured URL, any URL ending in /webhooks/cos is ours.
    fake.registrations.find((r) => r.id === 'b')!.status = 'Suspended';
    expect(await restartSuspendedCosRegistrations(cos)).toEqual({ registrations: 2, restarted: ['b'] });
    expect(fake.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/webhooks/v1/registrations/a/restart',
      '/webhooks/v1/registrations/b/restart',
    ]);
  });
});

describe('cosCallbackUrl', () => {
  const meshRoute = '/webhooks/complyadvantage';
  it('takes COS_WEBHOOK_URL, a bare origin getting /webhooks/cos', () => {
    expect(cosCallbackUrl({ webhookUrl: 'https://kyc.example.com', meshUrl: 'https://x/y', meshRoute })).toBe(
      URL_,
    );
    expect(
      cosCallbackUrl({ webhookUrl: 'https://kyc.example.com/in/cos', meshUrl: 'https://x/y', meshRoute }),
    ).toBe('https://kyc.example.com/in/cos');
  });
  it('derives it from --url otherwise, and refuses http off loopback', () => {
    expect(
      cosCallbackUrl({
        webhookUrl: undefined,
        meshUrl: 'https://kyc.example.com/webhooks/complyadvantage',
        meshRoute,
      }),
    ).toBe(URL_);
    expect(() =>
      cosCallbackUrl({ webhookUrl: undefined, meshUrl: 'https://kyc.example.com/hook', meshRoute }),
    ).toThrow(/COS_WEBHOOK_URL: required/);
    expect(() =>
      cosCallbackUrl({ webhookUrl: 'http://kyc.example.com', meshUrl: 'https://x/y', meshRoute }),
    ).toThrow(/HTTPS/);
    expect(cosCallbackUrl({ webhookUrl: 'http://127.0.0.1:3000', meshUrl: 'https://x/y', meshRoute })).toBe(
      'http://127.0.0.1:3000/webhooks/cos',
    );
  });
});
