import type { Logger } from '@temporalio/common';
import { Runtime, Worker } from '@temporalio/worker';
import { createDataConverter } from '../platform/codec/data-converter';
import { loadEncryptionConfig } from '../platform/config/encryption';
import { loadOrExit } from '../platform/config/env';
import { loadLoggingConfig } from '../platform/config/logging';
import { loadMeshConfig } from '../providers/mesh/config';
import { loadOnboardingDefaults } from './onboarding-defaults';
import { formatHostPort, loadMetricsConfig } from '../platform/config/metrics';
import { loadTemporalConfig } from '../platform/config/temporal';
import { connectTemporalWorker } from '../platform/temporal/connection';
import { loadWorkerConfig } from './config';
import { meshWorkerOptions, workflowWorkerOptions } from './options';
import { createMeshClient } from '../providers/mesh/client';
import { createTokenProvider, prefetchToken } from '../providers/mesh/token-provider';
import { createLogger } from '../platform/logging/logger';
import { installWorkerRuntime } from '../platform/temporal/worker-runtime';
import { meshRateLimitPlan } from './rate-plan';
import { meshTaskQueue } from '../contracts/onboarding';
import { resolveBuildId } from './build-id';
import { promoteIfWanted, type DeploymentVersion } from './deployment';
import { deploymentNameFor, loadDeploymentConfig } from './deployment-config';

/**
 * `npm run worker`: the workflow worker on TEMPORAL_TASK_QUEUE and the Mesh activity worker on
 * `<queue>-mesh`, whose server-side rate limit keeps every worker of the account together under the
 * provider's budget (src/worker/rate-plan.ts). SIGINT/SIGTERM drain both and exit.
 */

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
  // Every onboarding that does not override them starts with these terms; nonsense stops the worker here.
  const defaults = loadOrExit(() => loadOnboardingDefaults(meshConfig.screeningConfigurationId));

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

  // One token for all activities of this process: a token fetch is a Mesh call too.
  const tokenProvider = createTokenProvider({ config: meshConfig, logger });
  const mesh = createMeshClient({ config: meshConfig, tokenProvider, logger });
  const plan = meshRateLimitPlan(meshConfig.rateLimitPerMinute, { partitions: config.taskQueuePartitions });
  // Fetched while the workers are created (bundle loading), awaited before they poll: never rejects.
  const tokenReady = prefetchToken(tokenProvider, logger);

  if (plan.headroomPerMinute < 0) {
    logger.warn('MESH_RATE_LIMIT_PER_MINUTE is too small for the partitions: bursts may earn 429s', {
      meshRateLimitPerMinute: plan.limitPerMinute,
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
    const workflowWorker = await Worker.create(workflowWorkerOptions(base, config, defaults, version));
    const meshWorker = await Worker.create(meshWorkerOptions(base, config, plan, mesh, version));
    await tokenReady;

    logger.info('workers started', {
      taskQueue: temporal.taskQueue,
      meshTaskQueue: meshTaskQueue(temporal.taskQueue),
      meshActivitiesPerSecond: plan.activitiesPerSecond,
      worstCaseMeshCallsPerMinute: plan.worstCaseActivitiesPerMinute,
      meshRateLimitPerMinute: plan.limitPerMinute,
      // What every onboarding that does not override them starts with (identifiers and durations only).
      onboardingDefaults: defaults,
      metrics: metrics.worker !== undefined ? `http://${formatHostPort(metrics.worker)}/metrics` : 'off',
      deploymentVersion:
        version !== undefined ? `${version.deploymentName}:${version.buildId}` : 'unversioned',
    });
    const running = Promise.all([workflowWorker.run(), meshWorker.run()]);
    if (version !== undefined) {
      await promote(version, deployment.promote, {
        connection,
        namespace: temporal.namespace,
        logger,
        running,
      });
    }
    await running;
    logger.info('workers stopped');
  } finally {
    await connection.close();
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
