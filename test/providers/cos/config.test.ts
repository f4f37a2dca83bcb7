import { inspect } from 'node:util';
import { ConfigError } from '../../../src/platform/config/env';
import {
  COS_ENV_VARIABLES,
  cosConnectionOf,
  loadCosConfig,
  requireCosWebhookCredentials,
} from '../../../src/providers/cos/config';

/** The COS section of the environment: off unless COS_BASE_URL is set, then every missing variable named. */

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const ON = {
  COS_BASE_URL: 'https://api.crbcos.example',
  COS_TOKEN_URL: 'https://idptest.crbcos.example/connect/token',
  COS_CLIENT_ID: 'client-1',
  COS_CLIENT_SECRET: 'very-secret-value',
  COS_PARTNER_ID: '00000000-0000-0000-0000-000000000000',
};

describe('loadCosConfig', () => {
  it('is off with an empty environment, with the documented defaults', () => {
    const config = loadCosConfig({});
    expect(config).toEqual({
      baseUrl: undefined,
      tokenUrl: undefined,
      clientId: undefined,
      clientSecret: undefined,
      scope: undefined,
      audience: undefined,
      partnerId: undefined,
      webhookUsername: undefined,
      webhookPassword: undefined,
      webhookUrl: undefined,
      pollIntervalMs: 15 * 60_000,
      reviewDeadlineMs: 7 * 86_400_000,
      rateLimitPerSecond: 10,
    });
    expect(cosConnectionOf(config)).toBeUndefined();
  });

  it('with COS_BASE_URL set, names every missing variable in one error', () => {
    const problems = problemsOf(() => loadCosConfig({ COS_BASE_URL: 'https://api.crbcos.example' }));
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'COS_TOKEN_URL',
      'COS_CLIENT_ID',
      'COS_CLIENT_SECRET',
      'COS_PARTNER_ID',
    ]);
    expect(problems.every((line) => line.includes('required when COS_BASE_URL is set'))).toBe(true);
  });

  it('treats a blank variable as missing, and reports format problems beside missing ones', () => {
    const problems = problemsOf(() =>
      loadCosConfig({ ...ON, COS_CLIENT_ID: '   ', COS_TOKEN_URL: 'not a url', CORE_POLL_INTERVAL: '500ms' }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^COS_TOKEN_URL: expected an absolute URL/),
      expect.stringMatching(/^CORE_POLL_INTERVAL: expected a duration of at least 1s/),
      expect.stringMatching(/^COS_CLIENT_ID: required when COS_BASE_URL is set/),
    ]);
  });

  it('reads every variable and keeps the secrets out of logs', () => {
    const config = loadCosConfig({
      ...ON,
      COS_SCOPE: 'cos.customers cos.webhooks',
      COS_AUDIENCE: 'https://api.crbcos.com/',
      COS_WEBHOOK_USERNAME: 'cos-events',
      COS_WEBHOOK_PASSWORD: 'basic-password-value',
      COS_WEBHOOK_URL: 'https://kyc.example.com/webhooks/cos',
      CORE_POLL_INTERVAL: '1s',
      CORE_REVIEW_DEADLINE: '48h',
      COS_RATE_LIMIT_PER_SECOND: '3',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://api.crbcos.example',
      tokenUrl: 'https://idptest.crbcos.example/connect/token',
      clientId: 'client-1',
      scope: 'cos.customers cos.webhooks',
      audience: 'https://api.crbcos.com/',
      partnerId: '00000000-0000-0000-0000-000000000000',
      webhookUsername: 'cos-events',
      webhookUrl: 'https://kyc.example.com/webhooks/cos',
      pollIntervalMs: 1000,
      reviewDeadlineMs: 48 * 3_600_000,
      rateLimitPerSecond: 3,
    });
    expect(config.clientSecret?.reveal()).toBe('very-secret-value');
    expect(config.webhookPassword?.reveal()).toBe('basic-password-value');
    for (const shown of [inspect(config), JSON.stringify(config)]) {
      expect(shown).not.toContain('very-secret-value');
      expect(shown).not.toContain('basic-password-value');
    }
    expect(cosConnectionOf(config)).toMatchObject({ baseUrl: ON.COS_BASE_URL, partnerId: ON.COS_PARTNER_ID });
  });

  it('refuses a rate of zero and a zero review deadline, naming the variable', () => {
    const problems = problemsOf(() =>
      loadCosConfig({ COS_RATE_LIMIT_PER_SECOND: '0', CORE_REVIEW_DEADLINE: '0s' }),
    );
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'CORE_REVIEW_DEADLINE',
      'COS_RATE_LIMIT_PER_SECOND',
    ]);
  });

  it('lists its variables', () => {
    expect([...COS_ENV_VARIABLES].sort()).toEqual(
      [
        'COS_BASE_URL',
        'COS_TOKEN_URL',
        'COS_CLIENT_ID',
        'COS_CLIENT_SECRET',
        'COS_SCOPE',
        'COS_AUDIENCE',
        'COS_PARTNER_ID',
        'COS_WEBHOOK_USERNAME',
        'COS_WEBHOOK_PASSWORD',
        'COS_WEBHOOK_URL',
        'CORE_POLL_INTERVAL',
        'CORE_REVIEW_DEADLINE',
        'COS_RATE_LIMIT_PER_SECOND',
      ].sort(),
    );
  });
});

describe('requireCosWebhookCredentials', () => {
  it('names both variables when neither is set', () => {
    const problems = problemsOf(() => requireCosWebhookCredentials(loadCosConfig(ON)));
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'COS_WEBHOOK_USERNAME',
      'COS_WEBHOOK_PASSWORD',
    ]);
  });
});
