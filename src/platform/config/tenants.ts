import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SCREENING_PROVIDERS, type ScreeningProviderName } from '../../contracts/screening-provider';
import { DEFAULT_ACCOUNT } from '../../contracts/ca-classic';
import { formatZodIssues } from '../../contracts/customer-schema';
import { ConfigError, envField, parseDuration, parseEnv, type Env } from './env';

/**
 * TENANTS_FILE (docs/configuration.md, "Tenants"): which screening provider each tenant (a brand, a
 * market) is screened by, its fail-closed fallbacks, and where its own provider credentials are. Read by
 * the worker (terms and one activity worker per provider account) and the bridge (which webhook token
 * belongs to which account). Without the file every run belongs to one tenant, `default`, screened by
 * SCREENING_PROVIDER with no fallback.
 */
export interface TenantConfig {
  primary: ScreeningProviderName;
  fallbacks: ScreeningProviderName[];
  failoverAfterMs: number;
  /** Provider variable → the variable holding this tenant's value (e.g. its own API key). */
  env: Record<string, string>;
}

export interface TenantsConfig {
  defaultTenant: string;
  tenants: Record<string, TenantConfig>;
  /** Where it came from, for messages: the file's path, or `defaults` when TENANTS_FILE is unset. */
  source: string;
}

export const IMPLICIT_TENANT = 'default';

/** The variables of each provider a tenant may map: their prefixes (the sections' own lists name them all). */
const PROVIDER_PREFIXES: Record<ScreeningProviderName, string> = {
  mesh: 'MESH_',
  complycube: 'COMPLYCUBE_',
  'ca-classic': 'CA_CLASSIC_',
};

const envSchema = z.object({
  TENANTS_FILE: z.string().min(1).optional(),
  // Counts queueing too (the account's rate limit): long enough for a burst and a slow answer, so only a
  // provider that does not answer for this long is given up on.
  SCREENING_FAILOVER_AFTER: envField.duration('2m').refine((ms) => ms > 0, {
    error: 'expected a duration greater than zero, e.g. 2m',
  }),
  SCREENING_PROVIDER: z
    .enum(SCREENING_PROVIDERS, { error: `expected one of ${SCREENING_PROVIDERS.join(', ')}` })
    .default('mesh'),
});

export const TENANT_ENV_VARIABLES: readonly string[] = ['TENANTS_FILE', 'SCREENING_FAILOVER_AFTER'];

const provider = z.enum(SCREENING_PROVIDERS, {
  error: `expected a screening provider: one of ${SCREENING_PROVIDERS.join(', ')}`,
});
const variableName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, {
  error: 'expected an environment variable name, e.g. TENANT_B_CA_CLASSIC_API_KEY',
});

function fileSchema(defaultFailoverAfterMs: number, knownVariables: ReadonlySet<string> | undefined) {
  const tenant = z
    .strictObject({
      primary: provider,
      fallbacks: z.array(provider).default([]),
      failoverAfter: z
        .string({ error: 'expected a duration like 30s or 2m' })
        .optional()
        .transform((text, ctx) => {
          if (text === undefined) return defaultFailoverAfterMs;
          const ms = parseDuration(text);
          if (ms === undefined || ms <= 0) {
            ctx.addIssue({ code: 'custom', message: 'expected a duration greater than zero, like 5s or 2m' });
            return z.NEVER;
          }
          return ms;
        }),
      env: z.record(variableName, variableName).default({}),
    })
    .check((ctx) => {
      const chain = [ctx.value.primary, ...ctx.value.fallbacks];
      if (new Set(chain).size !== chain.length) {
        ctx.issues.push({
          code: 'custom',
          path: ['fallbacks'],
          message: 'expected each provider once: the primary is not a fallback, and no fallback repeats',
          input: ctx.value.fallbacks,
        });
      }
      for (const variable of Object.keys(ctx.value.env)) {
        const owner = SCREENING_PROVIDERS.find((p) => variable.startsWith(PROVIDER_PREFIXES[p]));
        if (owner !== undefined && knownVariables !== undefined && !knownVariables.has(variable)) {
          ctx.issues.push({
            code: 'custom',
            path: ['env', variable],
            message: `not a variable the ${owner} section reads (a typo would give the tenant an account of its own)`,
            input: variable,
          });
        }
        if (owner === undefined) {
          ctx.issues.push({
            code: 'custom',
            path: ['env', variable],
            message: `only a provider's variables can be mapped (${Object.values(PROVIDER_PREFIXES).join('*, ')}*)`,
            input: variable,
          });
        }
      }
    });
  return z
    .strictObject({
      defaultTenant: z.string({ error: 'expected the name of the tenant of runs that name none' }),
      tenants: z.record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
          error: 'expected a tenant name of lower-case letters, digits and dashes (at most 32), e.g. brand-b',
        }),
        tenant,
      ),
    })
    .check((ctx) => {
      const names = Object.keys(ctx.value.tenants);
      if (Object.keys(ctx.value.tenants[DEFAULT_ACCOUNT]?.env ?? {}).length > 0) {
        ctx.issues.push({
          code: 'custom',
          path: ['tenants', DEFAULT_ACCOUNT, 'env'],
          message: `the tenant named ${DEFAULT_ACCOUNT} uses the worker's own accounts: give a tenant with credentials of its own another name`,
          input: {},
        });
      }
      if (names.length === 0) {
        ctx.issues.push({
          code: 'custom',
          path: ['tenants'],
          message: 'expected at least one tenant',
          input: {},
        });
      } else if (!names.includes(ctx.value.defaultTenant)) {
        ctx.issues.push({
          code: 'custom',
          path: ['defaultTenant'],
          message: `expected one of the tenants (${names.join(', ')})`,
          input: ctx.value.defaultTenant,
        });
      }
    });
}

