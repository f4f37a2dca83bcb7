import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_PASSWORD } from '../../src/sandbox/mesh';

const ROOT = resolve(__dirname, '..', '..');
const WORKER_ENTRY = resolve(ROOT, 'src', 'worker.ts');
const READY_LINE = 'workers started';

/**
 * The review policy of every benchmark worker (REVIEW_*, src/worker/onboarding-defaults.ts). The benchmarks start
 * onboardings with the customer alone, as the onboarding service does, so the worker's configuration is
 * what their runs get: a review lasts as long as the benchmark needs, with no case-check polls,
 * reminders or expiry meanwhile.
 */
export const BENCH_REVIEW_ENV: Readonly<Record<string, string>> = {
  REVIEW_POLL_INTERVAL: '1d',
  REVIEW_POLL_JITTER: '0',
  REVIEW_REMINDER: '7d',
  REVIEW_DEADLINE: '30d',
};

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  sandboxUrl: string;
  /** Prebuilt bundle (WORKFLOW_BUNDLE_PATH); undefined: the worker bundles src/workflows at start-up. */
  workflowBundlePath: string | undefined;
  /** MESH_RATE_LIMIT_PER_MINUTE; a very high value takes the provider budget out of the measurement. */
  meshRateLimitPerMinute: number;
  /** Node flags before the entry point, e.g. --max-old-space-size=384. */
  nodeFlags?: string[];
  /** Further worker variables, e.g. WORKER_MAX_CACHED_WORKFLOWS. */
  env?: Record<string, string>;
  /**
   * `tsx` runs `tsx src/worker/main.ts` as `npm run worker` does (tsx relays to a child node process);
   * `node` runs `node --import tsx src/worker/main.ts` in one process, so its RSS is the worker's alone.
   */
  launcher?: 'tsx' | 'node';
}

/** `src/worker/main.ts` unchanged, in its own process: the product's options, connection and runtime. */
export class WorkerProcess {
  readonly spawnedAt: number;
  readyAt: number | undefined;
  private readonly ready: Promise<number>;
  private readonly exited: Promise<number | null>;
  private readonly tail: string[] = [];

  private constructor(private readonly child: ChildProcess) {
    this.spawnedAt = performance.now();
    let markReady: (at: number) => void = () => undefined;
    let failReady: (err: Error) => void = () => undefined;
    this.ready = new Promise<number>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    // A rejection nobody awaited yet (the worker died before anyone asked) must not crash the bench.
    this.ready.catch(() => undefined);
    this.exited = new Promise((res) => child.once('exit', (code) => res(code)));
    void this.exited.then((code) =>
      failReady(
        new Error(`worker exited with ${String(code)} before it was ready:\n${this.tail.join('\n')}`),
      ),
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        if (this.readyAt === undefined && line.includes(READY_LINE)) {
          this.readyAt = performance.now();
          markReady(this.readyAt);
        }
      });
    }
  }

  static start(options: WorkerProcessOptions): WorkerProcess {
    const launcher = options.launcher ?? 'node';
    const nodeFlags = options.nodeFlags ?? [];
    const [command, args] =
      launcher === 'node'
        ? [process.execPath, [...nodeFlags, '--import', 'tsx', WORKER_ENTRY]]
        : [resolve(ROOT, 'node_modules', '.bin', 'tsx'), [...nodeFlags, WORKER_ENTRY]];
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: options.namespace,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      MESH_BASE_URL: options.sandboxUrl,
      MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
      MESH_ACCESS_KEY: 'bench',
      MESH_SECRET: DEFAULT_PASSWORD,
      MESH_RATE_LIMIT_PER_MINUTE: String(options.meshRateLimitPerMinute),
      ...BENCH_REVIEW_ENV,
      WORKER_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'info',
      ...(options.workflowBundlePath !== undefined && { WORKFLOW_BUNDLE_PATH: options.workflowBundlePath }),
      ...options.env,
    };
    return new WorkerProcess(spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the time (performance.now()) the worker logged that both workers were created. */
  whenReady(timeoutMs = 120_000): Promise<number> {
    return Promise.race([
      this.ready,
      delay(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`worker not ready after ${timeoutMs} ms:\n${this.tail.join('\n')}`);
      }),
    ]);
  }

  /** Resident and peak resident memory of the worker process, from /proc (Linux). */
  async memory(): Promise<{ rssMiB: number; peakRssMiB: number }> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  }

  /** SIGTERM (the worker drains and exits), SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), delay(graceMs, false)]);
    if (!exited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
