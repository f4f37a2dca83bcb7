import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX } from '../../src/contracts/ca-classic';
import { coreTaskQueue } from '../../src/contracts/core-banking';
import { providerTaskQueue, type ScreeningProviderName } from '../../src/contracts/screening-provider';
import { loadTenantsConfig, providerAccounts } from '../../src/platform/config/tenants';
import { startCaClassicSandbox, type CaClassicSandbox } from '../../src/sandbox/ca-classic';
import { startCosSandbox, ZERO_PARTNER_ID, type CosSandbox } from '../../src/sandbox/cos';
import { startBridgeProcess } from '../../testkit/bridge';
import { CaClassicSandboxControl } from '../../testkit/ca-classic-sandbox-control';
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
  /**
   * Tenants (TENANTS_FILE): the ComplyAdvantage classic sandbox in this process, delivering to the
   * bridge's `/webhooks/complyadvantage-classic/<token>` (the stack's only CA sandbox); the file written into
   * the drill's temp dir; the worker given TENANTS_FILE, the CA_CLASSIC_* variables of its own account and
   * the variables the tenants map; the bridge TENANTS_FILE and the webhook tokens. Off by default.
   */
  tenants?: DrillTenants;
}

/** A tenant as TENANTS_FILE spells it (src/platform/config/tenants.ts). */
export interface DrillTenant {
  primary: ScreeningProviderName;
  fallbacks?: ScreeningProviderName[];
  /** A duration like `4s`; absent: SCREENING_FAILOVER_AFTER (2 m). */
  failoverAfter?: string;
  /** Provider variable → the variable holding this tenant's value, e.g. its own API key. */
  env?: Record<string, string>;
}

export interface DrillTenants {
  defaultTenant: string;
  tenants: Record<string, DrillTenant>;
  /** The values of the variables the tenants' `env` names (the worker gets them all, the bridge the tokens). */
  values?: Record<string, string>;
  /**
   * The webhook token the CA-classic sandbox delivers with, i.e. whose account it stands for: a tenant's
   * own token (one of `values`) or, by default, the worker's own account's (DRILL_CA_CLASSIC.webhookToken).
   */
  caClassicWebhookToken?: string;
}

