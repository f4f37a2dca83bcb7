/**
 * What the onboarding benchmarks share, built from the test kit (testkit/): the Temporal server
 * (TEMPORAL_ADDRESS, else a fresh dev server, watched), the Mesh sandbox at 0 ms without an account limit,
 * the production worker (src/worker/main.ts in its own process) with the benchmarks' review policy, the
 * applicants, and one signal that aborts when any of those processes dies, so a benchmark fails at once,
 * naming it, instead of at a deadline.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startSandbox, SANDBOX_DEV_WEBHOOK_SECRET, type Sandbox } from '../src/sandbox/mesh';
import type { MeshCustomer } from '../src/contracts/customer';
import type { OnboardingInput } from '../src/contracts/onboarding';
import { startInProcessBridge, type InProcessBridge } from '../testkit/bridge';
import { prebuiltWorkflowBundle } from '../testkit/bundle';
import { machineInfo, type MachineInfo } from '../testkit/machine';
import { log } from '../testkit/results';
import { installRuntime } from '../testkit/runtime';
import { SandboxControl } from '../testkit/sandbox-control';
import { useOrStartTemporal, type BenchTemporal } from '../testkit/temporal-server';
import { WorkerProcess, type StartWorkerOptions } from '../testkit/worker';

/** Far above anything this machine reaches: the provider budget is benchmark 1's subject, not these. */
export const UNLIMITED_MESH_RATE_PER_MINUTE = 6_000_000;

/**
 * The review policy of every benchmark worker (REVIEW_*, src/worker/onboarding-defaults.ts). The
 * benchmarks start onboardings with the customer alone, as the onboarding service does, so the worker's
 * configuration is what their runs get: a review lasts as long as the benchmark needs, with no case-check
 * polls, reminders or expiry meanwhile.
 */
export const BENCH_REVIEW_ENV: Readonly<Record<string, string>> = {
  REVIEW_POLL_INTERVAL: '1d',
  REVIEW_POLL_JITTER: '0',
  REVIEW_REMINDER: '7d',
  REVIEW_DEADLINE: '30d',
};

export type Applicant = 'clean' | 'review';

/**
 * The sandbox's screening rules (src/sandbox/mesh/screening-rules.ts): "Test CleanUser" has no profiles
 * and is approved straight through; "Victor Bout" has profiles and waits for an analyst's case decision.
 * The customer alone, as the onboarding service starts a run: the screening configuration and the review
 * policy are the worker's.
 */
export function onboardingInput(kind: Applicant, externalIdentifier: string): OnboardingInput {
  const [first_name, last_name] = kind === 'clean' ? ['Test', 'CleanUser'] : ['Victor', 'Bout'];
  const customer: MeshCustomer = {
    external_identifier: externalIdentifier,
    person: { first_name, last_name },
    date_of_birth: { day: 13, month: 1, year: 1967 },
    nationality: ['GB'],
    address: { address_line_1: '1 Bench Street', postal_code: '10001', country: 'US' },
  };
  return { customer };
}

export function benchRunId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The Temporal server a benchmark runs against, with the Runtime of a benchmark process (WARN). */
export async function benchTemporal(extraArgs: string[] = []): Promise<BenchTemporal> {
  installRuntime('WARN');
  return useOrStartTemporal({
    log,
    extraArgs,
    onStart: (address) => log(`Temporal dev server on ${address}`),
  });
}

/** The sandbox at 0 ms latency and without an account limit: Mesh is never the bottleneck here. */
export function startFastSandbox(webhookUrls: string[] = []): Promise<Sandbox> {
  return startSandbox({
    rateLimitPerMinute: 0,
    latencyMs: { min: 0, max: 0 },
    logLevel: 'silent',
    webhookUrls,
  });
}

/** src/worker/main.ts against `temporal` and `sandbox` with the benchmarks' policy and the prebuilt bundle. */
export async function startBenchWorker(
  temporal: BenchTemporal,
  sandbox: Sandbox,
  options: Partial<StartWorkerOptions> & { taskQueue: string },
): Promise<WorkerProcess> {
  return WorkerProcess.start({
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    sandboxUrl: sandbox.url,
    meshRateLimitPerMinute: UNLIMITED_MESH_RATE_PER_MINUTE,
    workflowBundlePath: await prebuiltWorkflowBundle(log),
    review: BENCH_REVIEW_ENV,
    // info, as the worker runs by default: formatting its lines is part of what it costs.
    logLevel: 'info',
    ...options,
  });
}

