import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadOrExit } from './config/env';
import { loadMeshConfig } from './config/mesh';
import { loadTemporalConfig } from './config/temporal';
import { loadWorkerConfig } from './config/worker';
import { createMeshClient } from './mesh/client';
import { createTokenProvider } from './mesh/token-provider';
import { meshRateLimitPlan } from './shared/mesh-rate-limit';
import { meshTaskQueue } from './shared/onboarding';

/**
 * `npm run worker`: the workflow worker on TEMPORAL_TASK_QUEUE and the Mesh activity worker on
 * `<queue>-mesh`, whose server-side rate limit keeps every worker of the account together under the
 * provider's budget (src/shared/mesh-rate-limit.ts). SIGINT/SIGTERM drain both and exit.
 */
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
    const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =
      config.workflowBundlePath !== undefined
        ? { workflowBundle: { codePath: config.workflowBundlePath } }
        : { workflowsPath: require.resolve('./workflows') };

    const workflowWorker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      ...workflowSource,
      // Thousands of runs wait for review for days; cached ones wake without replaying their history.
      maxCachedWorkflows: config.maxCachedWorkflows,
      // Workflow tasks are short CPU bursts; the SDK's usual 40 keeps a small machine responsive.
      maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
      // No activities run here: a stray registration would bypass the Mesh rate limit.
      maxConcurrentActivityTaskExecutions: 1,
      // Workflow tasks finish in milliseconds; the grace time is for the Mesh worker's in-flight calls.
      shutdownGraceTime: config.shutdownGraceTimeMs,
    });

    const meshWorker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: meshTaskQueue(temporal.taskQueue),
      activities: createActivities({ mesh }),
      // Enforced by the server across all workers polling the queue: the account-wide provider budget.
      maxTaskQueueActivitiesPerSecond: plan.activitiesPerSecond,
      // Little's law: the allowed rate times a 10 s worst-case call, with room to spare.
      maxConcurrentActivityTaskExecutions: config.meshActivitySlots,
      // Longer than one Mesh request (10 s), so calls in flight finish instead of being sent again.
      shutdownGraceTime: config.shutdownGraceTimeMs,
    });

    logger.info('workers started', {
      taskQueue: temporal.taskQueue,
      meshTaskQueue: meshTaskQueue(temporal.taskQueue),
      meshActivitiesPerSecond: plan.activitiesPerSecond,
      worstCaseMeshCallsPerMinute: plan.worstCaseActivitiesPerMinute,
    });
    await Promise.all([workflowWorker.run(), meshWorker.run()]);
    logger.info('workers stopped');
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
