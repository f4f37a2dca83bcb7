/**
 * `npm run bench:decision`: from a decision webhook's arrival to the new state being visible (issue 6,
 * benchmark 4).
 *
 * The real system (bench/bridge-stack.ts: dev server, sandbox, src/worker/main.ts, src/bridge/main.ts, each its
 * own process) with M onboardings waiting for review. For each, at a fixed pace, the analyst decides the
 * case POSITIVE in the sandbox (a run acts on a webhook's decision only once its own case read confirms
 * it), then the signed CASE_TRANSITIONED webhook Mesh would send goes to the bridge; from the moment it
 * is sent ("arrival": loopback, so the same instant) the benchmark times
 *   - the acknowledgement (the bridge's 200, after the signal is durable),
 *   - the `status` query showing APPROVED (polled back to back),
 *   - the `KycOnboardingState` search attribute showing APPROVED through `client.workflow.list({ query })`
 *     (visibility is eventually consistent: polled back to back as well, with a 10 s deadline).
 * Goal: p99 of both ≤ 250 ms. POSITIVE is the decision whose state change needs one Mesh call, the case
 * read that confirms it; NEGATIVE would add the call that switches monitoring off.
 *
 * Flags: --quick (20 onboardings)  --onboardings M (200)  --rate N decisions per second (5)
 * Prints the machine and a goal table, writes bench/results/webhook-to-decision.json. Exit code 1 when a
 * goal is missed.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { statusQuery } from '../src/contracts/onboarding';
import { cpuMeter, describeCpu, machineInfo, type CpuReport } from '../testkit/machine';
import { commandLine, log, report, type GoalRow } from '../testkit/results';
import { distribution } from '../testkit/stats';
import { abortable, delay, waitFor } from '../testkit/wait';
import { caseWebhookBody, startRealStack, type WaitingOnboarding } from './bridge-stack';
import { intOptions, runBenchmark } from './stack';

const RESULT_NAME = 'webhook-to-decision';
const GOAL_P99_MS = 250;
const VISIBILITY_DEADLINE_MS = 10_000;

/**
 * Milliseconds since `start` when `check` first holds; polls back to back with a small pause. A failing
 * check, the deadline or `signal` (a process died) ends it.
 */
async function timeUntil(
  start: number,
  what: string,
  pauseMs: number,
  signal: AbortSignal,
  check: () => Promise<boolean>,
): Promise<number> {
  await waitFor(check, {
    description: what,
    timeoutMs: Math.max(0, VISIBILITY_DEADLINE_MS - (performance.now() - start)),
    intervalMs: pauseMs,
    retryErrors: false,
    signal,
  });
  return performance.now() - start;
}

interface Timing {
  ackMs: number;
  queryMs: number;
  searchAttributeMs: number;
}

async function decide(
  client: Client,
  url: string,
  onboarding: WaitingOnboarding,
  request: { body: string; headers: Record<string, string> },
  signal: AbortSignal,
): Promise<Timing> {
  const handle = client.workflow.getHandle(onboarding.workflowId);
  const visibilityQuery = `WorkflowId = '${onboarding.workflowId}' AND KycOnboardingState = 'APPROVED'`;
  const arrival = performance.now();
  const response = await fetch(url, { method: 'POST', ...request });
  const ackMs = performance.now() - arrival;
  const answer = await response.text();
  if (response.status !== 200 || !answer.includes('"signalled"')) {
    throw new Error(`${onboarding.workflowId}: the bridge answered ${response.status} ${answer}`);
  }
  // The state cannot change before the signal is durable, so polling starts with the acknowledgement.
  const [queryMs, searchAttributeMs] = await Promise.all([
    timeUntil(arrival, `${onboarding.workflowId} APPROVED by query`, 2, signal, async () => {
      return (await handle.query(statusQuery)).state === 'APPROVED';
    }),
    timeUntil(arrival, `${onboarding.workflowId} APPROVED by search attribute`, 2, signal, async () => {
      for await (const _ of client.workflow.list({ query: visibilityQuery, pageSize: 1 })) return true;
      return false;
    }),
  ]);
  return { ackMs, queryMs, searchAttributeMs };
}

async function main(): Promise<void> {
  const opts = intOptions({ onboardings: (quick) => (quick ? 20 : 200), rate: () => 5 });
  const machine = await machineInfo();
  const stack = await startRealStack({ name: RESULT_NAME, onboardings: opts.onboardings });
  let timings: Timing[];
  let cpu: CpuReport;
  try {
    const runId = randomUUID().slice(0, 8);
    const url = `${stack.bridgeUrl}${WEBHOOK_ROUTE}`;
    log(`deciding ${stack.onboardings.length} onboardings, ${opts.rate} per second`);
    const meter = cpuMeter(stack.pids);
    const startedAt = performance.now();
    timings = await abortable(
      Promise.all(
        stack.onboardings.map(async (onboarding, i) => {
          // A fixed pace, not one after the other: decisions overlap as they would in a busy review team.
          await delay(Math.max(0, startedAt + (i * 1000) / opts.rate - performance.now()));
          // The decision is real before Mesh announces it: the run confirms it by reading its case.
          await stack.control.decideCase(onboarding.caseIdentifier, 'POSITIVE', 'benchmark decision');
          const body = caseWebhookBody(onboarding, { decisionType: 'POSITIVE' });
          const headers = stack.signer.headers(`msg_bench_${runId}_${i}`, body);
          return decide(stack.client, url, onboarding, { body, headers }, stack.unexpectedExit);
        }),
      ),
      stack.unexpectedExit,
    );
    cpu = meter.stop();
    log(describeCpu(cpu));
  } finally {
    await stack.close();
  }

  const ack = distribution(timings.map((t) => t.ackMs));
  const query = distribution(timings.map((t) => t.queryMs));
  const searchAttribute = distribution(timings.map((t) => t.searchAttributeMs));
  const both = distribution(timings.map((t) => Math.max(t.queryMs, t.searchAttributeMs)));
  const show = (d: typeof ack) => `p50 ${d.p50}, p95 ${d.p95}, p99 ${d.p99}, max ${d.max} ms`;
  const rows: GoalRow[] = [
    { figure: `arrival → acknowledgement (${ack.count})`, value: show(ack), goal: '-', met: undefined },
    {
      figure: 'arrival → status query shows APPROVED',
      value: show(query),
      goal: `p99 ≤ ${GOAL_P99_MS} ms`,
      met: query.p99 <= GOAL_P99_MS,
    },
    {
      figure: 'arrival → KycOnboardingState=APPROVED listed',
      value: show(searchAttribute),
      goal: `p99 ≤ ${GOAL_P99_MS} ms`,
      met: searchAttribute.p99 <= GOAL_P99_MS,
    },
    {
      figure: 'arrival → visible by both',
      value: show(both),
      goal: `p99 ≤ ${GOAL_P99_MS} ms`,
      met: both.p99 <= GOAL_P99_MS,
    },
  ];
  report({
    name: RESULT_NAME,
    title: `Webhook to decision (issue 6, benchmark 4)${opts.quick ? ' --quick' : ''}`,
    command: commandLine('bench:decision'),
    finishedAt: new Date().toISOString(),
    machine,
    goals: rows,
    details: {
      quick: opts.quick,
      onboardings: opts.onboardings,
      ratePerSecond: opts.rate,
      latencyMs: { acknowledgement: ack, statusQuery: query, searchAttribute, both },
      cpu,
    },
  });
}

runBenchmark('bench:decision', main);
