/**
 * The real system for the bridge benchmarks that use real signals: a Temporal dev server (the CLI binary
 * scripts/temporal-cli.ts finds, started like test/global-setup.ts), the Mesh sandbox, the production
 * worker (src/worker/main.ts) and the production bridge (src/bridge/main.ts), each entry point in its own
 * process, configured only through its environment as in a deployment. Then N `onboardCustomer` runs
 * are screened by the sandbox as potential matches and left waiting for an analyst's review.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { createDataConverter } from '../src/platform/codec/data-converter';
import { loadEncryptionConfig } from '../src/platform/config/encryption';
import { loadOrExit } from '../src/platform/config/env';
import { startSandbox, type Sandbox } from '../src/sandbox/mesh';
import { statusQuery, type OnboardingInput } from '../src/contracts/onboarding';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { childPids, forkTs, freePort, log, logPath, waitForHttp, type Child } from './bridge-support';
import { BENCH_REVIEW_ENV } from './support/worker-process';

const SANDBOX_PASSWORD = 'sandbox';
/** The sandbox screens this name as a potential match (MEDIUM-RISK, HAS_PROFILES): the review path. */
const REVIEW_PATH_NAME = { first_name: 'Victor', last_name: 'Bout' };
/** High enough that screening N customers is not held back; the sandbox's own limit is off. */
const BENCH_MESH_RATE_LIMIT_PER_MINUTE = 60_000;

export interface WaitingOnboarding {
  workflowId: string;
  externalIdentifier: string;
  caseIdentifier: string;
}

export interface RealStack {
  /** The Mesh sandbox the worker screens against (no webhooks registered: the benchmarks send their own). */
  sandbox: Sandbox;
  /** The bridge's base URL (no path). */
  bridgeUrl: string;
  webhookSecret: string;
  taskQueue: string;
  client: Client;
  /** Processes whose CPU use the benchmarks report. */
  pids: Record<string, number>;
  onboardings: WaitingOnboarding[];
  close(): Promise<void>;
}

async function inPool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Fails with `child`'s name as soon as it exits, so a crashed worker does not look like a slow one. */
function watchExit(child: Child, name: string): Promise<never> {
  return child.exited.then((code) => {
    throw new Error(`${name} exited (code ${String(code)}); see its log in bench/results/`);
  });
}

export async function startRealStack(options: {
  name: string;
  onboardings: number;
  webhookSecret: string;
}): Promise<RealStack> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((err: unknown) => log(`teardown: ${String(err)}`));
    }
  };
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const cli = await resolveTemporalCli({ log });
    log('starting a Temporal dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable:
          cli.kind === 'path' ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' },
        ip: '127.0.0.1',
        searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'error' },
      },
    });
    closers.push(() => env.teardown());

    const sandbox: Sandbox = await startSandbox({
      rateLimitPerMinute: 0,
      password: SANDBOX_PASSWORD,
      logLevel: 'silent',
    });
    closers.push(() => sandbox.close());

    const taskQueue = `bench-bridge-${randomUUID().slice(0, 8)}`;
    const common: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
    };

    log(`starting the worker (src/worker/main.ts) on task queue ${taskQueue}`);
    const workerEnv: NodeJS.ProcessEnv = {
      ...common,
      MESH_BASE_URL: sandbox.url,
      MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
      MESH_REALM: 'sandbox',
      MESH_USERNAME: 'bench@example.com',
      MESH_PASSWORD: SANDBOX_PASSWORD,
      MESH_RATE_LIMIT_PER_MINUTE: String(BENCH_MESH_RATE_LIMIT_PER_MINUTE),
      // The runs are started with the customer alone: their review policy is this worker's.
      ...BENCH_REVIEW_ENV,
      WORKER_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'warn',
    };
    delete workerEnv['MESH_ACCESS_KEY'];
    delete workerEnv['MESH_SECRET'];
    const worker = forkTs(require.resolve('../src/worker/main'), {
      name: 'worker',
      env: workerEnv,
      logFile: logPath(`${options.name}-worker`),
    });
    closers.push(() => worker.stop(20_000));
    const workerDied = watchExit(worker, 'the worker');
    workerDied.catch(() => undefined);

    const port = await freePort();
    log('starting the bridge (src/bridge/main.ts)');
    const bridge = forkTs(require.resolve('../src/bridge/main'), {
      name: 'bridge',
      env: {
        ...common,
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_PORT: String(port),
        WEBHOOK_SECRET: options.webhookSecret,
        BRIDGE_METRICS_ADDRESS: 'off',
      },
      logFile: logPath(`${options.name}-bridge`),
    });
    closers.push(() => bridge.stop());
    const bridgeUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${bridgeUrl}/readyz`, bridge, 'the bridge');

    const client = new Client({
      connection: env.connection,
      namespace: 'default',
      dataConverter: createDataConverter(
        loadOrExit(() => loadEncryptionConfig()),
        () => undefined,
      ),
    });
    const onboardings = await Promise.race([
      startWaitingOnboardings(client, taskQueue, options.onboardings),
      workerDied,
    ]);
    return {
      sandbox,
      bridgeUrl,
      webhookSecret: options.webhookSecret,
      taskQueue,
      client,
      pids: {
        bridge: bridge.pid,
        worker: worker.pid,
        ...Object.fromEntries(childPids('start-dev').map((pid) => ['temporal dev server', pid])),
      },
      onboardings,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function startWaitingOnboardings(
  client: Client,
  taskQueue: string,
  count: number,
): Promise<WaitingOnboarding[]> {
  const runId = randomUUID().slice(0, 8);
  const externalIdentifiers = Array.from({ length: count }, (_, i) => `bench-${runId}-${i}`);
  log(`starting ${count} onboardings that wait for review`);
  await inPool(externalIdentifiers, 10, async (externalIdentifier) => {
    // The onboarding service's call: the customer alone; the worker supplies the screening configuration.
    const input: OnboardingInput = {
      customer: { external_identifier: externalIdentifier, person: REVIEW_PATH_NAME },
    };
    await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
      taskQueue,
      workflowId: onboardingWorkflowId(externalIdentifier),
      args: [input],
    });
  });

  const query = `TaskQueue = '${taskQueue}' AND KycOnboardingState = 'AWAITING_REVIEW'`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { count: waiting } = await client.workflow.count(query);
    if (waiting >= count) break;
    if (Date.now() > deadline) {
      throw new Error(`only ${waiting} of ${count} onboardings reached AWAITING_REVIEW within 180 s`);
    }
    await delay(500);
  }

  const onboardings: WaitingOnboarding[] = [];
  await inPool(externalIdentifiers, 10, async (externalIdentifier) => {
    const workflowId = onboardingWorkflowId(externalIdentifier);
    const status = await client.workflow.getHandle(workflowId).query(statusQuery);
    const caseIdentifier = status.case?.caseIdentifier;
    if (status.state !== 'AWAITING_REVIEW' || caseIdentifier === undefined) {
      throw new Error(`${workflowId} is ${status.state} without a case; expected AWAITING_REVIEW with one`);
    }
    onboardings.push({ workflowId, externalIdentifier, caseIdentifier });
  });
  log(`${count} onboardings wait for review`);
  return onboardings;
}
