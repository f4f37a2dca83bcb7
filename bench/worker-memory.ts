/**
 * `npm run bench:memory` (benchmark 5): the worker's memory with many onboardings waiting for review,
 * and whether it wakes them all at once without a workflow task timing out.
 *
 * The worker is src/worker/main.ts in its own process (`node --import tsx`, so the RSS read from /proc is
 * the worker's alone) with an explicit workflow cache (WORKER_MAX_CACHED_WORKFLOWS) and heap limit
 * (--max-old-space-size). `--onboardings` "Victor Bout" applicants (HAS_PROFILES, unique external
 * identifiers, started with the customer alone; the worker's daily case-check poll, BENCH_REVIEW_ENV,
 * keeps them from polling meanwhile) are started and screened against the sandbox until all wait in
 * AWAITING_REVIEW (counted through the KycOnboardingState search attribute). Then the analyst decides
 * every case POSITIVE in the sandbox, and every run gets a `caseDecision` signal for its real case, as
 * the bridge would send it; each run confirms it with one case read, and runs beyond the cache replay
 * their history to handle it. At the end every history is read and WorkflowTaskTimedOut /
 * WorkflowTaskFailed events are counted.
 *
 * Flags: --onboardings N (10000; --quick 500) --cache N (500, the worker's default) --heap MiB (384)
 *        --concurrency N (50 starts or signals in flight). TEMPORAL_ADDRESS reuses a running server.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { caseDecisionSignal } from '../src/contracts/case-decision';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { machineInfo } from './support/machine';
import { report } from './support/results';
import {
  analystDecides,
  benchRunId,
  onboardingInput,
  prebuiltWorkflowBundle,
  startFastSandbox,
  UNLIMITED_MESH_RATE_PER_MINUTE,
} from './support/stack';
import { inPool, log, round, waitFor } from './support/stats';
import { startTemporal } from './support/temporal';
import { WorkerProcess } from './support/worker-process';

const RSS_GOAL_MIB = 500;

function options() {
  const { values } = parseArgs({
    options: {
      onboardings: { type: 'string' },
      cache: { type: 'string' },
      heap: { type: 'string' },
      concurrency: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  const int = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${flag}: expected a positive whole number, got "${text}"`);
    return n;
  };
  return {
    onboardings: int('onboardings', values.onboardings, values.quick === true ? 500 : 10_000),
    cache: int('cache', values.cache, 500),
    heapMiB: int('heap', values.heap, 384),
    concurrency: int('concurrency', values.concurrency, 50),
  };
}

/** Samples the worker's RSS every second while `work` runs; returns the highest sample. */
async function watchRss<T>(
  worker: WorkerProcess,
  work: () => Promise<T>,
): Promise<{ result: T; maxRssMiB: number }> {
  let maxRssMiB = 0;
  const sample = async () => {
    const { rssMiB } = await worker.memory();
    maxRssMiB = Math.max(maxRssMiB, rssMiB);
  };
  const timer = setInterval(() => void sample().catch(() => undefined), 1_000);
  try {
    const result = await work();
    await sample();
    return { result, maxRssMiB };
  } finally {
    clearInterval(timer);
  }
}

