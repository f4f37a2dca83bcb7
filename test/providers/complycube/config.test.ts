import { inspect } from 'node:util';
import { ConfigError } from '../../../src/platform/config/env';
import {
  COMPLYCUBE_ENV_VARIABLES,
  loadComplyCubeConfig,
  requireComplyCubeApiKey,
} from '../../../src/providers/complycube/config';
import { createComplyCubeClient } from '../../../src/providers/complycube/client';

/** The ComplyCube section of the environment: defaults, errors naming the variable, the key kept secret. */

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadComplyCubeConfig', () => {
  it('has a default for everything, and no key until one is set', () => {
    expect(loadComplyCubeConfig({})).toEqual({
      baseUrl: 'https://api.complycube.com/v1',
      apiKey: undefined,
      rateLimitPerSecond: 5,
      checkType: 'standard_screening_check',
      extensiveCheckType: 'extensive_screening_check',
      webhookCheckIntervalMs: 15 * 60_000,
      webhookUrl: undefined,
      retryBackoffMs: 30_000,
    });
  });

  it('reads every variable', () => {
    const config = loadComplyCubeConfig({
      COMPLYCUBE_BASE_URL: 'http://127.0.0.1:4020/v1',
      COMPLYCUBE_API_KEY: 'test_key_123',
      COMPLYCUBE_RATE_LIMIT_PER_SECOND: '10',
      COMPLYCUBE_CHECK_TYPE: 'extensive_screening_check',
      COMPLYCUBE_EXTENSIVE_CHECK_TYPE: 'enhanced_screening_check',
      COMPLYCUBE_WEBHOOK_CHECK_INTERVAL: '5m',
      COMPLYCUBE_WEBHOOK_URL: 'https://kyc.example.com/webhooks/complycube',
      COMPLYCUBE_RETRY_BACKOFF: '200ms',
    });
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:4020/v1',
      rateLimitPerSecond: 10,
      checkType: 'extensive_screening_check',
      extensiveCheckType: 'enhanced_screening_check',
      webhookCheckIntervalMs: 300_000,
      webhookUrl: 'https://kyc.example.com/webhooks/complycube',
      retryBackoffMs: 200,
    });
    expect(config.apiKey?.reveal()).toBe('test_key_123');
    expect(inspect(config)).not.toContain('test_key_123');
    expect(JSON.stringify(config)).not.toContain('test_key_123');
    expect(COMPLYCUBE_ENV_VARIABLES).toEqual([
      'COMPLYCUBE_BASE_URL',
      'COMPLYCUBE_API_KEY',
      'COMPLYCUBE_RATE_LIMIT_PER_SECOND',
      'COMPLYCUBE_CHECK_TYPE',
      'COMPLYCUBE_EXTENSIVE_CHECK_TYPE',
      'COMPLYCUBE_WEBHOOK_CHECK_INTERVAL',
      'COMPLYCUBE_WEBHOOK_URL',
      'COMPLYCUBE_RETRY_BACKOFF',
    ]);
  });

  it('names each bad variable, without echoing its value', () => {
    const problems = problemsOf(() =>
      loadComplyCubeConfig({
        COMPLYCUBE_BASE_URL: 'api.complycube.com',
        COMPLYCUBE_RATE_LIMIT_PER_SECOND: '0',
        COMPLYCUBE_CHECK_TYPE: 'Standard Screening',
        COMPLYCUBE_WEBHOOK_CHECK_INTERVAL: 'often',
        COMPLYCUBE_WEBHOOK_URL: 'bridge',
        COMPLYCUBE_RETRY_BACKOFF: '0s',
      }),
    );
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'COMPLYCUBE_BASE_URL',
      'COMPLYCUBE_RATE_LIMIT_PER_SECOND',
      'COMPLYCUBE_CHECK_TYPE',
      'COMPLYCUBE_WEBHOOK_CHECK_INTERVAL',
      'COMPLYCUBE_WEBHOOK_URL',
      'COMPLYCUBE_RETRY_BACKOFF',
    ]);
    expect(problems.join('\n')).not.toMatch(/Standard Screening|often|bridge/);
  });
});

describe('requireComplyCubeApiKey', () => {
  it('demands the key, naming the variable, when ComplyCube is used', () => {
    const problems = problemsOf(() => requireComplyCubeApiKey(loadComplyCubeConfig({})));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^COMPLYCUBE_API_KEY: required when ComplyCube screens/);
    // The client demands it as it is built.
    expect(problemsOf(() => createComplyCubeClient({ config: loadComplyCubeConfig({}) }))).toEqual(problems);
  });

  it('gives the key when it is set', () => {
    expect(requireComplyCubeApiKey(loadComplyCubeConfig({ COMPLYCUBE_API_KEY: 'k' })).reveal()).toBe('k');
  });
});
