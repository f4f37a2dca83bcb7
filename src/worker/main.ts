import type { Logger } from '@temporalio/common';
import { Runtime, Worker } from '@temporalio/worker';
import { createDataConverter } from '../platform/codec/data-converter';
import { loadEncryptionConfig } from '../platform/config/encryption';
import { ConfigError, loadOrExit } from '../platform/config/env';
import { loadLoggingConfig } from '../platform/config/logging';
import { loadMeshConfig } from '../providers/mesh/config';
import { loadOnboardingDefaults } from './onboarding-defaults';
import { formatHostPort, loadMetricsConfig } from '../platform/config/metrics';
import { loadTemporalConfig } from '../platform/config/temporal';
import { connectTemporalWorker } from '../platform/temporal/connection';
import { loadWorkerConfig } from './config';
import {
  complyCubeWorkerOptions,
  cosWorkerOptions,
  meshWorkerOptions,
  riskWorkerOptions,
  versioningOptions,
  workflowWorkerOptions,
} from './options';
import { loadRiskConfig } from '../providers/risk/config';
import { createRiskClient } from '../providers/risk/client';
import { createRiskActivities } from '../providers/risk/activities';
import { cosConnectionOf, loadCosConfig } from '../providers/cos/config';
import { createCosClient } from '../providers/cos/client';
import { createCosActivities } from '../providers/cos/activities';
import { createCosTokenProvider } from '../providers/cos/token-provider';
import { loadComplyCubeConfig } from '../providers/complycube/config';
import { createComplyCubeClient } from '../providers/complycube/client';
import { createComplyCubeActivities } from '../providers/complycube/activities';
import { complyCubeApplicantProblems } from '../providers/complycube/applicant';
import type { MeshCustomer } from '../contracts/customer';
import { providerTaskQueue } from '../contracts/screening-provider';
import { riskTaskQueue } from '../contracts/risk';
import { coreTaskQueue } from '../contracts/core-banking';
import { ensureWebhookHealthSchedule } from './complycube-schedule';
import { watchCosWebhooks } from './cos-webhook-watch';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { missingSearchAttributes, searchAttributeCommands } from '../platform/temporal/search-attributes';
import { createMeshClient } from '../providers/mesh/client';
import { createTokenProvider, prefetchToken } from '../providers/mesh/token-provider';
import { createLogger } from '../platform/logging/logger';
import { installWorkerRuntime } from '../platform/temporal/worker-runtime';
import { meshRateLimitPlan, perSecondRateLimitPlan } from './rate-plan';
import { meshTaskQueue } from '../contracts/onboarding';
import { resolveBuildId } from './build-id';
import { promoteIfWanted, type DeploymentVersion } from './deployment';
import { deploymentNameFor, loadDeploymentConfig } from './deployment-config';
import { loadTenantsConfig } from '../platform/config/tenants';
import { DEFAULT_ACCOUNT } from '../contracts/ca-classic';
import type { ScreeningLink } from '../contracts/onboarding';
import {
  accountWorkerOptions,
  buildScreeningAccount,
  buildTenantAccounts,
  tenantTerms,
  type OwnProfiles,
  type ScreeningAccount,
} from './screening-accounts';
import { CA_CLASSIC_ENV_VARIABLES, loadCaClassicConfig } from '../providers/ca-classic/config';
import { MESH_ENV_VARIABLES } from '../providers/mesh/config';
import { COMPLYCUBE_ENV_VARIABLES } from '../providers/complycube/config';

/**
 * `npm run worker`: the workflow worker on TEMPORAL_TASK_QUEUE and the Mesh activity worker on
 * `<queue>-mesh`, whose server-side rate limit keeps every worker of the account together under the
 * provider's budget (src/worker/rate-plan.ts). SIGINT/SIGTERM drain both and exit.
 */

/** A Mesh request may take its 10 s timeout, plus a token fetch. */
const MIN_SENSIBLE_WINDOW_MS = 15_000;