/**
 * The tenants, checked at start: a file that cannot be read or parsed, a field of the wrong shape, or a
 * mapped variable that is not set stops the process with one line per problem naming the field.
 */
export function loadTenantsConfig(
  env: Env = process.env,
  options: {
    // The bridge reads only the webhook tokens: it need not hold every tenant's API keys.
    requireMapped?: boolean;
    /** Every provider variable there is (the worker passes the sections' lists): `env` keys are checked against it. */
    knownVariables?: readonly string[];
  } = {},
): TenantsConfig {
  const base = parseEnv(envSchema, env);
  if (base.TENANTS_FILE === undefined) {
    return {
      defaultTenant: IMPLICIT_TENANT,
      tenants: {
        [IMPLICIT_TENANT]: {
          primary: base.SCREENING_PROVIDER,
          fallbacks: [],
          failoverAfterMs: base.SCREENING_FAILOVER_AFTER,
          env: {},
        },
      },
      source: 'defaults',
    };
  }
  const path = base.TENANTS_FILE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `TENANTS_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError([
      `TENANTS_FILE: ${path} is neither JSON nor YAML (${(err as Error).message.split('\n')[0]})`,
    ]);
  }
  const known = options.knownVariables !== undefined ? new Set(options.knownVariables) : undefined;
  const parsed = fileSchema(base.SCREENING_FAILOVER_AFTER, known).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(formatZodIssues(parsed.error).map((line) => `TENANTS_FILE ${path}: ${line}`));
  }
  const problems: string[] = [];
  for (const [name, tenant] of Object.entries(parsed.data.tenants)) {
    for (const [variable, holder] of Object.entries(tenant.env)) {
      if (options.requireMapped !== false && env[holder] === undefined) {
        problems.push(
          `TENANTS_FILE ${path}: tenants.${name}.env.${variable}: names ${holder}, which is not set`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const tenants: Record<string, TenantConfig> = {};
  for (const [name, t] of Object.entries(parsed.data.tenants)) {
    tenants[name] = {
      primary: t.primary,
      fallbacks: t.fallbacks,
      failoverAfterMs: t.failoverAfter,
      env: t.env,
    };
  }
  return { defaultTenant: parsed.data.defaultTenant, tenants, source: path };
}

/** The providers a tenant may be screened by, primary first. */
export function tenantChain(tenant: TenantConfig): ScreeningProviderName[] {
  return [tenant.primary, ...tenant.fallbacks];
}

/**
 * The provider account a tenant uses: its own (named after the tenant) when it maps any of the provider's
 * variables, the worker's (`default`) otherwise. Tenants on the same account share its queue and budget.
 */
export function tenantAccount(name: string, tenant: TenantConfig, p: ScreeningProviderName): string {
  const mapsAny = Object.keys(tenant.env).some((variable) => variable.startsWith(PROVIDER_PREFIXES[p]));
  return mapsAny ? name : DEFAULT_ACCOUNT;
}

/** The environment a tenant's provider sections are read from: the worker's, with the tenant's mappings. */
export function tenantEnv(tenant: TenantConfig, env: Env = process.env): Env {
  const mapped: Record<string, string | undefined> = {};
  for (const [variable, holder] of Object.entries(tenant.env)) mapped[variable] = env[holder];
  return { ...env, ...mapped };
}

/** Every provider account some tenant uses, once each, with the environment to read its section from. */
export function providerAccounts(
  config: TenantsConfig,
  env: Env = process.env,
): Array<{ provider: ScreeningProviderName; account: string; env: Env; tenants: string[] }> {
  const accounts = new Map<
    string,
    { provider: ScreeningProviderName; account: string; env: Env; tenants: string[] }
  >();
  for (const [name, tenant] of Object.entries(config.tenants)) {
    for (const p of tenantChain(tenant)) {
      const account = tenantAccount(name, tenant, p);
      const key = `${p}/${account}`;
      const known = accounts.get(key);
      if (known !== undefined) known.tenants.push(name);
      else accounts.set(key, { provider: p, account, env: tenantEnv(tenant, env), tenants: [name] });
    }
  }
  return [...accounts.values()];
}
