/**
 * The real system for the bridge benchmarks that use real signals: a Temporal dev server, the Mesh
 * sandbox, the production worker (src/worker/main.ts) and the production bridge (src/bridge/main.ts), each
 * entry point in its own process, configured only through its environment as in a deployment (all from
 * the test kit). Then N `onboardCustomer` runs are screened by the sandbox as potential matches and left
 * waiting for an analyst's review. `unexpectedExit` aborts the moment the worker, the bridge or the dev
 * server dies: the benchmarks guard their phases with it.
 */
import type { Client } from '@temporalio/client';
import type { Sandbox } from '../src/sandbox/mesh';
import { statusQuery } from '../src/contracts/onboarding';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { startBridgeProcess } from '../testkit/bridge';
import { childPids } from '../testkit/machine';
import { freePort } from '../testkit/net';
import { log, logPath } from '../testkit/results';
import { SandboxControl } from '../testkit/sandbox-control';
import { inPool, waitFor } from '../testkit/wait';
import {
  casePayload,
  newSecret,
  webhookSigner,
  type CasePayloadOptions,
  type WebhookSigner,
} from '../testkit/webhooks';
import {
  benchRunId,
  benchTemporal,
  onboardingInput,
  startBenchWorker,
  startFastSandbox,
  teardown,
} from './stack';

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
  control: SandboxControl;
  /** The bridge's base URL (no path). */
  bridgeUrl: string;
  /** Signs webhooks with the bridge's secret. */
  signer: WebhookSigner;
  taskQueue: string;
  client: Client;
  /** Processes whose CPU use the benchmarks report. */
  pids: Record<string, number>;
  onboardings: WaitingOnboarding[];
  /** Aborted, naming the process and its last lines, when the worker, the bridge or the dev server dies. */
  unexpectedExit: AbortSignal;
  close(): Promise<void>;
}

/** A case webhook body about `onboarding` (Appendix C's example otherwise, POSITIVE by default); unsigned. */
export function caseWebhookBody(
  onboarding: WaitingOnboarding,
  payload: Omit<CasePayloadOptions, 'externalIdentifier' | 'customerIdentifier' | 'caseIdentifier'> = {},
): string {
  return JSON.stringify(
    casePayload({
      externalIdentifier: onboarding.externalIdentifier,
      customerIdentifier: `cust_${onboarding.externalIdentifier}`,
      caseIdentifier: onboarding.caseIdentifier,
      ...payload,
    }),
  );
}

export async function startRealStack(options: { name: string; onboardings: number }): Promise<RealStack> {
  const webhookSecret = newSecret();
  const { add, close } = teardown();
  try {
    const temporal = await benchTemporal();
    add(() => temporal.close());
    const sandbox = await startFastSandbox();
    add(() => sandbox.close());

    const taskQueue = benchRunId('bench-bridge');
    log(`starting the worker (src/worker/main.ts) on task queue ${taskQueue}`);
    const worker = await startBenchWorker(temporal, sandbox, {
      taskQueue,
      meshRateLimitPerMinute: BENCH_MESH_RATE_LIMIT_PER_MINUTE,
      logLevel: 'warn',
      logFile: logPath(`${options.name}-worker`),
      logMode: 'w',
    });
    add(() => worker.stop());

    log('starting the bridge (src/bridge/main.ts)');
    const bridge = await startBridgeProcess({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      port: await freePort(),
      webhookSecret,
      logFile: logPath(`${options.name}-bridge`),
      logMode: 'w',
      readyPath: '/readyz',
    });
    add(() => bridge.proc.stop('SIGTERM', 10_000));

    const unexpectedExit = AbortSignal.any([
      temporal.unexpectedExit,
      worker.proc.unexpectedExit,
      bridge.proc.unexpectedExit,
    ]);
    const { client } = temporal;
    await worker.whenPolling(client);
    const onboardings = await startWaitingOnboardings(client, taskQueue, options.onboardings, unexpectedExit);
    return {
      sandbox,
      control: new SandboxControl(sandbox.url),
      bridgeUrl: bridge.baseUrl,
      signer: webhookSigner(webhookSecret),
      taskQueue,
      client,
      pids: {
        bridge: bridge.proc.pid,
        worker: worker.pid,
        ...Object.fromEntries(childPids('start-dev').map((pid) => ['temporal dev server', pid])),
      },
      onboardings,
      unexpectedExit,
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
  signal: AbortSignal,
): Promise<WaitingOnboarding[]> {
  const runId = benchRunId('bench');
  const externalIdentifiers = Array.from({ length: count }, (_, i) => `${runId}-${i}`);
  log(`starting ${count} onboardings that wait for review`);
  await inPool(externalIdentifiers, 10, async (externalIdentifier) => {
    // The onboarding service's call: the customer alone; the worker supplies the screening configuration.
    await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
      taskQueue,
      workflowId: onboardingWorkflowId(externalIdentifier),
      args: [onboardingInput('review', externalIdentifier)],
    });
  });

  const query = `TaskQueue = '${taskQueue}' AND KycOnboardingState = 'AWAITING_REVIEW'`;
  await waitFor(async () => (await client.workflow.count(query)).count >= count, {
    description: `${count} onboardings in AWAITING_REVIEW`,
    timeoutMs: 180_000,
    intervalMs: 500,
    signal,
  });

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