async function main(): Promise<void> {
  const temporal = loadOrExit(() => loadTemporalConfig());
  const meshConfig = loadOrExit(() => loadMeshConfig());
  const config = loadOrExit(() => loadWorkerConfig());
  const deployment = loadOrExit(() => loadDeploymentConfig());
  // Which build this is, for Worker Versioning: runs pinned to it are served by workers of this build only.
  const version: DeploymentVersion | undefined = deployment.versioning
    ? {
        deploymentName: deployment.deploymentName ?? deploymentNameFor(temporal.taskQueue),
        buildId: loadOrExit(() => resolveBuildId(deployment.buildId)).buildId,
      }
    : undefined;
  const complyCubeConfig = loadOrExit(() => loadComplyCubeConfig());
  // ComplyCube serves runs when its key is set; choosing it by default without a key stops the worker here.
  const complyCubeOn = complyCubeConfig.apiKey !== undefined;
  if (config.screeningProvider === 'complycube' && !complyCubeOn) {
    loadOrExit(() => {
      throw new ConfigError([
        'COMPLYCUBE_API_KEY: required with SCREENING_PROVIDER=complycube (the account API key, sandbox or live)',
      ]);
    });
  }
  // The steps around screening, each on when its base URL is set (docs/workflow.md, "The whole flow").
  const riskConfig = loadOrExit(() => loadRiskConfig());
  const riskOn = riskConfig.baseUrl !== undefined;
  if (riskOn && meshConfig.extensiveScreeningConfigurationId === undefined) {
    loadOrExit(() => {
      throw new ConfigError([
        'MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID: required with RISK_API_BASE_URL: the Mesh screening configuration of the enhanced route (high or unknown risk)',
      ]);
    });
  }
  const cosConfig = loadOrExit(() => loadCosConfig());
  const cosConnection = cosConnectionOf(cosConfig);
  const tenants = loadOrExit(() =>
    loadTenantsConfig(process.env, {
      knownVariables: [...MESH_ENV_VARIABLES, ...COMPLYCUBE_ENV_VARIABLES, ...CA_CLASSIC_ENV_VARIABLES],
    }),
  );
  const caClassicOn = loadOrExit(() => loadCaClassicConfig()).apiKey !== undefined;
  // Every onboarding that does not override them starts with these terms; nonsense stops the worker here.
  const defaults = {
    ...loadOrExit(() => loadOnboardingDefaults(meshConfig.screeningConfigurationId)),
    provider: config.screeningProvider,
    providers: {
      mesh: {
        screeningProfile: meshConfig.screeningConfigurationId,
        ...(meshConfig.extensiveScreeningConfigurationId !== undefined && {
          extensiveProfile: meshConfig.extensiveScreeningConfigurationId,
        }),
      },
      ...(complyCubeOn && {
        complycube: {
          screeningProfile: complyCubeConfig.checkType,
          extensiveProfile: complyCubeConfig.extensiveCheckType,
        },
      }),
    },
    ...(riskOn && {
      risk: { standardLevels: riskConfig.standardLevels, checkTimeoutMs: riskConfig.checkTimeoutMs },
    }),
    ...(cosConnection !== undefined && {
      core: {
        partnerId: cosConnection.partnerId,
        pollIntervalMs: cosConfig.pollIntervalMs,
        reviewDeadlineMs: cosConfig.reviewDeadlineMs,
      },
    }),
  };

  const logging = loadOrExit(() => loadLoggingConfig());
  const metrics = loadOrExit(() => loadMetricsConfig());

  // The Runtime turns SIGINT/SIGTERM into a graceful shutdown of every worker in this process, writes
  // every log line (SDK, Core, workflows, activities) as redacted JSON and serves the Prometheus metrics.
  // A taken metrics port (a second worker on this host) stops it here, naming WORKER_METRICS_ADDRESS.
  loadOrExit(() =>
    installWorkerRuntime({
      logger: createLogger({ name: 'worker', level: logging.level }),
      level: logging.level,
      metrics: metrics.worker,
      shutdownSignals: ['SIGINT', 'SIGTERM'],
    }),
  );
  const logger = Runtime.instance().logger;

  // The worker's own accounts (Mesh always, ComplyCube and CA classic when their keys are set), then every
  // account a tenant maps credentials of its own for: one activity worker, queue and budget each.
  const own: OwnProfiles = {
    mesh: { provider: 'mesh', account: DEFAULT_ACCOUNT, ...defaults.providers.mesh },
    ...(defaults.providers.complycube !== undefined && {
      complycube: { provider: 'complycube', account: DEFAULT_ACCOUNT, ...defaults.providers.complycube },
    }),
  };
  const ownCaClassic: ScreeningAccount | undefined = caClassicOn
    ? loadOrExit(() =>
        buildScreeningAccount('ca-classic', DEFAULT_ACCOUNT, process.env, [], {
          taskQueue: temporal.taskQueue,
          config,
          logger,
        }),
      )
    : undefined;
  if (ownCaClassic !== undefined) {
    own['ca-classic'] = { provider: 'ca-classic', account: DEFAULT_ACCOUNT, ...ownCaClassic.profiles };
  }
  const tenantAccounts = loadOrExit(() =>
    buildTenantAccounts({ tenants, own, taskQueue: temporal.taskQueue, config, logger }),
  );
  const extraAccounts = [...(ownCaClassic !== undefined ? [ownCaClassic] : []), ...tenantAccounts];
  const linkOf = (provider: ScreeningLink['provider'], account: string): ScreeningLink | undefined =>
    account === DEFAULT_ACCOUNT && own[provider] !== undefined
      ? own[provider]
      : extraAccounts
          .filter((a) => a.provider === provider && a.account === account)
          .map((a) => ({ provider, account, ...a.profiles }))[0];
  const runDefaults = { ...defaults, tenants: loadOrExit(() => tenantTerms(tenants, linkOf)) };
  for (const [name, tenant] of Object.entries(tenants.tenants)) {
    // Each attempt is cut at the window: a provider answering slower than it would never screen.
    if (tenant.failoverAfterMs < MIN_SENSIBLE_WINDOW_MS) {
      logger.warn(
        'a failover window shorter than one provider call may take: slow answers count as unavailable',
        {
          tenant: name,
          failoverAfterMs: tenant.failoverAfterMs,
          atLeastMs: MIN_SENSIBLE_WINDOW_MS,
        },
      );
    }
  }

  // One token for all activities of this process: a token fetch is a Mesh call too.
  const tokenProvider = createTokenProvider({ config: meshConfig, logger });
  const mesh = createMeshClient({ config: meshConfig, tokenProvider, logger });
  const plan = meshRateLimitPlan(meshConfig.rateLimitPerMinute, { partitions: config.taskQueuePartitions });
  // Fetched while the workers are created (bundle loading), awaited before they poll: never rejects.
  const tokenReady = prefetchToken(tokenProvider, logger);

  const complyCube = complyCubeOn
    ? {
        activities: createComplyCubeActivities({
          complycube: createComplyCubeClient({ config: complyCubeConfig, logger }),
          config: complyCubeConfig,
        }),
        plan: perSecondRateLimitPlan(complyCubeConfig.rateLimitPerSecond, {
          partitions: config.complyCubeTaskQueuePartitions,
        }),
      }
    : undefined;
  const riskActivities = riskOn
    ? createRiskActivities({ risk: createRiskClient({ config: riskConfig, logger }) })
    : undefined;
  const cosApi =
    cosConnection !== undefined
      ? createCosClient({
          config: cosConnection,
          tokens: createCosTokenProvider({ config: cosConnection, logger }),
          logger,
        })
      : undefined;
  const cosActivities = cosApi !== undefined ? createCosActivities({ cos: cosApi, logger }) : undefined;

  if (complyCube !== undefined && !complyCube.plan.fits) {
    logger.warn(
      'no ComplyCube rate fits its per-second limit with this many partitions: the queue crawls at 0.01/s and bursts may still earn 429s; give <queue>-complycube one partition (COMPLYCUBE_TASK_QUEUE_PARTITIONS=1)',
      {
        complyCubeRateLimitPerSecond: complyCube.plan.limitPerSecond,
        partitions: complyCube.plan.partitions,
        worstCaseCallsPerSecond: complyCube.plan.worstCaseActivitiesPerSecond,
      },
    );
  }

  if (plan.headroomPerMinute < 0) {
    logger.warn('MESH_RATE_LIMIT_PER_MINUTE is too small for the partitions: bursts may earn 429s', {
      meshRateLimitPerMinute: plan.limitPerMinute,
      screeningProvider: config.screeningProvider,
      ...(complyCube !== undefined && {
        complyCubeTaskQueue: providerTaskQueue(temporal.taskQueue, 'complycube'),
        complyCubeActivitiesPerSecond: complyCube.plan.activitiesPerSecond,
        worstCaseComplyCubeCallsPerSecond: complyCube.plan.worstCaseActivitiesPerSecond,
        complyCubeRateLimitPerSecond: complyCube.plan.limitPerSecond,
      }),
      worstCaseMeshCallsPerMinute: plan.worstCaseActivitiesPerMinute,
    });
  }

  // Both workers encrypt what they send (payloads, failure messages) when ENCRYPTION_KEY is set.
  const dataConverter = createDataConverter(
    loadOrExit(() => loadEncryptionConfig()),
    (message) => void logger.warn(message),
  );

  const connection = await connectTemporalWorker(temporal);
  try {
    const base = { connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, dataConverter };
    const workflowWorker = await Worker.create(
      workflowWorkerOptions(base, config, runDefaults, version, {
        complycube: (customer) => complyCubeApplicantProblems(customer as MeshCustomer),
      }),
    );
    const meshWorker = await Worker.create(meshWorkerOptions(base, config, plan, mesh, version));
    const complyCubeWorker =
      complyCube !== undefined
        ? await Worker.create(
            complyCubeWorkerOptions(base, config, complyCube.plan, complyCube.activities, version),
          )
        : undefined;
    const accountWorkers = await Promise.all(
      extraAccounts.map((account) =>
        Worker.create(accountWorkerOptions(base, account, config, versioningOptions(version))),
      ),
    );
    const riskWorker =
      riskActivities !== undefined
        ? await Worker.create(riskWorkerOptions(base, config, riskActivities, version))
        : undefined;
    // Not fatal: the runs' own reads cover what a suspended registration no longer sends.
    const cosWebhooks =
      cosApi !== undefined
        ? watchCosWebhooks({
            api: cosApi,
            intervalMs: cosConfig.pollIntervalMs,
            // Any registration of our events at a /webhooks/cos URL: COS_WEBHOOK_URL may be a bare origin.
            logger,
          })
        : undefined;
    const cosWorker =
      cosActivities !== undefined
        ? await Worker.create(
            cosWorkerOptions(base, config, cosActivities, cosConfig.rateLimitPerSecond, version),
          )
        : undefined;
    await tokenReady;
    await Promise.all(extraAccounts.map((account) => account.ready));
    await warnOfMissingSearchAttributes(connection, temporal.namespace, logger);
    if (complyCube !== undefined) {
      // Not fatal: the runs' own polls find what a disabled webhook no longer sends.
      await ensureWebhookHealthSchedule({
        connection,
        namespace: temporal.namespace,
        taskQueue: temporal.taskQueue,
        intervalMs: complyCubeConfig.webhookCheckIntervalMs,
        logger,
        dataConverter,
      }).catch((err: unknown) => {
        logger.error('could not ensure the ComplyCube webhook-health schedule', {
          error: err instanceof Error ? err.message : String(err),
        });
      });
    }

    logger.info('workers started', {
      taskQueue: temporal.taskQueue,
      meshTaskQueue: meshTaskQueue(temporal.taskQueue),
      meshActivitiesPerSecond: plan.activitiesPerSecond,
      worstCaseMeshCallsPerMinute: plan.worstCaseActivitiesPerMinute,
      meshRateLimitPerMinute: plan.limitPerMinute,
      screeningProvider: config.screeningProvider,
      ...(complyCube !== undefined && {
        complyCubeTaskQueue: providerTaskQueue(temporal.taskQueue, 'complycube'),
        complyCubeActivitiesPerSecond: complyCube.plan.activitiesPerSecond,
        worstCaseComplyCubeCallsPerSecond: complyCube.plan.worstCaseActivitiesPerSecond,
        complyCubeRateLimitPerSecond: complyCube.plan.limitPerSecond,
      }),
      tenants: Object.fromEntries(
        Object.entries(runDefaults.tenants.tenants).map(([name, t]) => [
          name,
          t.chain.map((link) => providerTaskQueue(temporal.taskQueue, link.provider, link.account)),
        ]),
      ),
      defaultTenant: runDefaults.tenants.defaultTenant,
      riskScore: riskOn ? riskTaskQueue(temporal.taskQueue) : 'off',
      coreBanking: cosConnection !== undefined ? coreTaskQueue(temporal.taskQueue) : 'off',
      // What every onboarding that does not override them starts with (identifiers and durations only).
      onboardingDefaults: defaults,
      metrics: metrics.worker !== undefined ? `http://${formatHostPort(metrics.worker)}/metrics` : 'off',
      deploymentVersion:
        version !== undefined ? `${version.deploymentName}:${version.buildId}` : 'unversioned',
    });
    const running = Promise.all([
      workflowWorker.run(),
      meshWorker.run(),
      ...(complyCubeWorker !== undefined ? [complyCubeWorker.run()] : []),
      ...accountWorkers.map((worker) => worker.run()),
      ...(riskWorker !== undefined ? [riskWorker.run()] : []),
      ...(cosWorker !== undefined ? [cosWorker.run()] : []),
    ]);
    if (version !== undefined) {
      await promote(version, deployment.promote, {
        connection,
        namespace: temporal.namespace,
        logger,
        running,
      });
    }
    await running;
    cosWebhooks?.stop();
    logger.info('workers stopped');
  } finally {
    await connection.close();
  }
}

