import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  SANDBOX_DEV_WEBHOOK_SECRET,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox/mesh';
import { COS_WEBHOOK_ROUTE, WEBHOOK_ROUTE } from '../../src/bridge/app';
import { coreTaskQueue } from '../../src/contracts/core-banking';
import { startCosSandbox, ZERO_PARTNER_ID, type CosSandbox } from '../../src/sandbox/cos';
import { startBridgeProcess } from '../../testkit/bridge';
import { CosSandboxControl } from '../../testkit/cos-sandbox-control';
import { freePort } from '../../testkit/net';
import type { ManagedProcess } from '../../testkit/processes';
import type { ProcessWatch } from '../../testkit/process-watch';
import { SandboxControl } from '../../testkit/sandbox-control';
import { TemporalServerProcess } from '../../testkit/temporal-process';
import { WorkerProcess, workerEnv, type WorkerEnvOptions } from '../../testkit/worker';
import type { DrillReport } from './report';

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
  /**
   * The core-banking step (issue 14): the COS sandbox in this process, its registrations delivering to
   * the bridge's `/webhooks/cos` with HTTP Basic, the worker given the COS_* variables (CORE_POLL_INTERVAL
   * 5 s, so the poll safety net acts within a drill) and the bridge the COS webhook credentials. Off by default.
   */
  core?: boolean;
}

/** What the drills' COS sandbox accepts and delivers with (local only, like the Mesh sandbox's secret). */
export const DRILL_COS = {
  clientId: 'drill-cos-client',
  clientSecret: 'drill-cos-secret',
  partnerId: ZERO_PARTNER_ID,
  webhookUsername: 'drill-cos',
  webhookPassword: 'drill-cos-webhook-password',
  pollInterval: '5s',
} as const;

/**
 * One drill's world: a Temporal dev server (child process, SQLite file), the Mesh sandbox (in this
 * process) and its control routes, the worker and the bridge (child processes, started with their real
 * entry points), a Temporal client for starting and inspecting onboardings, and a unique task queue.
 * Every process it starts is watched: one that dies without the drill asking aborts `signal` (and the
 * drill, see drill.ts) at once, naming the process and its last lines.
 */
