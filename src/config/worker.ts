import { z } from 'zod';
import { envField, parseEnv, type Env } from './env';

const schema = z.object({
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  WORKER_MAX_CACHED_WORKFLOWS: envField.positiveInt(1000, 'a number of cached workflow runs'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: envField.positiveInt(40, 'a number of workflow task slots'),
  MESH_ACTIVITY_SLOTS: envField.positiveInt(50, 'a number of concurrent Mesh calls'),
  WORKER_SHUTDOWN_GRACE_TIME: envField.duration('15s'),
  TEMPORAL_TASK_QUEUE_PARTITIONS: envField.positiveInt(
    4,
    'the number of task queue partitions on the server',
  ),
});

export interface WorkerConfig {
  /** A prebuilt workflow bundle (`bundleWorkflowCode` output); unset: bundle src/workflows at start-up. */
  workflowBundlePath: string | undefined;
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** maxConcurrentActivityTaskExecutions of the Mesh activity worker. */
  meshActivitySlots: number;
  shutdownGraceTimeMs: number;
  /** Used in the rate-limit arithmetic: each partition of the Mesh queue has its own burst bucket. */
  taskQueuePartitions: number;
}

export function loadWorkerConfig(env?: Env): WorkerConfig {
  const c = parseEnv(schema, env);
  return {
    workflowBundlePath: c.WORKFLOW_BUNDLE_PATH,
    maxCachedWorkflows: c.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    meshActivitySlots: c.MESH_ACTIVITY_SLOTS,
    shutdownGraceTimeMs: c.WORKER_SHUTDOWN_GRACE_TIME,
    taskQueuePartitions: c.TEMPORAL_TASK_QUEUE_PARTITIONS,
  };
}
