import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { httpStatus } from '../../scripts/wait-for';
import {
  SANDBOX_DEV_WEBHOOK_SECRET,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox/mesh';
import { meshTaskQueue } from '../../src/contracts/onboarding';
import { baseEnv, ChildProc, tsxArgs } from './processes';
import { freePort } from './ports';
import type { DrillReport } from './report';
import { TemporalServer } from './temporal-server';
import { waitUntil } from './wait';

export const WEBHOOK_PATH = '/webhooks/complyadvantage';

export interface StackOptions {
  workflowBundlePath: string | undefined;
  sandbox?: SandboxOptions;
  /** Start the webhook bridge and register it with the sandbox (default true). */
  bridge?: boolean;
  /**
   * Extra worker environment, e.g. MESH_REQUEST_TIMEOUT, or the review policy a drill's runs need
   * (REVIEW_POLL_INTERVAL: the drills start onboardings with the customer alone, as the onboarding
   * service does, so every run's terms are the worker's).
   */
  workerEnv?: Record<string, string>;
}

/**
 * One drill's world: a Temporal dev server (child process, SQLite file), the Mesh sandbox (in this
 * process), the worker and the bridge (child processes, started with their real entry points), a
 * Temporal client for starting and inspecting onboardings, and a unique task queue.
 */
export class Stack {
  worker: ChildProc | undefined;
  bridge: ChildProc | undefined;
  private workerStarts = 0;
  private bridgeStarts = 0;

  private constructor(
    readonly dir: string,
    readonly temporal: TemporalServer,
    readonly sandbox: Sandbox,
    readonly client: Client,
    private readonly connection: Connection,
    readonly taskQueue: string,
    readonly bridgePort: number,
    private readonly options: StackOptions,
    private readonly report: DrillReport,
  ) {}

  static async start(report: DrillReport, options: StackOptions): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), `drill-${report.drill}-`));
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const temporal = await TemporalServer.start(dir);
      cleanups.push(() => temporal.stop('SIGKILL'));
      report.step(`Temporal dev server up on ${temporal.address} (SQLite ${temporal.dbFile})`);
      const bridgePort = await freePort();
      const sandbox = await startSandbox({
        port: 0,
        rateLimitPerMinute: 0,
        logLevel: 'silent',
        ...(options.bridge !== false && { webhookUrls: [`http://127.0.0.1:${bridgePort}${WEBHOOK_PATH}`] }),
        ...options.sandbox,
      });
      cleanups.push(() => sandbox.close());
      const connection = await Connection.connect({ address: temporal.address });
      const client = new Client({ connection });
      const taskQueue = `drill-${report.drill}-${randomUUID().slice(0, 8)}`;
      const stack = new Stack(
        dir,
        temporal,
        sandbox,
        client,
        connection,
        taskQueue,
        bridgePort,
        options,
        report,
      );
      report.step(`sandbox on ${sandbox.url}; task queue ${taskQueue}`);
      return stack;
    } catch (err) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw err;
    }
  }

  workerEnv(): Record<string, string> {
    return {
      ...baseEnv(),
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      MESH_BASE_URL: this.sandbox.url,
      MESH_REALM: 'drills',
      MESH_USERNAME: 'drills@example.com',
      MESH_PASSWORD: 'sandbox',
      MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
      // Every drill's review policy: case checks on time (no jitter), no reminder or expiry within a drill.
      // REVIEW_POLL_INTERVAL stays the worker's default (6 h) unless the drill's workerEnv sets it.
      REVIEW_POLL_JITTER: '0',
      REVIEW_REMINDER: '1d',
      REVIEW_DEADLINE: '1d',
      // The sandbox's account limit is off in most drills; the queue's rate limit must not be what they measure.
      MESH_RATE_LIMIT_PER_MINUTE: '60000',
      WORKER_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'warn',
      ...(this.options.workflowBundlePath !== undefined && {
        WORKFLOW_BUNDLE_PATH: this.options.workflowBundlePath,
      }),
      ...this.options.workerEnv,
    };
  }

  /** Starts `npm run worker`'s entry point and waits until it polls both of its task queues. */
  async startWorker(): Promise<ChildProc> {
    const startedAt = Date.now();
    this.workerStarts += 1;
    const worker = ChildProc.start(
      `worker-${this.workerStarts}`,
      process.execPath,
      tsxArgs('src/worker/main.ts'),
      this.workerEnv(),
      this.dir,
    );
    this.worker = worker;
    const identity = `${worker.pid}@`;
    await waitUntil(`worker ${worker.pid} polling ${this.taskQueue} and its Mesh queue`, 90_000, async () => {
      if (!worker.running) throw new Error(`the worker exited: ${worker.tail()}`);
      const [workflows, activities] = await Promise.all([
        this.pollers(this.taskQueue, 1),
        this.pollers(meshTaskQueue(this.taskQueue), 2),
      ]);
      return workflows.some((p) => p.startsWith(identity)) && activities.some((p) => p.startsWith(identity));
    });
    this.report.step(`worker ${worker.pid} polling after ${Date.now() - startedAt} ms`);
    return worker;
  }

  private async pollers(taskQueue: string, taskQueueType: 1 | 2): Promise<string[]> {
    const described = await this.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    return described.pollers.map((p) => p.identity ?? '');
  }

  get bridgeUrl(): string {
    return `http://127.0.0.1:${this.bridgePort}`;
  }

  /** Starts `npm run bridge`'s entry point on the port the sandbox delivers to; waits for /healthz. */
  async startBridge(): Promise<ChildProc> {
    const startedAt = Date.now();
    this.bridgeStarts += 1;
    const bridge = ChildProc.start(
      `bridge-${this.bridgeStarts}`,
      process.execPath,
      tsxArgs('src/bridge/main.ts'),
      {
        ...baseEnv(),
        TEMPORAL_ADDRESS: this.temporal.address,
        TEMPORAL_TASK_QUEUE: this.taskQueue,
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_PORT: String(this.bridgePort),
        WEBHOOK_SECRET: SANDBOX_DEV_WEBHOOK_SECRET,
        BRIDGE_METRICS_ADDRESS: 'off',
        LOG_LEVEL: 'warn',
      },
      this.dir,
    );
    this.bridge = bridge;
    await waitUntil(`the bridge on ${this.bridgeUrl}`, 60_000, async () => {
      if (!bridge.running) throw new Error(`the bridge exited: ${bridge.tail()}`);
      return (await httpStatus(`${this.bridgeUrl}/healthz`)) === 200;
    });
    this.report.step(`bridge ${bridge.pid} answering after ${Date.now() - startedAt} ms`);
    return bridge;
  }

  async close(keepDir = false): Promise<void> {
    await this.worker?.stop('SIGKILL', 5_000).catch(() => undefined);
    await this.bridge?.stop('SIGKILL', 5_000).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    await this.sandbox.close().catch(() => undefined);
    await this.temporal.stop('SIGKILL').catch(() => undefined);
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
