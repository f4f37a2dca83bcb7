import { inspect } from 'node:util';
import { ConfigError } from '../../../src/platform/config/env';
import { createCaClassicClient } from '../../../src/providers/ca-classic/client';
import {
  CA_CLASSIC_ENV_VARIABLES,
  loadCaClassicConfig,
  requireCaClassicApiKey,
  requireCaClassicSearchProfile,
} from '../../../src/providers/ca-classic/config';
import {
  CaClassicSourcesError,
  DEFAULT_CA_CLASSIC_WEBHOOK_SOURCES,
  isAllowedSource,
  parseCaClassicSources,
} from '../../../src/providers/ca-classic/sources';

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
      webhookTokens: [],
      webhookSources: parseCaClassicSources(DEFAULT_CA_CLASSIC_WEBHOOK_SOURCES),
      tagName: undefined,
    });
    const { webhookSources } = loadCaClassicConfig({});
    for (const ip of ['52.51.2.160', '52.212.236.102', '52.210.125.73', '52.16.199.44', '127.0.0.1']) {
      expect(isAllowedSource(webhookSources, ip)).toBe(true);
    }
    expect(isAllowedSource(webhookSources, '52.51.2.161')).toBe(false);
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
      webhookSources: {
        ranges: [
          { kind: 'ipv4', address: '10.0.0.0', prefixLength: 8 },
          { kind: 'ipv6', address: '2001:db8::', prefixLength: 32 },
        ],
      },
    });
    expect(config.apiKey?.reveal()).toBe('ca_key_123');
    expect(config.webhookTokens.map((t) => t.reveal())).toEqual([
      'tok_0123456789abcdef',
      'next-0123456789ABCDEF',
    ]);
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
        CA_CLASSIC_WEBHOOK_TOKEN: 'short-secret',
        CA_CLASSIC_WEBHOOK_SOURCES: '52.51.2.160,52.51.2.1600',
        CA_CLASSIC_TAG_NAME: 'kyc:external id',
      }),
    );
    expect(problems.map(variableOf)).toEqual([
      'CA_CLASSIC_BASE_URL',
      'CA_CLASSIC_SEARCH_PROFILE',
      'CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE',
      'CA_CLASSIC_RATE_LIMIT_PER_MINUTE',
      'CA_CLASSIC_WEBHOOK_TOKEN',
      'CA_CLASSIC_WEBHOOK_SOURCES',
      'CA_CLASSIC_TAG_NAME',
    ]);
    expect(problems[1]).toMatch(/expected a search profile slug/);
    expect(problems[3]).toMatch(/expected requests per minute \(a positive whole number\)/);
    expect(problems[4]).toMatch(/token #1 is not usable: expected 16 to 100 URL-safe characters/);
    expect(problems[5]).toMatch(/IPv4 or IPv6 addresses or CIDR ranges.*entry 2 of 2/);
    expect(problems[6]).toMatch(/expected the name of a tag created in the ComplyAdvantage web app/);
    expect(problems.join('\n')).not.toMatch(/My Profile|short-secret|1600|external id/);
  });

  it('refuses a token list that names no token, and a token with characters a URL would encode', () => {
    expect(
      problemsOf(() => loadCaClassicConfig({ CA_CLASSIC_WEBHOOK_TOKEN: ' , ' })).map(variableOf),
    ).toEqual(['CA_CLASSIC_WEBHOOK_TOKEN']);
    expect(problemsOf(() => loadCaClassicConfig({ CA_CLASSIC_WEBHOOK_TOKEN: 'abcdefgh/ijklmnop' }))).toEqual([
      expect.stringMatching(/^CA_CLASSIC_WEBHOOK_TOKEN: token #1 is not usable/),
    ]);
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

describe('parseCaClassicSources and isAllowedSource', () => {
  const sources = parseCaClassicSources(
    ' 52.51.2.160 , 10.0.0.0/8,192.168.1.77/24,2001:DB8::/32, ::1, ::ffff:198.51.100.7,,',
  );

  it('parses addresses and CIDR ranges of both families, ignoring spaces and empty entries', () => {
    expect(sources.ranges).toEqual([
      { kind: 'ipv4', address: '52.51.2.160', prefixLength: 32 },
      { kind: 'ipv4', address: '10.0.0.0', prefixLength: 8 },
      { kind: 'ipv4', address: '192.168.1.77', prefixLength: 24 },
      { kind: 'ipv6', address: '2001:db8::', prefixLength: 32 },
      { kind: 'ipv6', address: '::1', prefixLength: 128 },
      // Written IPv4-mapped, it is the IPv4 address.
      { kind: 'ipv4', address: '198.51.100.7', prefixLength: 32 },
    ]);
  });

  it.each([
    ['52.51.2.160', true],
    ['52.51.2.161', false],
    ['10.255.0.1', true],
    ['11.0.0.1', false],
    ['192.168.1.200', true],
    ['192.168.2.1', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['::1', true],
    // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
    ['::ffff:52.51.2.160', true],
    ['::ffff:10.1.2.3', true],
    ['::ffff:52.51.2.161', false],
    ['198.51.100.7', true],
    ['fe80::1%eth0', false],
    ['0x34.51.2.160', false],
    ['not an address', false],
    ['', false],
  ])('%s → %s', (ip, allowed) => {
    expect(isAllowedSource(sources, ip)).toBe(allowed);
  });

  it('names bad entries by position, and refuses an empty list', () => {
    const message = (text: string) => {
      try {
        parseCaClassicSources(text);
      } catch (err) {
        expect(err).toBeInstanceOf(CaClassicSourcesError);
        return (err as CaClassicSourcesError).problems.join('\n');
      }
      throw new Error('expected a CaClassicSourcesError');
    };
    expect(message('1.2.3.4,x,1.2.3.4/33,2001:db8::/129,10.1,fe80::1%eth0')).toMatch(
      /entry 2 of 6 .*entry 3 of 6 .*entry 4 of 6 .*entry 5 of 6 .*entry 6 of 6 /,
    );
    expect(message(' , ')).toMatch(/the list is empty/);
  });
});