/** What the drills' CA-classic sandbox accepts, and the worker's own account there (local only). */
export const DRILL_CA_CLASSIC = {
  apiKey: 'drill-ca-classic-key',
  searchProfile: 'sandbox-standard',
  tagName: 'kyc_ref',
  webhookToken: 'drill-ca-classic-webhook-token',
} as const;

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
  /** The CA-classic sandbox's control routes (faults, searches, requests); `tenants` only. */
  private readonly caClassicControl: CaClassicSandboxControl | undefined;
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
    readonly caClassicSandbox: CaClassicSandbox | undefined,
    /** The TENANTS_FILE written for `tenants`, in `dir`. */
    readonly tenantsFile: string | undefined,
  ) {
    this.control = new SandboxControl(sandbox.url);
    this.cosControl = cosSandbox === undefined ? undefined : new CosSandboxControl(cosSandbox.url);
    this.caClassicControl =
      caClassicSandbox === undefined ? undefined : new CaClassicSandboxControl(caClassicSandbox.url);
  }

  /** The COS sandbox's control client; throws unless the stack was started with `core: true`. */
  get cos(): CosSandboxControl {
    if (this.cosControl === undefined)
      throw new Error('the stack has no COS sandbox: start it with core: true');
    return this.cosControl;
  }

  /** The CA-classic sandbox's control client; throws unless the stack was started with `tenants`. */
  get caClassic(): CaClassicSandboxControl {
    if (this.caClassicControl === undefined)
      throw new Error('the stack has no CA-classic sandbox: start it with tenants');
    return this.caClassicControl;
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
      const tenants = options.tenants;
      const caClassicSandbox =
        tenants !== undefined
          ? await startCaClassicSandbox({
              apiKey: DRILL_CA_CLASSIC.apiKey,
              tagNames: [DRILL_CA_CLASSIC.tagName],
              ...(options.bridge !== false && {
                webhookUrls: [
                  `http://127.0.0.1:${bridgePort}${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/${tenants.caClassicWebhookToken ?? DRILL_CA_CLASSIC.webhookToken}`,
                ],
              }),
              logLevel: 'silent',
            })
          : undefined;
      if (caClassicSandbox !== undefined) cleanups.push(() => caClassicSandbox.close());
      let tenantsFile: string | undefined;
      if (tenants !== undefined) {
        tenantsFile = join(dir, 'tenants.json');
        const file = { defaultTenant: tenants.defaultTenant, tenants: tenants.tenants };
        writeFileSync(tenantsFile, `${JSON.stringify(file, null, 2)}\n`);
      }
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
        caClassicSandbox,
        tenantsFile,
      );
      report.step(
        `sandbox on ${sandbox.url}${cosSandbox !== undefined ? `, COS sandbox on ${cosSandbox.url}` : ''}${caClassicSandbox !== undefined ? `, CA-classic sandbox on ${caClassicSandbox.url}` : ''}; task queue ${taskQueue}`,
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
      ...((this.options.workerEnv !== undefined ||
        this.cosSandbox !== undefined ||
        this.tenantsFile !== undefined) && {
        env: { ...this.cosWorkerEnv(), ...this.tenantsWorkerEnv(), ...this.options.workerEnv },
      }),
    };
  }

  /**
   * The tenants' section of the worker's environment: TENANTS_FILE, the worker's own CA-classic account
   * (as `npm start` sets it, scripts/start-stack.ts) and the variables the tenants map; empty without `tenants`.
   */
  private tenantsWorkerEnv(): Record<string, string> {
    if (this.tenantsFile === undefined || this.caClassicSandbox === undefined) return {};
    return {
      TENANTS_FILE: this.tenantsFile,
      CA_CLASSIC_BASE_URL: this.caClassicSandbox.url,
      CA_CLASSIC_API_KEY: DRILL_CA_CLASSIC.apiKey,
      CA_CLASSIC_SEARCH_PROFILE: DRILL_CA_CLASSIC.searchProfile,
      CA_CLASSIC_TAG_NAME: DRILL_CA_CLASSIC.tagName,
      ...this.options.tenants?.values,
    };
  }

  /**
   * The bridge's: TENANTS_FILE, the worker's own account's webhook token and the tokens tenants map (the
   * bridge needs no API key); empty without `tenants`.
   */
  private tenantsBridgeEnv(): Record<string, string> {
    const tenants = this.options.tenants;
    if (this.tenantsFile === undefined || tenants === undefined) return {};
    const values = tenants.values ?? {};
    const tokens = Object.values(tenants.tenants).flatMap((t) =>
      Object.entries(t.env ?? {})
        .filter(([variable]) => variable.endsWith('_WEBHOOK_TOKEN'))
        .map(([, holder]) => holder),
    );
    return {
      TENANTS_FILE: this.tenantsFile,
      CA_CLASSIC_WEBHOOK_TOKEN: DRILL_CA_CLASSIC.webhookToken,
      ...Object.fromEntries(
        tokens.filter((holder) => values[holder] !== undefined).map((holder) => [holder, values[holder]!]),
      ),
    };
  }

  /**
   * The activity queues a worker of this stack polls besides its workflow and Mesh queues: `<queue>-cos`
   * with `core`; with `tenants`, the worker's own CA-classic account and every provider account a tenant
   * maps variables for (`<queue>-<provider>-<tenant>`), read from the file as the worker reads it.
   */
  private extraActivityQueues(): string[] {
    const queues = this.cosSandbox !== undefined ? [coreTaskQueue(this.taskQueue)] : [];
    if (this.tenantsFile === undefined) return queues;
    const env = this.workerEnv();
    queues.push(providerTaskQueue(this.taskQueue, 'ca-classic'));
    for (const account of providerAccounts(loadTenantsConfig(env), env)) {
      const queue = providerTaskQueue(this.taskQueue, account.provider, account.account);
      if (account.provider !== 'mesh' || account.account !== 'default') queues.push(queue);
    }
    return [...new Set(queues)];
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
    await this.watch.guard(worker.whenPolling(this.client, 90_000, this.extraActivityQueues()));
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
        ...((this.cosSandbox !== undefined || this.tenantsFile !== undefined) && {
          env: {
            ...(this.cosSandbox !== undefined && {
              COS_WEBHOOK_USERNAME: DRILL_COS.webhookUsername,
              COS_WEBHOOK_PASSWORD: DRILL_COS.webhookPassword,
            }),
            ...this.tenantsBridgeEnv(),
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
    await this.caClassicSandbox?.close().catch(() => undefined);
    await this.temporal.stop('SIGKILL').catch(() => undefined);
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
