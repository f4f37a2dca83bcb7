import type { Logger } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import type { ScreeningLink, TenantTerms } from '../contracts/onboarding';
import type { ScreeningActivities } from '../contracts/screening-activities';
import { providerTaskQueue, type ScreeningProviderName } from '../contracts/screening-provider';
import { DEFAULT_ACCOUNT } from '../contracts/ca-classic';
import { ConfigError, type Env } from '../platform/config/env';
import { providerAccounts, tenantAccount, tenantChain, type TenantsConfig } from '../platform/config/tenants';
import { createActivities } from '../activities';
import { loadMeshConfig } from '../providers/mesh/config';
import { createMeshClient } from '../providers/mesh/client';
import { createTokenProvider, prefetchToken } from '../providers/mesh/token-provider';
import { loadComplyCubeConfig, requireComplyCubeApiKey } from '../providers/complycube/config';
import { createComplyCubeClient } from '../providers/complycube/client';
import { createComplyCubeActivities } from '../providers/complycube/activities';
import { loadCaClassicConfig, requireCaClassicApiKey } from '../providers/ca-classic/config';
import { createCaClassicClient } from '../providers/ca-classic/client';
import { createCaClassicActivities } from '../providers/ca-classic/activities';
import type { WorkerConfig } from './config';
import { meshRateLimitPlan, perSecondRateLimitPlan } from './rate-plan';

/**
 * The provider accounts of the tenants (TENANTS_FILE) other than the worker's own Mesh and ComplyCube
 * accounts, which src/worker/main.ts builds as before: each gets one activity worker on its own queue
 * (`<queue>-<provider>-<tenant>`, or `<queue>-ca-classic` for the worker's CA-classic account), whose
 * server-side rate limit is that account's budget. Tenants mapping no variable of a provider share the
 * worker's account, its queue and its budget.
 */
export interface ScreeningAccount {
  provider: ScreeningProviderName;
  account: string;
  taskQueue: string;
  profiles: { screeningProfile: string; extensiveProfile?: string };
  activities: ScreeningActivities;
  /** The queue's server-side rate limit (activities per second across every worker). */
  activitiesPerSecond: number;
  slots: number;
  /** Resolves when the account is ready to call (a Mesh token fetched); never rejects. */
  ready: Promise<void>;
  tenants: string[];
}

/** The profiles of the worker's own accounts, from main.ts: what a tenant without mappings screens with. */
export type OwnProfiles = Partial<Record<ScreeningProviderName, ScreeningLink>>;

/**
 * Every account some tenant uses that is not one of `own` (the worker's Mesh and ComplyCube, built in
 * main.ts); a provider a tenant needs but cannot use (no key, no profile) stops the worker here, naming
 * the tenant and the variable.
 */
