import { inspect } from 'node:util';
import { ConfigError } from '../../../src/platform/config/env';
import { loadRiskConfig, requireRiskApi, RISK_ENV_VARIABLES } from '../../../src/providers/risk/config';
import { createRiskClient } from '../../../src/providers/risk/client';
import { configProblems } from '../../helpers/config';

/** The risk section of the environment: off by default, the key demanded with the URL, lists and durations checked. */

describe('loadRiskConfig', () => {
  it('leaves the risk step off by default, with the default levels and timeout', () => {
    expect(loadRiskConfig({})).toEqual({
      baseUrl: undefined,
      apiKey: undefined,
      standardLevels: ['low', 'medium'],
      checkTimeoutMs: 5 * 60_000,
    });
    expect(RISK_ENV_VARIABLES).toEqual([
      'RISK_API_BASE_URL',
      'RISK_API_KEY',
      'RISK_STANDARD_LEVELS',
      'RISK_CHECK_TIMEOUT',
    ]);
  });

  it('reads every variable, trims and lower-cases the levels, and keeps the key secret', () => {
    const config = loadRiskConfig({
      RISK_API_BASE_URL: 'http://127.0.0.1:4012',
      RISK_API_KEY: 'risk-key-123',
      RISK_STANDARD_LEVELS: ' Low , LOW,minimal ,, ',
      RISK_CHECK_TIMEOUT: '90s',
    });
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:4012',
      standardLevels: ['low', 'minimal'],
      checkTimeoutMs: 90_000,
    });
    expect(config.apiKey?.reveal()).toBe('risk-key-123');
    expect(inspect(config)).not.toContain('risk-key-123');
    expect(JSON.stringify(config)).not.toContain('risk-key-123');
  });

  it('demands the key once the base URL is set, naming the variable and not echoing values', () => {
    const problems = configProblems(loadRiskConfig, { RISK_API_BASE_URL: 'https://risk.example.com' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^RISK_API_KEY: required when RISK_API_BASE_URL is set/);
    expect(
      configProblems(loadRiskConfig, { RISK_API_BASE_URL: 'https://risk.example.com', RISK_API_KEY: '' })[0],
    ).toMatch(/^RISK_API_KEY:/);
    // A key without a URL is harmless: the step stays off.
    expect(loadRiskConfig({ RISK_API_KEY: 'k' }).baseUrl).toBeUndefined();
  });

  it.each([
    [{ RISK_API_BASE_URL: 'not a url', RISK_API_KEY: 'k' }, 'RISK_API_BASE_URL'],
    [{ RISK_STANDARD_LEVELS: ' , ,' }, 'RISK_STANDARD_LEVELS'],
    [{ RISK_CHECK_TIMEOUT: '0s' }, 'RISK_CHECK_TIMEOUT'],
    [{ RISK_CHECK_TIMEOUT: 'soon' }, 'RISK_CHECK_TIMEOUT'],
  ])('refuses %j, naming %s', (env, variable) => {
    const problems = configProblems(loadRiskConfig, env);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith(`${variable}: `))).toBe(true);
  });

  it('refuses to build a client while the step is off or the key is missing', () => {
    expect(() => createRiskClient({ config: loadRiskConfig({}) })).toThrow(ConfigError);
    expect(() => requireRiskApi({ baseUrl: 'http://127.0.0.1:1', apiKey: undefined })).toThrow(
      /RISK_API_KEY/,
    );
    expect(() => requireRiskApi({ baseUrl: undefined, apiKey: undefined })).toThrow(/RISK_API_BASE_URL/);
  });
});
