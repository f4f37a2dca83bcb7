import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/platform/config/env';
import {
  loadTenantsConfig,
  providerAccounts,
  tenantAccount,
  tenantEnv,
} from '../../src/platform/config/tenants';
import { caClassicWebhookTokens } from '../../src/bridge/config';

const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
let n = 0;
function file(content: string, ext = 'json'): string {
  const path = join(dir, `tenants-${(n += 1)}.${ext}`);
  writeFileSync(path, content);
  return path;
}

const TWO = {
  defaultTenant: 'a',
  tenants: {
    a: { primary: 'mesh', fallbacks: [], failoverAfter: '5s' },
    b: {
      primary: 'ca-classic',
      fallbacks: ['mesh'],
      failoverAfter: '10s',
      env: {
        CA_CLASSIC_API_KEY: 'TENANT_B_CA_CLASSIC_API_KEY',
        CA_CLASSIC_WEBHOOK_TOKEN: 'TENANT_B_CA_TOKEN',
      },
    },
  },
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('TENANTS_FILE', () => {
  it('gives tenants without a window of their own SCREENING_FAILOVER_AFTER (default 2m)', () => {
    const path = file(JSON.stringify({ defaultTenant: 'a', tenants: { a: { primary: 'mesh' } } }));
    expect(loadTenantsConfig({ TENANTS_FILE: path }).tenants.a?.failoverAfterMs).toBe(120_000);
    expect(
      loadTenantsConfig({ TENANTS_FILE: path, SCREENING_FAILOVER_AFTER: '' }).tenants.a?.failoverAfterMs,
    ).toBe(120_000);
    expect(
      loadTenantsConfig({ TENANTS_FILE: path, SCREENING_FAILOVER_AFTER: '45s' }).tenants.a?.failoverAfterMs,
    ).toBe(45_000);
  });

  it('without a file: one default tenant screened by SCREENING_PROVIDER, failover window from SCREENING_FAILOVER_AFTER', () => {
    expect(loadTenantsConfig({ SCREENING_PROVIDER: 'complycube', SCREENING_FAILOVER_AFTER: '7s' })).toEqual({
      defaultTenant: 'default',
      tenants: { default: { primary: 'complycube', fallbacks: [], failoverAfterMs: 7_000, env: {} } },
      source: 'defaults',
    });
  });

  it('reads the shape of the issue as JSON and the same as YAML', () => {
    const env = { TENANT_B_CA_CLASSIC_API_KEY: 'key-b', TENANT_B_CA_TOKEN: 'token-b-0123456789ab' };
    const json = loadTenantsConfig({ ...env, TENANTS_FILE: file(JSON.stringify(TWO)) });
    const yaml = loadTenantsConfig({
      ...env,
      TENANTS_FILE: file(
        [
          'defaultTenant: a',
          'tenants:',
          '  a: { primary: mesh, fallbacks: [], failoverAfter: 5s }',
          '  b:',
          '    primary: ca-classic',
          '    fallbacks: [mesh]',
          '    failoverAfter: 10s',
          '    env:',
          '      CA_CLASSIC_API_KEY: TENANT_B_CA_CLASSIC_API_KEY',
          '      CA_CLASSIC_WEBHOOK_TOKEN: TENANT_B_CA_TOKEN',
        ].join('\n'),
        'yaml',
      ),
    });
    expect(yaml.tenants).toEqual(json.tenants);
    expect(json.tenants.b).toMatchObject({
      primary: 'ca-classic',
      fallbacks: ['mesh'],
      failoverAfterMs: 10_000,
    });
    // Tenant b's CA-classic account is its own; its Mesh fallback is the worker's.
    expect(tenantAccount('b', json.tenants.b!, 'ca-classic')).toBe('b');
    expect(tenantAccount('b', json.tenants.b!, 'mesh')).toBe('default');
    expect(tenantEnv(json.tenants.b!, { ...env, CA_CLASSIC_API_KEY: 'worker-key' }).CA_CLASSIC_API_KEY).toBe(
      'key-b',
    );
    expect(
      providerAccounts(json, env).map((a) => `${a.provider}/${a.account}:${a.tenants.join('+')}`),
    ).toEqual(['mesh/default:a+b', 'ca-classic/b:b']);
  });

  it('names every bad field, and a mapped variable that is not set', () => {
    const bad = {
      defaultTenant: 'zz',
      tenants: {
        a: { primary: 'acme', failoverAfter: 'soon' },
        b: { primary: 'mesh', fallbacks: ['mesh'], env: { API_KEY: 'X' } },
        c: { primary: 'mesh', env: { MESH_CLIENT_SECRET: 'C_SECRET' } },
      },
    };
    const problems = problemsOf(() => loadTenantsConfig({ TENANTS_FILE: file(JSON.stringify(bad)) }));
    expect(problems.join('\n')).toMatch(/tenants\.a\.primary: expected a screening provider/);
    expect(problems.join('\n')).toMatch(/tenants\.a\.failoverAfter: expected a duration/);
    expect(problems.join('\n')).toMatch(/tenants\.b\.fallbacks: expected each provider once/);
    expect(problems.join('\n')).toMatch(/tenants\.b\.env\.API_KEY: only a provider's variables/);
    const unset = problemsOf(() =>
      loadTenantsConfig({
        TENANTS_FILE: file(JSON.stringify({ defaultTenant: 'c', tenants: { c: bad.tenants.c } })),
      }),
    );
    const typo = problemsOf(() =>
      loadTenantsConfig(
        {
          TENANTS_FILE: file(
            JSON.stringify({
              defaultTenant: 'c',
              tenants: { c: { primary: 'mesh', env: { MESH_PASWORD: 'P' } } },
            }),
          ),
          P: 'x',
        },
        { knownVariables: ['MESH_PASSWORD'] },
      ),
    );
    expect(typo).toEqual([
      expect.stringMatching(/tenants\.c\.env\.MESH_PASWORD: not a variable the mesh section reads/),
    ]);
    expect(unset).toEqual([
      expect.stringMatching(/tenants\.c\.env\.MESH_CLIENT_SECRET: names C_SECRET, which is not set/),
    ]);
    expect(
      problemsOf(() =>
        loadTenantsConfig({
          TENANTS_FILE: file(JSON.stringify({ defaultTenant: 'q', tenants: { a: { primary: 'mesh' } } })),
        }),
      ),
    ).toEqual([expect.stringMatching(/defaultTenant: expected one of the tenants \(a\)/)]);
    const reserved = {
      defaultTenant: 'default',
      tenants: { default: { primary: 'mesh', env: { MESH_PASSWORD: 'P' } } },
    };
    expect(
      problemsOf(() => loadTenantsConfig({ TENANTS_FILE: file(JSON.stringify(reserved)), P: 'x' })),
    ).toEqual([
      expect.stringMatching(/tenants\.default\.env: the tenant named default uses the worker's own accounts/),
    ]);
    expect(problemsOf(() => loadTenantsConfig({ TENANTS_FILE: join(dir, 'missing.json') }))).toEqual([
      expect.stringMatching(/TENANTS_FILE: cannot read .*missing\.json \(ENOENT\)/),
    ]);
    expect(problemsOf(() => loadTenantsConfig({ TENANTS_FILE: file('{ "a": [', 'json') }))[0]).toMatch(
      /neither JSON nor YAML/,
    );
  });

  it("gives the bridge each CA-classic account's webhook token, refusing one token for two accounts", () => {
    const env = {
      CA_CLASSIC_WEBHOOK_TOKEN: 'worker-token-0123456789',
      TENANT_B_CA_TOKEN: 'tenant-b-token-0123456789',
      TENANTS_FILE: file(JSON.stringify(TWO)),
    };
    // The bridge does not need the tenants' API keys.
    const tenants = loadTenantsConfig(env, { requireMapped: false });
    expect(caClassicWebhookTokens(env, tenants).map((t) => [t.token.reveal(), t.account])).toEqual([
      ['worker-token-0123456789', 'default'],
      ['tenant-b-token-0123456789', 'b'],
    ]);
    const shared = { ...env, TENANT_B_CA_TOKEN: 'worker-token-0123456789' };
    expect(problemsOf(() => caClassicWebhookTokens(shared, tenants))[0]).toMatch(
      /TENANT_B_CA_TOKEN: tenant b's CA-classic account needs a webhook token of its own/,
    );
  });
});