export function buildTenantAccounts(o: {
  tenants: TenantsConfig;
  own: OwnProfiles;
  taskQueue: string;
  config: WorkerConfig;
  logger: Logger;
  env?: Env;
}): ScreeningAccount[] {
  const env = o.env ?? process.env;
  const accounts: ScreeningAccount[] = [];
  const problems: string[] = [];
  for (const wanted of providerAccounts(o.tenants, env)) {
    if (wanted.account === DEFAULT_ACCOUNT && o.own[wanted.provider] !== undefined) continue;
    const who = `tenant ${wanted.tenants.join(', ')} (${wanted.provider}, account ${wanted.account})`;
    try {
      accounts.push(buildScreeningAccount(wanted.provider, wanted.account, wanted.env, wanted.tenants, o));
    } catch (err) {
      const lines = err instanceof ConfigError ? err.problems : [String(err)];
      problems.push(...lines.map((line) => `${who}: ${line}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return accounts;
}

export function buildScreeningAccount(
  provider: ScreeningProviderName,
  account: string,
  env: Env,
  tenants: string[],
  o: { taskQueue: string; config: WorkerConfig; logger: Logger },
): ScreeningAccount {
  const taskQueue = providerTaskQueue(o.taskQueue, provider, account);
  const base = { provider, account, taskQueue, tenants };
  switch (provider) {
    case 'mesh': {
      const config = loadMeshConfig(env);
      const tokenProvider = createTokenProvider({ config, logger: o.logger });
      const mesh = createMeshClient({ config, tokenProvider, logger: o.logger });
      const plan = meshRateLimitPlan(config.rateLimitPerMinute, { partitions: o.config.taskQueuePartitions });
      return {
        ...base,
        profiles: {
          screeningProfile: config.screeningConfigurationId,
          ...(config.extensiveScreeningConfigurationId !== undefined && {
            extensiveProfile: config.extensiveScreeningConfigurationId,
          }),
        },
        activities: createActivities({ mesh }),
        activitiesPerSecond: plan.activitiesPerSecond,
        slots: o.config.meshActivitySlots,
        ready: prefetchToken(tokenProvider, o.logger),
      };
    }
    case 'complycube': {
      const config = loadComplyCubeConfig(env);
      requireComplyCubeApiKey(config);
      const plan = perSecondRateLimitPlan(config.rateLimitPerSecond, {
        partitions: o.config.complyCubeTaskQueuePartitions,
      });
      return {
        ...base,
        profiles: { screeningProfile: config.checkType, extensiveProfile: config.extensiveCheckType },
        activities: createComplyCubeActivities({
          complycube: createComplyCubeClient({ config, logger: o.logger }),
          config,
        }),
        activitiesPerSecond: plan.activitiesPerSecond,
        slots: o.config.complyCubeActivitySlots,
        ready: Promise.resolve(),
      };
    }
    case 'ca-classic': {
      const config = loadCaClassicConfig(env);
      requireCaClassicApiKey(config);
      if (config.searchProfile === undefined) {
        throw new ConfigError([
          'CA_CLASSIC_SEARCH_PROFILE: required when ComplyAdvantage classic screens: the search profile slug of the standard route',
        ]);
      }
      return {
        ...base,
        profiles: {
          screeningProfile: config.searchProfile,
          ...(config.extensiveSearchProfile !== undefined && {
            extensiveProfile: config.extensiveSearchProfile,
          }),
        },
        activities: createCaClassicActivities({
          api: createCaClassicClient({ config, logger: o.logger }),
          config,
          logger: o.logger,
        }),
        // The account's per-minute budget as a per-second queue rate; one partition keeps it exact.
        activitiesPerSecond: config.rateLimitPerMinute / 60,
        slots: 20,
        ready: Promise.resolve(),
      };
    }
  }
}

/** The CA-classic activity worker of an account: its own queue, its own budget. */
export function accountWorkerOptions(
  base: Pick<WorkerOptions, 'connection' | 'namespace' | 'dataConverter'>,
  account: ScreeningAccount,
  config: WorkerConfig,
  versioning: Pick<WorkerOptions, 'workerDeploymentOptions'>,
): WorkerOptions {
  return {
    ...base,
    ...versioning,
    taskQueue: account.taskQueue,
    activities: account.activities,
    maxTaskQueueActivitiesPerSecond: account.activitiesPerSecond,
    maxConcurrentActivityTaskExecutions: account.slots,
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/**
 * The tenants as the terms activity resolves runs for them: each one's chain with the account and the
 * profiles of each provider. Without TENANTS_FILE the one `default` tenant may also be screened by any
 * provider the worker has (the input's `screening.provider`), as before tenants existed.
 */
export function tenantTerms(
  tenants: TenantsConfig,
  links: (provider: ScreeningProviderName, account: string) => ScreeningLink | undefined,
): { defaultTenant: string; tenants: Record<string, TenantTerms> } {
  const result: Record<string, TenantTerms> = {};
  for (const [name, tenant] of Object.entries(tenants.tenants)) {
    const chain = tenantChain(tenant).map((p) => {
      const link = links(p, tenantAccount(name, tenant, p));
      if (link === undefined) {
        throw new ConfigError([
          tenants.source === 'defaults'
            ? `SCREENING_PROVIDER: ${p} is not configured on this worker (set its API key and search profile, e.g. CA_CLASSIC_API_KEY and CA_CLASSIC_SEARCH_PROFILE)`
            : `TENANTS_FILE: tenants.${name}: ${p} is not configured on this worker (set its API key and profile)`,
        ]);
      }
      return link;
    });
    const choosable =
      tenants.source === 'defaults'
        ? (['mesh', 'complycube', 'ca-classic'] as const)
            .map((p) => links(p, DEFAULT_ACCOUNT))
            .filter((l): l is ScreeningLink => l !== undefined)
        : chain;
    result[name] = { chain, choosable, failoverAfterMs: tenant.failoverAfterMs };
  }
  return { defaultTenant: tenants.defaultTenant, tenants: result };
}
