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
 * WorkflowTaskFailed events are counted. Timeouts are reported, not a goal: a task that waited longer
 * than the worker's sticky schedule-to-start timeout (WORKER_STICKY_SCHEDULE_TO_START_TIMEOUT, kept short
 * so a crashed worker's runs go on within seconds, src/worker/config.ts) times out and runs again on the
 * normal queue with a replay, retried and not lost; every run must still end APPROVED, and no task may fail.
 *
 * Flags: --onboardings N (10000; --quick 500) --cache N (500, the worker's default) --heap MiB (384)
 *        --concurrency N (50 starts or signals in flight). TEMPORAL_ADDRESS reuses a running server.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { caseDecisionSignal } from '../src/contracts/case-decision';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { processMemory } from '../testkit/processes';
import { log, report } from '../testkit/results';
import { round } from '../testkit/stats';
import { abortable, inPool, waitFor } from '../testkit/wait';
import { benchRunId, intOptions, onboardingInput, runBenchmark, startBenchStack } from './stack';

const RSS_GOAL_MIB = 500;

function options() {
  const o = intOptions({
    onboardings: (quick) => (quick ? 500 : 10_000),
    cache: () => 500,
    heap: () => 384,
    concurrency: () => 50,
  });
  return { onboardings: o.onboardings, cache: o.cache, heapMiB: o.heap, concurrency: o.concurrency };
}

/** Samples the worker's RSS every second while `work` runs (ended by `signal`); returns the highest sample. */
async function watchRss<T>(
  pid: number,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<{ result: T; maxRssMiB: number }> {
  let maxRssMiB = 0;
  const sample = async () => {
    const { rssMiB } = await processMemory(pid);
    maxRssMiB = Math.max(maxRssMiB, rssMiB);
  };
  const timer = setInterval(() => void sample().catch(() => undefined), 1_000);
  try {
    const result = await abortable(work(), signal);
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
  const stack = await startBenchStack({
    name: 'memory',
    worker: {
      nodeFlags: [`--max-old-space-size=${opts.heapMiB}`],
      env: { WORKER_MAX_CACHED_WORKFLOWS: String(opts.cache) },
    },
  });
  const { temporal, taskQueue, unexpectedExit: signal } = stack;
  const { client } = temporal;
  const memory = () => processMemory(stack.worker.pid);
  const runId = benchRunId('mem');
  const ids = Array.from({ length: opts.onboardings }, (_, i) => `${runId}-${i}`);
  const inQueue = `TaskQueue="${taskQueue}"`;
  try {
    const idle = await memory();
    log(`worker ready, RSS ${round(idle.rssMiB)} MiB; starting ${opts.onboardings} onboardings`);

    const startPhase = performance.now();
    const waiting = await watchRss(stack.worker.pid, signal, async () => {
      await inPool(ids, opts.concurrency, async (id) => {
        await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
          taskQueue,
          workflowId: onboardingWorkflowId(id),
          args: [onboardingInput('review', id)],
        });
      });
      log(`started in ${round((performance.now() - startPhase) / 1000)} s; waiting for all to await review`);
      return waitFor(
        async () => {
          const n = await count(client, `${inQueue} AND KycOnboardingState="AWAITING_REVIEW"`);
          return n >= opts.onboardings ? n : undefined;
        },
        {
          description: 'every onboarding in AWAITING_REVIEW',
          timeoutMs: 30 * 60_000,
          intervalMs: 2_000,
          signal,
        },
      );
    });
    const toWaitingS = (performance.now() - startPhase) / 1000;
    const atRest = await memory();
    log(`${waiting.result} waiting after ${round(toWaitingS)} s; RSS ${round(atRest.rssMiB)} MiB`);

    // The analyst decides every case first (the sandbox has no webhooks registered): a run acts on a
    // webhook's decision only once its own case read confirms it.
    const cases = new Map<string, string>();
    await inPool(ids, opts.concurrency, async (id) => {
      const caseIdentifier = stack.sandbox.context.store.customersByExternalId.get(id)?.caseIdentifiers[0];
      if (caseIdentifier === undefined) throw new Error(`the sandbox has no case for ${id}`);
      await stack.control.decideCase(caseIdentifier, 'POSITIVE', 'benchmark decision');
      cases.set(id, caseIdentifier);
    });
    log(`analyst decided ${cases.size} cases; signalling every run`);

    const signalPhase = performance.now();
    const decided = await watchRss(stack.worker.pid, signal, async () => {
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
        async () => {
          const n = await count(client, `${inQueue} AND ExecutionStatus="Completed"`);
          return n >= opts.onboardings ? n : undefined;
        },
        { description: 'every onboarding completed', timeoutMs: 30 * 60_000, intervalMs: 1_000, signal },
      );
    });
    const signalS = (performance.now() - signalPhase) / 1000;
    const end = await memory();

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
      if ((await abortable(handle.result(), signal)).state === 'APPROVED') approved += 1;
    });

    const maxRss = Math.max(waiting.maxRssMiB, decided.maxRssMiB, end.peakRssMiB);
    report({
      name: 'worker-memory',
      title: `Benchmark 5: worker memory with ${opts.onboardings} onboardings waiting for review`,
      command: `npm run bench:memory -- --onboardings ${opts.onboardings} --cache ${opts.cache} --heap ${opts.heapMiB}`,
      finishedAt: new Date().toISOString(),
      machine: stack.machine,
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
          figure: 'workflow task timeouts (all histories)',
          value: `${timedOut}${
            timedOut > 0
              ? ` (${Object.entries(timeoutTypes)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ')})`
              : ''
          }`,
          goal: 'reported (retried, not lost)',
          met: undefined,
        },
        {
          figure: 'workflow task failures (all histories)',
          value: String(failed),
          goal: '0',
          met: failed === 0,
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
    await stack.close();
  }
}

runBenchmark('bench:memory', main);
