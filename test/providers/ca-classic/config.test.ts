import { inspect } from 'node:util';
import { ConfigError } from '../../../src/platform/config/env';
import { createCaClassicClient } from '../../../src/providers/ca-classic/client';
import {
  CA_CLASSIC_ENV_VARIABLES,
  loadCaClassicConfig,
  requireCaClassicApiKey,
  requireCaClassicSearchProfile,
} from '../../../src/providers/ca-classic/config';

/** The CA-classic section of the environment: defaults, errors naming the variable, secrets kept secret. */

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const variableOf = (problem: string) => problem.slice(0, problem.indexOf(':'));

describe('loadCaClassicConfig', () => {
  it('has a default for everything, and no key, profile, token or tag until set', () => {
    expect(loadCaClassicConfig({})).toEqual({
      baseUrl: 'https://api.complyadvantage.com',
      apiKey: undefined,
      searchProfile: undefined,
      extensiveSearchProfile: undefined,
      rateLimitPerMinute: 300,
      tagName: undefined,
    });
  });

  it('reads every variable, keeping the key and the tokens secret', () => {
    const config = loadCaClassicConfig({
      CA_CLASSIC_BASE_URL: 'http://127.0.0.1:4030',
      CA_CLASSIC_API_KEY: 'ca_key_123',
      CA_CLASSIC_SEARCH_PROFILE: 'my-usa-profile-1',
      CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE: 'enhanced_profile.v2',
      CA_CLASSIC_RATE_LIMIT_PER_MINUTE: '600',
      CA_CLASSIC_WEBHOOK_TOKEN: 'tok_0123456789abcdef, next-0123456789ABCDEF',
      CA_CLASSIC_WEBHOOK_SOURCES: '10.0.0.0/8, 2001:db8::/32',
      CA_CLASSIC_TAG_NAME: 'kyc_external_id',
    });
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:4030',
      searchProfile: 'my-usa-profile-1',
      extensiveSearchProfile: 'enhanced_profile.v2',
      rateLimitPerMinute: 600,
      tagName: 'kyc_external_id',
    });
    expect(config.apiKey?.reveal()).toBe('ca_key_123');
    for (const shown of [inspect(config), JSON.stringify(config)]) {
      expect(shown).not.toContain('ca_key_123');
      expect(shown).not.toContain('tok_0123456789abcdef');
    }
    expect(CA_CLASSIC_ENV_VARIABLES).toEqual([
      'CA_CLASSIC_BASE_URL',
      'CA_CLASSIC_API_KEY',
      'CA_CLASSIC_SEARCH_PROFILE',
      'CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE',
      'CA_CLASSIC_RATE_LIMIT_PER_MINUTE',
      'CA_CLASSIC_WEBHOOK_TOKEN',
      'CA_CLASSIC_WEBHOOK_SOURCES',
      'CA_CLASSIC_TAG_NAME',
    ]);
  });

  it('names each bad variable and what it expects, without echoing the value', () => {
    const problems = problemsOf(() =>
      loadCaClassicConfig({
        CA_CLASSIC_BASE_URL: 'api.complyadvantage.com',
        CA_CLASSIC_SEARCH_PROFILE: 'My Profile',
        CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE: '-leading-dash',
        CA_CLASSIC_RATE_LIMIT_PER_MINUTE: '0',
        CA_CLASSIC_TAG_NAME: 'kyc:external id',
      }),
    );
    expect(problems.map(variableOf)).toEqual([
      'CA_CLASSIC_BASE_URL',
      'CA_CLASSIC_SEARCH_PROFILE',
      'CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE',
      'CA_CLASSIC_RATE_LIMIT_PER_MINUTE',
      'CA_CLASSIC_TAG_NAME',
    ]);
    expect(problems[1]).toMatch(/expected a search profile slug/);
    expect(problems[3]).toMatch(/expected requests per minute \(a positive whole number\)/);
    expect(problems[4]).toMatch(/expected the name of a tag created in the ComplyAdvantage web app/);
    expect(problems.join('\n')).not.toMatch(/My Profile|external id/);
  });
});

describe('requireCaClassicApiKey and requireCaClassicSearchProfile', () => {
  it('demand the key and the profile, naming the variable, when CA classic is used', () => {
    const config = loadCaClassicConfig({});
    const keyProblems = problemsOf(() => requireCaClassicApiKey(config));
    expect(keyProblems).toEqual([
      expect.stringMatching(/^CA_CLASSIC_API_KEY: required when ComplyAdvantage classic screens/),
    ]);
    expect(keyProblems[0]).toContain('Authorization: Token <key>');
    // The client demands it as it is built.
    expect(problemsOf(() => createCaClassicClient({ config }))).toEqual(keyProblems);
    expect(problemsOf(() => requireCaClassicSearchProfile(config))).toEqual([
      expect.stringMatching(/^CA_CLASSIC_SEARCH_PROFILE: required when ComplyAdvantage classic screens/),
    ]);
  });

  it('give them when set', () => {
    const config = loadCaClassicConfig({ CA_CLASSIC_API_KEY: 'k', CA_CLASSIC_SEARCH_PROFILE: 'std' });
    expect(requireCaClassicApiKey(config).reveal()).toBe('k');
    expect(requireCaClassicSearchProfile(config)).toBe('std');
  });
});
