import { z } from 'zod';
import { envField, parseEnv, type Env } from '../platform/config/env';
import { SCREENING_PROVIDERS, type ScreeningProviderName } from '../contracts/screening-provider';

/** Defaults with their reasons; docs/workflow.md ("Worker settings") has the same table. */
const schema = z.object({
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  // A cached run costs ~0.36 MiB (bench/worker-memory.ts): 500 keeps a worker with 10,000 waiting runs
  // under 500 MiB RSS; runs beyond the cache replay their short history (≤ 40 events) when they wake.
  WORKER_MAX_CACHED_WORKFLOWS: envField.positiveInt(500, 'a number of cached workflow runs'),
  // How long a workflow task waits on this worker's own (sticky) queue before the server hands it to any
  // worker. It is also how long a run stalls when its worker dies (SIGKILL, OOM, a lost host) with a task
  // on that queue: a worker that shuts down hands the queue back at once, a dead one cannot. The SDK's
  // 10 s keeps a crash to seconds (drills/worker-kill.ts checks that every run goes on within 30 s; 5 m
  // left a run stuck for minutes). The price is a burst: when a signal reaches thousands of waiting runs
  // at once (bench:memory), tasks queued longer than this time out (WorkflowTaskTimedOut,
  // SCHEDULE_TO_START) and run on the normal queue after a replay of their history: retried, not lost,
  // and counted there.
  WORKER_STICKY_SCHEDULE_TO_START_TIMEOUT: envField.duration('10s'),
  // The SDK's usual default: workflow tasks are millisecond CPU bursts.
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: envField.positiveInt(40, 'a number of workflow task slots'),
  // Little's law at 300/min: 4.85 calls/s × 10 s worst-case call ≈ 49 in flight, rounded up.
  MESH_ACTIVITY_SLOTS: envField.positiveInt(50, 'a number of concurrent Mesh calls'),
  // One Mesh request may take up to its 10 s timeout; 15 s lets it finish instead of being sent again.
  WORKER_SHUTDOWN_GRACE_TIME: envField.duration('15s'),
  // Temporal's default (dev server included, measured by bench/mesh-rate-limit.ts); each has a burst bucket.
  TEMPORAL_TASK_QUEUE_PARTITIONS: envField.positiveInt(
    4,
    'the number of task queue partitions on the server',
  ),
  // Who screens a run whose input names no provider (src/contracts/screening-provider.ts).
  SCREENING_PROVIDER: z
    .enum(SCREENING_PROVIDERS, { error: `expected one of ${SCREENING_PROVIDERS.join(', ')}` })
    .default('mesh'),
  // ComplyCube counts requests per second with no burst: its queue needs one partition on the server
  // (src/worker/rate-plan.ts, perSecondRateLimitPlan).
  COMPLYCUBE_TASK_QUEUE_PARTITIONS: envField.positiveInt(
    1,
    'the number of partitions of the <queue>-complycube task queue on the server',
  ),
  // Calls of one ComplyCube worker at once; the queue's rate (2/s at 5/s) times a 10 s worst-case call.
  COMPLYCUBE_ACTIVITY_SLOTS: envField.positiveInt(20, 'a number of concurrent ComplyCube calls'),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const WORKER_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface WorkerConfig {
  /** A prebuilt workflow bundle (`bundleWorkflowCode` output); unset: bundle src/workflows at start-up. */
  workflowBundlePath: string | undefined;
  maxCachedWorkflows: number;
  /** How long a task waits for this worker's sticky queue before the server hands it to any worker. */
  stickyQueueScheduleToStartTimeoutMs: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** maxConcurrentActivityTaskExecutions of the Mesh activity worker. */
  meshActivitySlots: number;
  shutdownGraceTimeMs: number;
  /** Used in the rate-limit arithmetic: each partition of the Mesh queue has its own burst bucket. */
  taskQueuePartitions: number;
  screeningProvider: ScreeningProviderName;
  complyCubeTaskQueuePartitions: number;
  complyCubeActivitySlots: number;
}

export function loadWorkerConfig(env?: Env): WorkerConfig {
  const c = parseEnv(schema, env);
  return {
    workflowBundlePath: c.WORKFLOW_BUNDLE_PATH,
    maxCachedWorkflows: c.WORKER_MAX_CACHED_WORKFLOWS,
    stickyQueueScheduleToStartTimeoutMs: c.WORKER_STICKY_SCHEDULE_TO_START_TIMEOUT,
    maxConcurrentWorkflowTaskExecutions: c.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    meshActivitySlots: c.MESH_ACTIVITY_SLOTS,
    shutdownGraceTimeMs: c.WORKER_SHUTDOWN_GRACE_TIME,
    taskQueuePartitions: c.TEMPORAL_TASK_QUEUE_PARTITIONS,
    screeningProvider: c.SCREENING_PROVIDER,
    complyCubeTaskQueuePartitions: c.COMPLYCUBE_TASK_QUEUE_PARTITIONS,
    complyCubeActivitySlots: c.COMPLYCUBE_ACTIVITY_SLOTS,
  };
}
