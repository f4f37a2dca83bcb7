/**
 * `npm run worker`'s entry point (src/worker/main.ts) as its own process, configured only through its
 * environment as in a deployment, against a Temporal server and the Mesh sandbox: what benchmarks and
 * drills run their onboardings on.
 */
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { meshTaskQueue } from '../src/contracts/onboarding';
import { DEFAULT_PASSWORD } from '../src/sandbox/mesh';
import { baseEnv, ROOT, startProcess, type ManagedProcess } from './processes';
import { waitForPollers } from './wait';

export const WORKER_ENTRY = resolve(ROOT, 'src', 'worker', 'main.ts');
/** What src/worker/main.ts logs (at info) once both of its workers exist. */
export const WORKER_READY_LINE = 'workers started';

export interface WorkerEnvOptions {
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  sandboxUrl: string;
  /** MESH_RATE_LIMIT_PER_MINUTE; a very high value takes the provider budget out of the measurement. */
  meshRateLimitPerMinute: number;
  /** Prebuilt bundle (WORKFLOW_BUNDLE_PATH); absent: the worker bundles src/workflows at start-up. */
  workflowBundlePath?: string | undefined;
  /** LOG_LEVEL (default warn; `info` logs the ready line `WorkerProcess.whenLogged` waits for). */
  logLevel?: string;
  /**
   * The review policy every run gets (REVIEW_*, src/worker/onboarding-defaults.ts): runs are started
   * with the customer alone, as the onboarding service starts them, so the worker's terms are theirs.
   */
  review?: Readonly<Record<string, string>>;
  /** Further variables (they win), e.g. WORKER_MAX_CACHED_WORKFLOWS, MESH_REQUEST_TIMEOUT. */
  env?: Readonly<Record<string, string>>;
  /** What the variables are added to (default `baseEnv()`: nothing of the caller's shell). */
  base?: NodeJS.ProcessEnv;
}

/** The worker's environment: Temporal, the sandbox (as user dev@example.com, its password), the policy. */
export function workerEnv(o: WorkerEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...(o.base ?? baseEnv()),
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: o.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    MESH_BASE_URL: o.sandboxUrl,
    MESH_REALM: 'sandbox',
    MESH_USERNAME: 'dev@example.com',
    MESH_PASSWORD: DEFAULT_PASSWORD,
    MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
    MESH_RATE_LIMIT_PER_MINUTE: String(o.meshRateLimitPerMinute),
    WORKER_METRICS_ADDRESS: 'off',
    LOG_LEVEL: o.logLevel ?? 'warn',
    ...(o.workflowBundlePath !== undefined && { WORKFLOW_BUNDLE_PATH: o.workflowBundlePath }),
    ...o.review,
    ...o.env,
  };
  // One way to sign in: an access key inherited from `base` would make the configuration ambiguous.
  delete env['MESH_ACCESS_KEY'];
  delete env['MESH_SECRET'];
  return env;
}

export interface StartWorkerOptions extends WorkerEnvOptions {
  /** Names the process and its log (default "worker"). */
  name?: string;
  logFile?: string;
  logMode?: 'a' | 'w';
  /**
   * `node` (default) runs `node --import tsx src/worker/main.ts` in one process, so its pid is the
   * worker's (RSS, poller identity, signals); `tsx` runs `tsx src/worker/main.ts` as `npm run worker` does.
   */
  launcher?: 'node' | 'tsx';
  /** Node flags before the entry point, e.g. --max-old-space-size=384. */
  nodeFlags?: string[];
}

/** src/worker/main.ts in its own process, unchanged: the product's options, connection and runtime. */
export class WorkerProcess {
  private constructor(
    readonly proc: ManagedProcess,
    readonly taskQueue: string,
  ) {}

  static start(o: StartWorkerOptions): WorkerProcess {
    const entry = { [o.launcher ?? 'node']: WORKER_ENTRY, nodeFlags: o.nodeFlags ?? [] } as
      { node: string; nodeFlags: string[] } | { tsx: string; nodeFlags: string[] };
    const proc = startProcess({
      name: o.name ?? 'worker',
      run: entry,
      env: workerEnv(o),
      ...(o.logFile !== undefined && { logFile: o.logFile }),
      ...(o.logMode !== undefined && { logMode: o.logMode }),
    });
    return new WorkerProcess(proc, o.taskQueue);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** `performance.now()` when it logged that both workers were created (needs `logLevel: 'info'`). */
  whenLogged(timeoutMs = 120_000): Promise<number> {
    return this.proc.waitForLine(WORKER_READY_LINE, timeoutMs);
  }

  /**
   * Waits until this process polls both of its task queues, and the further activity queues named
   * (`activityQueues`, e.g. `<queue>-cos` when COS is configured); fails at once if it exits meanwhile.
   */
  async whenPolling(
    client: Client,
    timeoutMs = 90_000,
    activityQueues: readonly string[] = [],
  ): Promise<void> {
    await waitForPollers(
      { connection: client, namespace: client.options.namespace },
      [
        { name: this.taskQueue, type: 'workflow' },
        { name: meshTaskQueue(this.taskQueue), type: 'activity' },
        ...activityQueues.map((name) => ({ name, type: 'activity' as const })),
      ],
      { timeoutMs, identityPrefix: `${this.pid}@`, signal: this.proc.unexpectedExit },
    );
  }

  /** SIGTERM (the worker drains and exits), SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    await this.proc.stop('SIGTERM', graceMs);
  }
}