export class Stack {
  worker: ManagedProcess | undefined;
  /** Every worker process started, for the teardown (the deploy drill runs two at once). */
  private readonly workers: ManagedProcess[] = [];
  bridge: ManagedProcess | undefined;
  readonly control: SandboxControl;
  /** The COS sandbox's control routes (faults, customers, registrations, deliveries); `core: true` only. */
  private readonly cosControl: CosSandboxControl | undefined;
  private workerStarts = 0;
  private bridgeStarts = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly temporal: TemporalServerProcess,
    readonly sandbox: Sandbox,
    readonly client: Client,
    private readonly connection: Connection,
    readonly taskQueue: string,
    readonly bridgePort: number,
    private readonly options: StackOptions,
    private readonly report: DrillReport,
    private readonly watch: ProcessWatch,
    readonly cosSandbox: CosSandbox | undefined,
  ) {
    this.control = new SandboxControl(sandbox.url);
    this.cosControl = cosSandbox === undefined ? undefined : new CosSandboxControl(cosSandbox.url);
  }

  /** The COS sandbox's control client; throws unless the stack was started with `core: true`. */
  get cos(): CosSandboxControl {
    if (this.cosControl === undefined)
      throw new Error('the stack has no COS sandbox: start it with core: true');
    return this.cosControl;
  }

  static async start(report: DrillReport, watch: ProcessWatch, options: StackOptions): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), `drill-${report.drill}-`));
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const temporal = await TemporalServerProcess.start(dir);
      cleanups.push(() => temporal.stop('SIGKILL'));
      watch.watch(temporal.process!);
      report.step(`Temporal dev server up on ${temporal.address} (SQLite ${temporal.dbFile})`);
      const bridgePort = await freePort();
      const sandbox = await startSandbox({
        port: 0,
        rateLimitPerMinute: 0,
        logLevel: 'silent',
        ...(options.bridge !== false && { webhookUrls: [`http://127.0.0.1:${bridgePort}${WEBHOOK_ROUTE}`] }),
        ...options.sandbox,
      });
      cleanups.push(() => sandbox.close());
      const cosSandbox =
        options.core === true
          ? await startCosSandbox({
              clientId: DRILL_COS.clientId,
              clientSecret: DRILL_COS.clientSecret,
              partnerId: DRILL_COS.partnerId,
              scanDelayMs: 1_000,
              reviewDelayMs: 2_000,
              eventBatchWindowMs: 500,
              deliveryRetryDelayMs: 500,
              webhookRegistrations: [
                {
                  callbackUrl: `http://127.0.0.1:${bridgePort}${COS_WEBHOOK_ROUTE}`,
                  username: DRILL_COS.webhookUsername,
                  password: DRILL_COS.webhookPassword,
                },
              ],
              logLevel: 'silent',
            })
          : undefined;
      if (cosSandbox !== undefined) cleanups.push(() => cosSandbox.close());
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
        watch,
        cosSandbox,
      );
      report.step(
        `sandbox on ${sandbox.url}${cosSandbox !== undefined ? `, COS sandbox on ${cosSandbox.url}` : ''}; task queue ${taskQueue}`,
      );
      return stack;
    } catch (err) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw err;
    }
  }

  /** Aborted once a process of the drill dies unasked: for every wait of the drill. */
  get signal(): AbortSignal {
    return this.watch.signal;
  }

  private workerOptions(): WorkerEnvOptions {
    return {
      temporalAddress: this.temporal.address,
      taskQueue: this.taskQueue,
      sandboxUrl: this.sandbox.url,
      // The sandbox's account limit is off in most drills; the queue's rate limit must not be what they measure.
      meshRateLimitPerMinute: 60_000,
      workflowBundlePath: this.options.workflowBundlePath,
      logLevel: 'warn',
      // Every drill's review policy: case checks on time (no jitter), no reminder or expiry within a drill.
      // REVIEW_POLL_INTERVAL stays the worker's default (6 h) unless the drill's workerEnv sets it.
      review: { REVIEW_POLL_JITTER: '0', REVIEW_REMINDER: '1d', REVIEW_DEADLINE: '1d' },
      ...((this.options.workerEnv !== undefined || this.cosSandbox !== undefined) && {
        env: { ...this.cosWorkerEnv(), ...this.options.workerEnv },
      }),
    };
  }

  /** The COS section of the worker's environment (src/providers/cos/config.ts); empty without `core`. */
  private cosWorkerEnv(): Record<string, string> {
    if (this.cosSandbox === undefined) return {};
    return {
      COS_BASE_URL: this.cosSandbox.url,
      COS_TOKEN_URL: `${this.cosSandbox.url}/connect/token`,
      COS_CLIENT_ID: DRILL_COS.clientId,
      COS_CLIENT_SECRET: DRILL_COS.clientSecret,
      COS_PARTNER_ID: DRILL_COS.partnerId,
      CORE_POLL_INTERVAL: DRILL_COS.pollInterval,
      CORE_REVIEW_DEADLINE: '1d',
    };
  }

  /** The worker's whole environment, as src/worker/main.ts reads it. */
  workerEnv(): NodeJS.ProcessEnv {
    return workerEnv(this.workerOptions());
  }

  /** False once the drill is over (or a process died unasked): background loops of a drill stop then. */
  get open(): boolean {
    return !this.closed && !this.signal.aborted;
  }

  private ensureOpen(what: string): void {
    this.signal.throwIfAborted();
    if (this.closed) throw new Error(`the drill is over: no ${what} started`);
  }

  /**
   * Starts `npm run worker`'s entry point and waits until it polls both of its task queues. `env` adds to
   * the drill's worker environment for this process only (the deploy drill's second version: another
   * WORKER_BUILD_ID and WORKFLOW_BUNDLE_PATH); `stack.worker` is the last one started.
   */
  async startWorker(o: { env?: Record<string, string> } = {}): Promise<ManagedProcess> {
    this.ensureOpen('worker');
    const startedAt = Date.now();
    this.workerStarts += 1;
    const name = `worker-${this.workerStarts}`;
    const options = this.workerOptions();
    const worker = WorkerProcess.start({
      ...options,
      ...(o.env !== undefined && { env: { ...options.env, ...o.env } }),
      name,
      logFile: join(this.dir, `${name}.log`),
    });
    this.worker = this.watch.watch(worker.proc);
    this.workers.push(worker.proc);
    await this.watch.guard(
      worker.whenPolling(
        this.client,
        90_000,
        this.cosSandbox !== undefined ? [coreTaskQueue(this.taskQueue)] : [],
      ),
    );
    this.report.step(`worker ${worker.pid} polling after ${Date.now() - startedAt} ms`);
    return worker.proc;
  }

  get bridgeUrl(): string {
    return `http://127.0.0.1:${this.bridgePort}`;
  }

  /** Starts `npm run bridge`'s entry point on the port the sandbox delivers to; waits for /healthz. */
  async startBridge(): Promise<ManagedProcess> {
    this.ensureOpen('bridge');
    const startedAt = Date.now();
    this.bridgeStarts += 1;
    const name = `bridge-${this.bridgeStarts}`;
    const { proc } = await this.watch.guard(
      startBridgeProcess({
        name,
        logFile: join(this.dir, `${name}.log`),
        temporalAddress: this.temporal.address,
        taskQueue: this.taskQueue,
        port: this.bridgePort,
        webhookSecret: SANDBOX_DEV_WEBHOOK_SECRET,
        logLevel: 'warn',
        ...(this.cosSandbox !== undefined && {
          env: {
            COS_WEBHOOK_USERNAME: DRILL_COS.webhookUsername,
            COS_WEBHOOK_PASSWORD: DRILL_COS.webhookPassword,
          },
        }),
      }),
    );
    this.bridge = this.watch.watch(proc);
    this.report.step(`bridge ${proc.pid} answering after ${Date.now() - startedAt} ms`);
    return proc;
  }

  /** Starts the Temporal dev server again on its port and SQLite file; resolves once gRPC answers. */
  async restartTemporal(): Promise<number> {
    this.ensureOpen('Temporal server');
    const ms = await this.temporal.startProcess();
    this.watch.watch(this.temporal.process!);
    return ms;
  }

  async close(keepDir = false): Promise<void> {
    this.closed = true;
    for (const worker of this.workers) await worker.stop('SIGKILL', 5_000).catch(() => undefined);
    await this.bridge?.stop('SIGKILL', 5_000).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    await this.sandbox.close().catch(() => undefined);
    await this.cosSandbox?.close().catch(() => undefined);
    await this.temporal.stop('SIGKILL').catch(() => undefined);
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
