import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadOrExit } from './config/env';
import { loadMeshConfig } from './config/mesh';
import { loadTemporalConfig } from './config/temporal';
import { loadWorkerConfig, type WorkerConfig } from './config/worker';
import { createMeshClient } from './mesh/client';
import type { MeshApi } from './mesh/mesh-api';
import { createTokenProvider } from './mesh/token-provider';
import { meshRateLimitPlan, type MeshRateLimitPlan } from './shared/mesh-rate-limit';
import { meshTaskQueue } from './shared/onboarding';

/**
 * `npm run worker`: the workflow worker on TEMPORAL_TASK_QUEUE and the Mesh activity worker on
 * `<queue>-mesh`, whose server-side rate limit keeps every worker of the account together under the
 * provider's budget (src/shared/mesh-rate-limit.ts). SIGINT/SIGTERM drain both and exit.
 * The option builders are exported so bench/mesh-rate-limit.ts measures exactly these settings.
 */

type ConnectionOptions = Pick<WorkerOptions, 'connection' | 'namespace'>;

/** The workflow worker: orchestration only, no activities (they all live on the Mesh queue). */
export function workflowWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
): WorkerOptions {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =
    config.workflowBundlePath !== undefined
      ? { workflowBundle: { codePath: config.workflowBundlePath } }
      : { workflowsPath: require.resolve('./workflows') };
  return {
    ...base,
    ...workflowSource,
    // Thousands of runs wait for review for days; cached ones wake without replaying their history.
    maxCachedWorkflows: config.maxCachedWorkflows,
    // Workflow tasks are short CPU bursts; the SDK's usual 40 keeps a small machine responsive.
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    // No activities are registered here (no activity polling, no eager dispatch that would skip the
    // Mesh queue's rate limit); the SDK still wants a positive number.
    maxConcurrentActivityTaskExecutions: 1,
    // Workflow tasks finish in milliseconds; the same grace time as the Mesh worker keeps one setting.
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

/** The Mesh activity worker: every Mesh call of the account passes this queue's server-side rate limit. */
export function meshWorkerOptions(
  base: ConnectionOptions & { taskQueue: string },
  config: WorkerConfig,
  plan: MeshRateLimitPlan,
  mesh: MeshApi,
): WorkerOptions {
  return {
    ...base,
    taskQueue: meshTaskQueue(base.taskQueue),
    activities: createActivities({ mesh }),
    // Enforced by the server across all workers polling the queue: the account-wide provider budget.
    // Every worker must use the same value: the last poller's value wins on the server.
    maxTaskQueueActivitiesPerSecond: plan.activitiesPerSecond,
    // Little's law: the allowed rate times a 10 s worst-case call (≈ 45 at 300/min), with room to spare.
    maxConcurrentActivityTaskExecutions: config.meshActivitySlots,
    // Longer than one Mesh request (10 s timeout), so calls in flight finish instead of being sent again.
    shutdownGraceTime: config.shutdownGraceTimeMs,
  };
}

async function main(): Promise<void> {
  const temporal = loadOrExit(() => loadTemporalConfig());
  const meshConfig = loadOrExit(() => loadMeshConfig());
  const config = loadOrExit(() => loadWorkerConfig());

  // The Runtime turns SIGINT/SIGTERM into a graceful shutdown of every worker in this process.
  Runtime.install({ logger: new DefaultLogger('INFO'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const logger = Runtime.instance().logger;

  // One token for all activities of this process: a token fetch is a Mesh call too.
  const tokenProvider = createTokenProvider({ config: meshConfig, logger });
  const mesh = createMeshClient({ config: meshConfig, tokenProvider, logger });
  const plan = meshRateLimitPlan(meshConfig.rateLimitPerMinute, { partitions: config.taskQueuePartitions });

  const connection = await NativeConnection.connect({ address: temporal.address });
  try {
    const base = { connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue };
    const workflowWorker = await Worker.create(workflowWorkerOptions(base, config));
    const meshWorker = await Worker.create(meshWorkerOptions(base, config, plan, mesh));

    logger.info('workers started', {
      taskQueue: temporal.taskQueue,
      meshTaskQueue: meshTaskQueue(temporal.taskQueue),
      meshActivitiesPerSecond: plan.activitiesPerSecond,
      worstCaseMeshCallsPerMinute: plan.worstCaseActivitiesPerMinute,
      meshRateLimitPerMinute: plan.limitPerMinute,
    });
    await Promise.all([workflowWorker.run(), meshWorker.run()]);
    logger.info('workers stopped');
  } finally {
    await connection.close();
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
