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
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { statusQuery } from '../src/contracts/onboarding';
import { caseWebhookBody, newWebhookSecret, standardWebhooksSigner } from './bridge-load';
import { startRealStack, type WaitingOnboarding } from './bridge-stack';
import { analystDecides } from './support/stack';
import {
  cpuMeter,
  describeCpu,
  distribution,
  log,
  machineInfo,
  commandLine,
  printGoalTable,
  printMachine,
  writeResult,
  type GoalRow,
} from './bridge-support';

const RESULT_NAME = 'webhook-to-decision';
const GOAL_P99_MS = 250;
const VISIBILITY_DEADLINE_MS = 10_000;

interface Options {
  quick: boolean;
  onboardings: number;
  rate: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      onboardings: { type: 'string' },
      rate: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const int = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${flag}: expected a positive whole number, got "${text}"`);
    return n;
  };
  return {
    quick,
    onboardings: int('onboardings', values.onboardings, quick ? 20 : 200),
    rate: int('rate', values.rate, 5),
  };
}

/** Milliseconds since `start` when `check` first holds; polls back to back with a small pause. */
async function timeUntil(
  start: number,
  what: string,
  pauseMs: number,
  check: () => Promise<boolean>,
): Promise<number> {
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > VISIBILITY_DEADLINE_MS) {
      throw new Error(`${what} not visible within ${VISIBILITY_DEADLINE_MS} ms`);
    }
    await delay(pauseMs);
  }
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
    timeUntil(arrival, `${onboarding.workflowId} APPROVED by query`, 2, async () => {
      return (await handle.query(statusQuery)).state === 'APPROVED';
    }),
    timeUntil(arrival, `${onboarding.workflowId} APPROVED by search attribute`, 2, async () => {
      for await (const _ of client.workflow.list({ query: visibilityQuery, pageSize: 1 })) return true;
      return false;
    }),
  ]);
  return { ackMs, queryMs, searchAttributeMs };
}

async function main(): Promise<void> {
  const opts = options();
  const machine = machineInfo();
  printMachine(machine);
  const secret = newWebhookSecret();
  const signer = standardWebhooksSigner(secret);
  const stack = await startRealStack({
    name: RESULT_NAME,
    onboardings: opts.onboardings,
    webhookSecret: secret,
  });
  let timings: Timing[];
  let cpu;
  try {
    const runId = randomUUID().slice(0, 8);
    const url = `${stack.bridgeUrl}${WEBHOOK_ROUTE}`;
    log(`deciding ${stack.onboardings.length} onboardings, ${opts.rate} per second`);
    const meter = cpuMeter(stack.pids);
    const startedAt = performance.now();
    timings = await Promise.all(
      stack.onboardings.map(async (onboarding, i) => {
        // A fixed pace, not one after the other: decisions overlap as they would in a busy review team.
        await delay(Math.max(0, startedAt + (i * 1000) / opts.rate - performance.now()));
        // The decision is real before Mesh announces it: the run confirms it by reading its case.
        await analystDecides(stack.sandbox, onboarding.caseIdentifier, 'POSITIVE');
        const body = caseWebhookBody({
          externalIdentifier: onboarding.externalIdentifier,
          caseIdentifier: onboarding.caseIdentifier,
          decisionType: 'POSITIVE',
        });
        return decide(stack.client, url, onboarding, {
          body,
          headers: signer.headers(`msg_bench_${runId}_${i}`, body),
        });
      }),
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
  const title = `Webhook to decision (issue 6, benchmark 4)${opts.quick ? ' --quick' : ''}`;
  printGoalTable(title, rows);
  // The same layout as bench/support/results.ts, so one summary can read every benchmark's file.
  const path = writeResult(RESULT_NAME, {
    name: RESULT_NAME,
    title,
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
  process.stdout.write(`results: ${path}\n`);
  process.exitCode = rows.every((r) => r.met !== false) ? 0 : 1;
}

main().then(
  // The Temporal runtime keeps handles open after teardown: leave explicitly.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(
      `bench:decision failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