async function count(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

async function main(): Promise<void> {
  const opts = options();
  const temporal = await startTemporal();
  const machine = await machineInfo(temporal.cliPath);
  const { client } = temporal;
  const taskQueue = benchRunId('bench-memory');
  const runId = benchRunId('mem');
  const sandbox = await startFastSandbox();
  const worker = WorkerProcess.start({
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue,
    sandboxUrl: sandbox.url,
    workflowBundlePath: await prebuiltWorkflowBundle(),
    meshRateLimitPerMinute: UNLIMITED_MESH_RATE_PER_MINUTE,
    nodeFlags: [`--max-old-space-size=${opts.heapMiB}`],
    env: { WORKER_MAX_CACHED_WORKFLOWS: String(opts.cache) },
  });
  const ids = Array.from({ length: opts.onboardings }, (_, i) => `${runId}-${i}`);
  const inQueue = `TaskQueue="${taskQueue}"`;
  try {
    await worker.whenReady();
    const idle = await worker.memory();
    log(`worker ready, RSS ${round(idle.rssMiB)} MiB; starting ${opts.onboardings} onboardings`);

    const startPhase = performance.now();
    const waiting = await watchRss(worker, async () => {
      await inPool(ids, opts.concurrency, async (id) => {
        await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
          taskQueue,
          workflowId: onboardingWorkflowId(id),
          args: [onboardingInput('review', id)],
        });
      });
      log(`started in ${round((performance.now() - startPhase) / 1000)} s; waiting for all to await review`);
      return waitFor(
        'every onboarding in AWAITING_REVIEW',
        30 * 60_000,
        async () => {
          const n = await count(client, `${inQueue} AND KycOnboardingState="AWAITING_REVIEW"`);
          return n >= opts.onboardings ? n : undefined;
        },
        2_000,
      );
    });
    const toWaitingS = (performance.now() - startPhase) / 1000;
    const atRest = await worker.memory();
    log(`${waiting.result} waiting after ${round(toWaitingS)} s; RSS ${round(atRest.rssMiB)} MiB`);

    // The analyst decides every case first (the sandbox has no webhooks registered): a run acts on a
    // webhook's decision only once its own case read confirms it.
    const cases = new Map<string, string>();
    await inPool(ids, opts.concurrency, async (id) => {
      const caseIdentifier = sandbox.context.store.customersByExternalId.get(id)?.caseIdentifiers[0];
      if (caseIdentifier === undefined) throw new Error(`the sandbox has no case for ${id}`);
      await analystDecides(sandbox, caseIdentifier);
      cases.set(id, caseIdentifier);
    });
    log(`analyst decided ${cases.size} cases; signalling every run`);

    const signalPhase = performance.now();
    const decided = await watchRss(worker, async () => {
      await inPool(ids, opts.concurrency, async (id, i) => {
        const caseIdentifier = cases.get(id)!;
        await client.workflow.getHandle(onboardingWorkflowId(id)).signal(caseDecisionSignal, {
          caseIdentifier,
          decisionType: 'POSITIVE',
          caseType: 'CUSTOMER_ONBOARDING',
          source: 'webhook',
          webhookId: `${runId}-decision-${i}`,
          receivedAt: new Date().toISOString(),
        });
      });
      log(`signalled in ${round((performance.now() - signalPhase) / 1000)} s; waiting for all to complete`);
      return waitFor(
        'every onboarding completed',
        30 * 60_000,
        async () => {
          const n = await count(client, `${inQueue} AND ExecutionStatus="Completed"`);
          return n >= opts.onboardings ? n : undefined;
        },
        1_000,
      );
    });
    const signalS = (performance.now() - signalPhase) / 1000;
    const end = await worker.memory();

    log('reading every history for workflow task timeouts and failures');
    let timedOut = 0;
    let failed = 0;
    const timeoutTypes: Record<string, number> = {};
    let approved = 0;
    await inPool(ids, 20, async (id) => {
      const handle = client.workflow.getHandle<typeof onboardCustomer>(onboardingWorkflowId(id));
      const history = await handle.fetchHistory();
      for (const event of history.events ?? []) {
        if (event.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
          timedOut += 1;
          // SCHEDULE_TO_START: a sticky task the worker did not pick up in time (moved to the normal queue);
          // START_TO_CLOSE: the worker took a task and did not finish it within the task timeout.
          const type = event.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0;
          const name = (proto.api.enums.v1.TimeoutType[type] ?? String(type)).replace(/^TIMEOUT_TYPE_/, '');
          timeoutTypes[name] = (timeoutTypes[name] ?? 0) + 1;
        }
        if (event.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failed += 1;
      }
      if ((await handle.result()).state === 'APPROVED') approved += 1;
    });

    const maxRss = Math.max(waiting.maxRssMiB, decided.maxRssMiB, end.peakRssMiB);
    report({
      name: 'worker-memory',
      title: `Benchmark 5: worker memory with ${opts.onboardings} onboardings waiting for review`,
      command: `npm run bench:memory -- --onboardings ${opts.onboardings} --cache ${opts.cache} --heap ${opts.heapMiB}`,
      finishedAt: new Date().toISOString(),
      machine,
      goals: [
        {
          figure: `worker RSS, ${opts.onboardings} waiting (cache ${opts.cache}, heap ${opts.heapMiB} MiB)`,
          value: `${round(atRest.rssMiB)} MiB at rest (idle worker ${round(idle.rssMiB)} MiB)`,
          goal: `≤ ${RSS_GOAL_MIB} MiB`,
          met: atRest.rssMiB <= RSS_GOAL_MIB,
        },
        {
          figure: 'worker peak RSS over the whole run (VmHWM)',
          value: `${round(maxRss)} MiB`,
          goal: `≤ ${RSS_GOAL_MIB} MiB`,
          met: maxRss <= RSS_GOAL_MIB,
        },
        {
          figure: `signal to all ${opts.onboardings}: completed`,
          value: `${approved} APPROVED in ${round(signalS)} s (${round(opts.onboardings / signalS)} /s)`,
          goal: 'all',
          met: approved === opts.onboardings,
        },
        {
          figure: 'workflow task timeouts / failures (all histories)',
          value: `${timedOut} / ${failed}${
            timedOut > 0
              ? ` (${Object.entries(timeoutTypes)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ')})`
              : ''
          }`,
          goal: '0 / 0',
          met: timedOut === 0 && failed === 0,
        },
      ],
      details: {
        onboardings: opts.onboardings,
        cache: opts.cache,
        heapMiB: opts.heapMiB,
        rssMiB: { idle: idle.rssMiB, atRest: atRest.rssMiB, end: end.rssMiB, peak: maxRss },
        startToAllWaitingSeconds: toWaitingS,
        signalToAllCompletedSeconds: signalS,
        workflowTaskTimeouts: timedOut,
        workflowTaskTimeoutTypes: timeoutTypes,
        workflowTaskFailures: failed,
        approved,
      },
    });
  } finally {
    await worker.stop();
    await sandbox.close();
    await temporal.close();
  }
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