/**
 * A run upserting an attribute the namespace lacks stalls (every workflow task refused): say so at start,
 * with the commands that fix it. Not fatal: the server may not let this worker read the list.
 */
async function warnOfMissingSearchAttributes(
  connection: Parameters<typeof missingSearchAttributes>[0],
  namespace: string,
  logger: Logger,
): Promise<void> {
  try {
    const missing = await missingSearchAttributes(connection, namespace, CUSTOM_SEARCH_ATTRIBUTES);
    if (missing.length === 0) return;
    logger.error(
      'search attributes missing on the namespace: runs upserting them stall until they are created',
      {
        missing: missing.map((key) => key.name),
        createWith: searchAttributeCommands(missing, namespace),
      },
    );
  } catch (err) {
    logger.warn("could not check the namespace's search attributes", {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * WORKER_DEPLOYMENT_PROMOTE: whether this version becomes the one new runs start on. A failure is logged
 * as an error, not fatal: the workers still serve the runs pinned to this version.
 */
async function promote(
  version: DeploymentVersion,
  mode: ReturnType<typeof loadDeploymentConfig>['promote'],
  o: {
    connection: Parameters<typeof promoteIfWanted>[0]['connection'];
    namespace: string;
    logger: Logger;
    running: Promise<unknown>;
  },
): Promise<void> {
  const stopped = new AbortController();
  void o.running.finally(() => stopped.abort());
  try {
    const outcome = await promoteIfWanted({
      connection: o.connection,
      namespace: o.namespace,
      version,
      mode,
      identity: `worker ${version.buildId}`,
      signal: stopped.signal,
    });
    const meta = { deploymentName: version.deploymentName, buildId: version.buildId };
    if (outcome.kind === 'promoted') {
      o.logger.info('this version is now current: new runs start on it', {
        ...meta,
        previous: outcome.previous,
      });
    } else if (outcome.kind === 'already-current') {
      o.logger.info('this version is current', meta);
    } else {
      o.logger.warn('this version is not current: new runs start on the current one until it is promoted', {
        ...meta,
        current: outcome.current ?? 'none',
        promoteWith: outcome.command,
      });
    }
  } catch (err) {
    if (stopped.signal.aborted) return;
    o.logger.error('could not make this version current; new runs may wait', {
      deploymentName: version.deploymentName,
      buildId: version.buildId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
