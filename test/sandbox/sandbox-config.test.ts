import { configProblems } from '../helpers/config';
import { loadSandboxConfig, SANDBOX_DEV_WEBHOOK_SECRET } from '../../src/sandbox/config';

describe('sandbox configuration', () => {
  it('defaults to port 4010, password sandbox, the documented dev secret and 300 requests a minute', () => {
    expect(loadSandboxConfig({})).toMatchObject({
      port: 4010,
      password: 'sandbox',
      webhookSecret: SANDBOX_DEV_WEBHOOK_SECRET,
      tokenExpiresInSeconds: 86400,
      rateLimitPerMinute: 300,
      latencyMs: { min: 0, max: 0 },
      legacySignatureSecret: null,
      duplicateShape: 'errored-200',
      webhookV1Twin: false,
      webhookUrls: [],
    });
  });

  it('reads a latency range, pre-registered webhook URLs and a zero rate limit', () => {
    const config = loadSandboxConfig({
      SANDBOX_LATENCY_MS: '1000-3000',
      SANDBOX_WEBHOOK_URLS: 'http://127.0.0.1:4020/webhooks/mesh, http://127.0.0.1:4021/hooks',
      SANDBOX_RATE_LIMIT_PER_MINUTE: '0',
      SANDBOX_DUPLICATE_SHAPE: 'conflict-guide',
    });
    expect(config).toMatchObject({
      latencyMs: { min: 1000, max: 3000 },
      webhookUrls: ['http://127.0.0.1:4020/webhooks/mesh', 'http://127.0.0.1:4021/hooks'],
      rateLimitPerMinute: 0,
      duplicateShape: 'conflict-guide',
    });
  });

  it('names the variable and what it expects when a value is malformed', () => {
    const problems = (env: Record<string, string>) => configProblems(loadSandboxConfig, env);
    expect(problems({ SANDBOX_LATENCY_MS: '3000-1000' })).toEqual([
      expect.stringMatching(/^SANDBOX_LATENCY_MS: expected milliseconds/),
    ]);
    expect(problems({ SANDBOX_WEBHOOK_SECRET: 'whsec_abc' })).toEqual([
      expect.stringMatching(/^SANDBOX_WEBHOOK_SECRET: expected a plain base64/),
    ]);
    expect(problems({ SANDBOX_DUPLICATE_SHAPE: '418' })).toEqual([
      expect.stringMatching(/^SANDBOX_DUPLICATE_SHAPE: expected one of/),
    ]);
  });
});
