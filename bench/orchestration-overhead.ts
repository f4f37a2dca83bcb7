/**
 * `npm run bench:overhead` (benchmark 2): what Temporal orchestration costs per onboarding when Mesh
 * costs nothing. The sandbox answers at 0 ms without an account limit, the worker (src/worker/main.ts, in
 * its own process, production options, prebuilt bundle) gets a Mesh budget far above what it can use,
 * so what is left is the worker, the dev server and the client on this machine.
 *
 * Straight-through: `--concurrency` onboardings in flight at all times (a closed loop), each timed from
 * the start call to its result. Review path: start, poll the `status` query until AWAITING_REVIEW, the
 * analyst decides in the sandbox, Mesh's signed webhook goes through the real bridge (src/bridge, in
 * this process) as a `caseDecision` signal, and the run returns APPROVED.
 *
 * Flags: --onboardings N (1000) --concurrency N (25) --reviews N (300) --review-concurrency N (30)
 *        --quick (100 / 20 / 40 / 10). TEMPORAL_ADDRESS reuses a running server.
 */
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { statusQuery, type OnboardingStatus } from '../src/contracts/onboarding';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import type { onboardCustomer } from '../src/workflows';
import { processMemory } from '../testkit/processes';
import { log, report, type GoalRow } from '../testkit/results';
import { percentile, round } from '../testkit/stats';
import { abortable, inPool, waitFor } from '../testkit/wait';
import {
  benchRunId,
  intOptions,
  onboardingInput,
  runBenchmark,
  startBenchStack,
  type Applicant,
} from './stack';

const THROUGHPUT_GOAL = 20;
// Each query is a round trip through the worker: polling faster would mostly measure the poller.
const STATUS_POLL_MS = 100;

function options() {
  const o = intOptions({
    onboardings: (quick) => (quick ? 100 : 1000),
    concurrency: (quick) => (quick ? 20 : 25),
    reviews: (quick) => (quick ? 40 : 300),
    'review-concurrency': (quick) => (quick ? 10 : 30),
  });
  return { ...o, reviewConcurrency: o['review-concurrency'] };
}

interface Timing {
  startedAt: number;
  awaitingAt?: number;
  decidedAt?: number;
  doneAt: number;
  state: string;
  decisionSource?: string;
}

function start(client: Client, taskQueue: string, kind: Applicant, externalIdentifier: string) {
  return client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
    taskQueue,
    workflowId: onboardingWorkflowId(externalIdentifier),
    args: [onboardingInput(kind, externalIdentifier)],
  });
}

async function straightThrough(client: Client, taskQueue: string, runId: string, i: number): Promise<Timing> {
  const startedAt = performance.now();
  const handle = await start(client, taskQueue, 'clean', `${runId}-st-${i}`);
  const result = await handle.result();
  return { startedAt, doneAt: performance.now(), state: result.state };
}

async function waitForReview(handle: WorkflowHandle, signal: AbortSignal): Promise<OnboardingStatus> {
  const status = await waitFor(() => handle.query(statusQuery), {
    until: (s) =>
      (s.state === 'AWAITING_REVIEW' && s.case !== undefined) ||
      !['SCREENING', 'AWAITING_REVIEW'].includes(s.state),
    description: `${handle.workflowId} in AWAITING_REVIEW`,
    timeoutMs: 120_000,
    intervalMs: STATUS_POLL_MS,
    retryErrors: false,
    signal,
  });
  if (status.state !== 'AWAITING_REVIEW')
    throw new Error(`onboarding ended in ${status.state} before review`);
  return status;
}

async function reviewPath(
  client: Client,
  taskQueue: string,
  runId: string,
  i: number,
  decide: (caseIdentifier: string) => Promise<void>,
  signal: AbortSignal,
): Promise<Timing> {
  const startedAt = performance.now();
  const handle = await start(client, taskQueue, 'review', `${runId}-rv-${i}`);
  const waiting = await waitForReview(handle, signal);
  const awaitingAt = performance.now();
  await decide(waiting.case!.caseIdentifier);
  const decidedAt = performance.now();
  const result = await handle.result();
  return {
    startedAt,
    awaitingAt,
    decidedAt,
    doneAt: performance.now(),
    state: result.state,
    ...(result.decision !== undefined && { decisionSource: result.decision.source }),
  };
}

/** `count` runs of `fn`, `concurrency` in flight; ends at once with `signal` (a process died). */
async function closedLoop(
  count: number,
  concurrency: number,
  signal: AbortSignal,
  fn: (i: number) => Promise<Timing>,
) {
  const timings: Timing[] = [];
  const began = performance.now();
  await abortable(
    inPool(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => void timings.push(await fn(i)),
    ),
    signal,
  );
  const seconds = (performance.now() - began) / 1000;
  return { timings, seconds, perSecond: count / seconds };
}