/** Closers run newest first by `close()`; one that fails is logged and the rest still run. */
export function teardown(): { add(closer: () => Promise<unknown>): void; close(): Promise<void> } {
  const closers: (() => Promise<unknown>)[] = [];
  return {
    add: (closer) => void closers.push(closer),
    async close() {
      for (const closer of closers.splice(0).reverse()) {
        await closer().catch((err: unknown) => log(`teardown: ${String(err)}`));
      }
    },
  };
}

export interface BenchStack {
  temporal: BenchTemporal;
  machine: MachineInfo;
  sandbox: Sandbox;
  /** The sandbox's control routes: the analyst's decisions. */
  control: SandboxControl;
  taskQueue: string;
  worker: WorkerProcess;
  /** The webhook bridge in this process, registered with the sandbox (with `bridge: true`). */
  bridge: InProcessBridge | undefined;
  /** Aborted when the worker or the dev server exits unexpectedly: pass it to every wait and phase. */
  unexpectedExit: AbortSignal;
  close(): Promise<void>;
}

/**
 * Temporal, the machine (read before the worker starts), optionally the bridge (in this process, verifying
 * the sandbox's signing secret), the sandbox, and the worker; resolved once the worker polls.
 */
export async function startBenchStack(options: {
  name: string;
  bridge?: boolean;
  worker?: Partial<StartWorkerOptions>;
}): Promise<BenchStack> {
  const { add, close } = teardown();
  try {
    const temporal = await benchTemporal();
    add(() => temporal.close());
    const machine = await machineInfo(temporal.cliPath ?? null);
    const taskQueue = benchRunId(`bench-${options.name}`);
    const bridge =
      options.bridge === true
        ? await startInProcessBridge({
            temporalAddress: temporal.address,
            namespace: temporal.namespace,
            taskQueue,
            secrets: [SANDBOX_DEV_WEBHOOK_SECRET],
            signalTimeoutMs: 5_000,
            dedupe: { maxEntries: 10_000, ttlMs: 600_000 },
          })
        : undefined;
    if (bridge !== undefined) add(() => bridge.close());
    const sandbox = await startFastSandbox(bridge === undefined ? [] : [bridge.url]);
    add(() => sandbox.close());
    const worker = await startBenchWorker(temporal, sandbox, { taskQueue, ...options.worker });
    add(() => worker.stop());
    const unexpectedExit = AbortSignal.any([temporal.unexpectedExit, worker.proc.unexpectedExit]);
    await worker.whenPolling(temporal.client);
    return {
      temporal,
      machine,
      sandbox,
      control: new SandboxControl(sandbox.url),
      taskQueue,
      worker,
      bridge,
      unexpectedExit,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A positive whole number from a flag, or `fallback`. */
export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${flag}: expected a positive whole number, got "${text}"`);
  return n;
}

/** `--quick` and the given string flags, each read as a positive whole number (`fallback(quick)` if absent). */
export function intOptions<K extends string>(
  fallbacks: Record<K, (quick: boolean) => number>,
): Record<K, number> & { quick: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(fallbacks).map((flag) => [flag, { type: 'string' as const }])),
    },
  }) as { values: Record<string, string | boolean | undefined> };
  const quick = values['quick'] === true;
  const parsed = Object.fromEntries(
    (Object.entries(fallbacks) as [K, (quick: boolean) => number][]).map(([flag, fallback]) => {
      const text = values[flag];
      return [flag, positiveInt(flag, typeof text === 'string' ? text : undefined, fallback(quick))];
    }),
  ) as Record<K, number>;
  return { ...parsed, quick };
}

/**
 * Runs a benchmark's `main` and leaves: with its exit code (1 when a goal was missed), or 1 and the
 * error when it failed. Leaving explicitly: the Temporal runtime keeps handles open after teardown.
 */
export function runBenchmark(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