function latency(
  timings: readonly Timing[],
  from: (t: Timing) => number | undefined,
  to: (t: Timing) => number | undefined,
) {
  const samples = timings.flatMap((t) => {
    const a = from(t);
    const b = to(t);
    return a === undefined || b === undefined ? [] : [b - a];
  });
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const stack = await startBenchStack({ name: 'overhead', bridge: true });
  const { temporal, taskQueue, unexpectedExit: signal } = stack;
  const runId = benchRunId('ovh');
  try {
    const { client } = temporal;
    log('warm-up: 20 straight-through onboardings');
    await closedLoop(20, 10, signal, (i) => straightThrough(client, taskQueue, `${runId}-warm`, i));

    log(`straight-through: ${opts.onboardings} onboardings, ${opts.concurrency} in flight`);
    const st = await closedLoop(opts.onboardings, opts.concurrency, signal, (i) =>
      straightThrough(client, taskQueue, runId, i),
    );
    const stLatency = latency(
      st.timings,
      (t) => t.startedAt,
      (t) => t.doneAt,
    );
    const stWrong = st.timings.filter((t) => t.state !== 'APPROVED').length;
    const stMemory = await processMemory(stack.worker.pid);

    log(`review path: ${opts.reviews} onboardings, ${opts.reviewConcurrency} in flight`);
    const rv = await closedLoop(opts.reviews, opts.reviewConcurrency, signal, (i) =>
      reviewPath(
        client,
        taskQueue,
        runId,
        i,
        (caseIdentifier) => stack.control.decideCase(caseIdentifier, 'POSITIVE', 'benchmark decision'),
        signal,
      ),
    );
    const rvWrong = rv.timings.filter((t) => t.state !== 'APPROVED' || t.decisionSource !== 'webhook').length;
    const rvTotal = latency(
      rv.timings,
      (t) => t.startedAt,
      (t) => t.doneAt,
    );
    const rvAwaiting = latency(
      rv.timings,
      (t) => t.startedAt,
      (t) => t.awaitingAt,
    );
    const rvDecision = latency(
      rv.timings,
      (t) => t.awaitingAt,
      (t) => t.doneAt,
    );
    const memory = await processMemory(stack.worker.pid);

    const goals: GoalRow[] = [
      {
        figure: 'straight-through onboardings/s, one worker',
        value: `${round(st.perSecond)} /s (${opts.onboardings} runs, ${opts.concurrency} in flight)`,
        goal: `≥ ${THROUGHPUT_GOAL} /s (4 × Mesh's 5 /s)`,
        met: st.perSecond >= THROUGHPUT_GOAL && stWrong === 0,
      },
      {
        figure: 'straight-through start→result p50 / p99',
        value: `${stLatency.p50} / ${stLatency.p99} ms`,
        goal: 'reported',
        met: undefined,
      },
      {
        figure: 'review-path onboardings/s, one worker',
        value: `${round(rv.perSecond)} /s (${opts.reviews} runs, ${opts.reviewConcurrency} in flight)`,
        goal: `≥ ${THROUGHPUT_GOAL} /s`,
        met: rv.perSecond >= THROUGHPUT_GOAL && rvWrong === 0,
      },
      {
        figure: 'review start→awaiting review p50 / p99',
        value: `${rvAwaiting.p50} / ${rvAwaiting.p99} ms (query polled every ${STATUS_POLL_MS} ms)`,
        goal: 'reported',
        met: undefined,
      },
      {
        figure: 'review decision→result p50 / p99 (analyst → webhook → bridge → signal → APPROVED)',
        value: `${rvDecision.p50} / ${rvDecision.p99} ms`,
        goal: 'reported',
        met: undefined,
      },
      {
        figure: 'review start→result p50 / p99',
        value: `${rvTotal.p50} / ${rvTotal.p99} ms`,
        goal: 'reported',
        met: undefined,
      },
      {
        figure: 'runs that ended wrong (not APPROVED, or not by webhook)',
        value: `${stWrong + rvWrong}`,
        goal: '0',
        met: stWrong + rvWrong === 0,
      },
    ];
    report({
      name: 'orchestration-overhead',
      title: 'Benchmark 2: orchestration overhead (sandbox 0 ms, no account limit)',
      command: `npm run bench:overhead --${opts.quick ? ' --quick' : ''} --onboardings ${opts.onboardings} --concurrency ${opts.concurrency} --reviews ${opts.reviews} --review-concurrency ${opts.reviewConcurrency}`,
      finishedAt: new Date().toISOString(),
      machine: stack.machine,
      goals,
      details: {
        straightThrough: { ...stLatency, perSecond: st.perSecond, seconds: st.seconds, wrong: stWrong },
        review: {
          perSecond: rv.perSecond,
          seconds: rv.seconds,
          total: rvTotal,
          startToAwaiting: rvAwaiting,
          decisionToResult: rvDecision,
          wrong: rvWrong,
        },
        workerRssMiB: {
          afterStraightThrough: stMemory.rssMiB,
          afterReview: memory.rssMiB,
          peak: memory.peakRssMiB,
        },
        workerSettings: 'src/worker/main.ts defaults, prebuilt bundle, MESH_RATE_LIMIT_PER_MINUTE 6,000,000',
      },
    });
  } finally {
    await stack.close();
  }
}

runBenchmark('bench:overhead', main);
