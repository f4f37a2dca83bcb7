/**
 * `npm run bench:complycube`: with SCREENING_PROVIDER=complycube, a burst of onboardings started at once
 * stays within ComplyCube's 5 requests in every second, with zero 429s.
 *
 * ComplyCube counts requests per second with no burst allowance. The plan (src/worker/rate-plan.ts,
 * `perSecondRateLimitPlan`) runs the `<queue>-complycube` task queue at 2 activities/s on ONE partition:
 * the worst second is rate + partitions × (ceil(rate / partitions) + 1) = 2 + 1 × 3 = 5, and every activity
 * is one ComplyCube call (a multi-call operation answers `{ next }` and the workflow calls it again).
 *
 * The system as it runs: a Temporal dev server with one partition per task queue
 * (LOCAL_TASK_QUEUE_PARTITIONS) and the custom search attributes, the ComplyCube sandbox with its hard
 * 5/s sliding-window limit (a check completes ~1 s after it is created), the webhook bridge in this
 * process with the ComplyCube route (the sandbox delivers every check event to it, so each check's
 * `complyCubeCheckEvents` inbox reads the check through the same rate-limited queue), and
 * src/worker/main.ts as its own process, configured through its environment only
 * (SCREENING_PROVIDER=complycube, COMPLYCUBE_TASK_QUEUE_PARTITIONS=1; Mesh points at a fast Mesh sandbox
 * that this run never calls). N onboardings start at once, customers with an e-mail address, first and
 * last name; one in ten has the last name "Attention", which the sandbox screens `attention`: those end
 * in AWAITING_REVIEW, the others APPROVED. The runs poll their check only once a day
 * (BENCH_REVIEW_ENV), so leaving SCREENING takes the webhook path.
 *
 * Once every onboarding has left SCREENING (or the deadline passed) and the sandbox has then had no request
 * for 10 s (the check inboxes still read checks whose last events came late), it reads the sandbox's counters
 * (`GET /_sandbox/complycube/stats`): requests, 429s, the busiest sliding 1000 ms window of served
 * requests, clients and checks held. The sandbox refuses a request beyond 5 in any 1000 ms with a 429, so
 * its served peak cannot exceed 5; what the worker asked for is the arrival time of every API request
 * (recorded in this process through the sandbox's `context`, before the key and the limit are checked),
 * whose busiest sliding 1000 ms window is the headline figure. Beside it, from the runs' histories, when
 * the server started each ComplyCube activity: the dispatch the plan bounds, so the busiest second is
 * seen from both sides, and the gap between them is the worker's own delay.
 *
 * Flags: --quick (20 onboardings)  --onboardings N (100)  --deadline 15m (how long to wait for them to
 * settle; default 120 s + 3 s per onboarding)  --json FILE (default bench/results/complycube-rate-limit.json)
 *   --restart-at 60s   stop the worker this long after the burst (SIGTERM, it drains) and start a new one
 *                      5 s later: the backlog meets a full token bucket, the plan's worst second (a deploy)
 * Prints each figure beside its goal (MISSED when it is not met) and writes the BenchResult JSON that
 * `npm run bench` reads. Exit code 1 only when the run could not complete (a process died, a setup step
 * failed); a missed goal is printed, not an exit code. TEMPORAL_ADDRESS, when set, points at a running
 * server instead (its task queues keep their own partitions; the runs are terminated at the end; the
 * worker points that server's `complycube-webhook-health` schedule at this run's queue, as any worker does).
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { COMPLYCUBE_WEBHOOK_ROUTE } from '../src/bridge/complycube-route';
import type { MeshCustomer } from '../src/contracts/customer';
import { statusQuery, type OnboardingInput, type OnboardingState } from '../src/contracts/onboarding';
import { COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE, providerTaskQueue } from '../src/contracts/screening-provider';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import { parseDuration } from '../src/platform/config/env';
import {
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_API_KEY,
  startComplyCubeSandbox,
  type ComplyCubeStatsSnapshot,
} from '../src/sandbox/complycube';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../src/sandbox/mesh';
import { perSecondRateLimitPlan } from '../src/worker/rate-plan';
import type { onboardCustomer } from '../src/workflows';
import { startInProcessBridge } from '../testkit/bridge';
import type { WorkerProcess } from '../testkit/worker';
import { ComplyCubeSandboxControl } from '../testkit/complycube-sandbox-control';
import { describeMachine, machineInfo } from '../testkit/machine';
import {
  commandLine,
  formatTable,
  log,
  logPath,
  resultPath,
  writeResult,
  type GoalRow,
} from '../testkit/results';
import { distribution } from '../testkit/stats';
import { LOCAL_TASK_QUEUE_PARTITIONS, taskQueuePartitionArgs } from '../testkit/temporal-cli';
import { abortable, delay, inPool, TASK_QUEUE_TYPE, waitForPollers } from '../testkit/wait';
import {
  benchRunId,
  benchTemporal,
  positiveInt,
  runBenchmark,
  startBenchWorker,
  startFastSandbox,
  teardown,
} from './stack';
import { histogram, maxInSlidingWindow } from './window-stats';

const RESULT_NAME = 'complycube-rate-limit';
/** ComplyCube's sandbox account limit (docs/providers/complycube.md): requests per second, no burst. */
const LIMIT_PER_SECOND = 5;
/** How long a sandbox check stays pending before it completes and its webhook goes out. */
const CHECK_DELAY_MS = 1_000;
/** One onboarding in ATTENTION_EVERY has the last name the sandbox screens `attention`. */
const ATTENTION_EVERY = 10;
const SECOND_MS = 1_000;
/** Traffic after the last run settled (late check events) ends when the sandbox sees no request this long. */
const QUIET_MS = 10_000;
const MAX_QUIET_WAIT_MS = 120_000;
/** --restart-at: how long no worker polls, so the queue's token bucket is full when the next one does. */
const RESTART_PAUSE_MS = 5_000;

interface Options {
  quick: boolean;
  onboardings: number;
  deadlineMs: number;
  /** Stop the worker this long after the burst and start a new one RESTART_PAUSE_MS later (a deploy). */
  restartAtMs: number | undefined;
  json: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      onboardings: { type: 'string' },
      deadline: { type: 'string' },
      'restart-at': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const onboardings = positiveInt('onboardings', values.onboardings, quick ? 20 : 100);
  const duration = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseDuration(text);
    if (parsed === undefined || parsed <= 0)
      throw new Error(`--${flag}: expected a duration like 30s or 10m, got "${text}"`);
    return parsed;
  };
  return {
    quick,
    onboardings,
    deadlineMs: duration('deadline', values.deadline) ?? 120_000 + 3_000 * onboardings,
    restartAtMs: duration('restart-at', values['restart-at']),
    json: values.json ?? resultPath(RESULT_NAME),
  };
}

type Kind = 'clean' | 'attention';

const kindOf = (i: number): Kind => (i % ATTENTION_EVERY === ATTENTION_EVERY - 1 ? 'attention' : 'clean');
const expectedState: Record<Kind, OnboardingState> = { clean: 'APPROVED', attention: 'AWAITING_REVIEW' };

/** What ComplyCube needs of a person (src/providers/complycube/applicant.ts): e-mail, first and last name. */
function customer(i: number, runId: string): MeshCustomer {
  return {
    external_identifier: `${runId}-${i}`,
    email_address: `applicant-${i}@example.com`,
    person: { first_name: 'Bench', last_name: kindOf(i) === 'attention' ? 'Attention' : `Clear${i}` },
    date_of_birth: { day: 1, month: 1, year: 1990 },
  };
}

const fmt = (n: number, digits = 1): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));
const seconds = (ms: number): string => `${fmt(ms / 1000)} s`;

/** One ComplyCube activity attempt, as the server recorded its start. */
interface ActivityStart {
  at: number;
  name: string;
  attempt: number;
  workflowType: string;
}

/**
 * Every ComplyCube activity the server started for the workflows of `taskQueue` (onboardings, check
 * inboxes, the webhook-health check), from their histories. A started event is stamped with the
 * attempt's start time even when written at its end; only each activity's last attempt is recorded.
 */
async function complyCubeActivityStarts(
  client: Client,
  taskQueue: string,
  complyCubeQueue: string,
): Promise<{ starts: ActivityStart[]; workflowsByType: Record<string, number> }> {
  const runs: { workflowId: string; runId: string; type: string }[] = [];
  for await (const run of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    runs.push({ workflowId: run.workflowId, runId: run.runId, type: run.type });
  }
  const starts: ActivityStart[] = [];
  const workflowsByType: Record<string, number> = {};
  await inPool(runs, 10, async (run) => {
    workflowsByType[run.type] = (workflowsByType[run.type] ?? 0) + 1;
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const scheduled = new Map<string, string>();
    for (const event of history.events ?? []) {
      const s = event.activityTaskScheduledEventAttributes;
      if (s && s.taskQueue?.name === complyCubeQueue) {
        scheduled.set(String(event.eventId), s.activityType?.name ?? 'unknown');
      }
      const started = event.activityTaskStartedEventAttributes;
      const name = started ? scheduled.get(String(started.scheduledEventId)) : undefined;
      if (started && name !== undefined) {
        starts.push({
          at: tsToMs(event.eventTime),
          name,
          attempt: started.attempt ?? 1,
          workflowType: run.type,
        });
      }
    }
  });
  starts.sort((a, b) => a.at - b.at);
  return { starts, workflowsByType };
}

/** The ends of the sliding 1000 ms windows that hold `count` timestamps (the busiest ones, given the max). */
function windowsReaching(sortedMs: readonly number[], count: number): number[] {
  const ends: number[] = [];
  let start = 0;
  for (let end = 0; end < sortedMs.length; end += 1) {
    while (sortedMs[start]! <= sortedMs[end]! - SECOND_MS) start += 1;
    if (end - start + 1 >= count) ends.push(sortedMs[end]!);
  }
  return ends;
}

/** When a run first left SCREENING (workflow time), and where it is now, from its `status` query. */
interface Settled {
  kind: Kind;
  state: OnboardingState | 'unknown';
  startedAt: number | undefined;
  settledAt: number | undefined;
  reason: string | undefined;
}

async function main(): Promise<void> {
  const opts = options();
  const runId = benchRunId('bench-complycube');
  const taskQueue = runId;
  const complyCubeQueue = providerTaskQueue(taskQueue, 'complycube');
  const plan = perSecondRateLimitPlan(LIMIT_PER_SECOND, { partitions: 1 });
  // Before the dev server starts, so the load average is the machine's, not this run's.
  const machine = await machineInfo(process.env['TEMPORAL_ADDRESS'] === undefined ? undefined : null);
  log(
    `${opts.onboardings} onboardings at once; plan: ${plan.activitiesPerSecond} activities/s on ` +
      `${complyCubeQueue}, ${plan.partitions} partition, worst second ${plan.worstCaseActivitiesPerSecond} ` +
      `(limit ${LIMIT_PER_SECOND}/s)`,
  );

  const { add, close } = teardown();
  const workflowIds: string[] = [];
  try {
    const temporal = await benchTemporal(taskQueuePartitionArgs(LOCAL_TASK_QUEUE_PARTITIONS));
    add(() => temporal.close());
    const { client } = temporal;
    if (!temporal.owned) {
      add(() =>
        inPool(workflowIds, 20, async (id) => {
          await client.workflow
            .getHandle(id)
            .terminate('complycube benchmark finished')
            .catch(() => undefined);
        }),
      );
    }

    // The bridge first: the sandbox registers its URL for every event at start.
    const bridge = await startInProcessBridge({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      secrets: [SANDBOX_DEV_WEBHOOK_SECRET],
      complyCubeSecrets: [COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET],
      signalTimeoutMs: 5_000,
      dedupe: { maxEntries: 10_000, ttlMs: 600_000 },
    });
    add(() => bridge.close());
    const complyCubeWebhookUrl = new URL(COMPLYCUBE_WEBHOOK_ROUTE, bridge.url).href;
    const complyCube = await startComplyCubeSandbox({
      rateLimitPerSecond: LIMIT_PER_SECOND,
      checkDelayMs: CHECK_DELAY_MS,
      webhookUrls: [complyCubeWebhookUrl],
      logLevel: 'silent',
    });
    add(() => complyCube.close());
    const control = new ComplyCubeSandboxControl(complyCube.url);
    // When each API request arrived, before the API key and the limit (so refused ones too): what the
    // worker asked for, which the sandbox's own peak (served requests, capped by its limit) cannot show.
    const arrivals: number[] = [];
    const sandboxStats = complyCube.context.stats;
    const countArrival = sandboxStats.arrived.bind(sandboxStats);
    sandboxStats.arrived = () => {
      arrivals.push(Date.now());
      countArrival();
    };
    // The worker needs a Mesh configuration even when ComplyCube screens; this run never calls it.
    const mesh = await startFastSandbox();
    add(() => mesh.close());

    const workerLog = logPath(`${RESULT_NAME}-worker`);
    // Aborted when a worker process (the first, or the one after a restart) exits without being asked.
    const workerDied = new AbortController();
    const signal = AbortSignal.any([temporal.unexpectedExit, workerDied.signal]);
    let worker: WorkerProcess | undefined;
    add(async () => worker?.stop());
    const startWorker = async (): Promise<WorkerProcess> => {
      const started = await startBenchWorker(temporal, mesh, {
        taskQueue,
        logFile: workerLog,
        logMode: worker === undefined ? 'w' : 'a',
        env: {
          SCREENING_PROVIDER: 'complycube',
          COMPLYCUBE_BASE_URL: complyCube.url,
          COMPLYCUBE_API_KEY: DEFAULT_COMPLYCUBE_API_KEY,
          COMPLYCUBE_RATE_LIMIT_PER_SECOND: String(LIMIT_PER_SECOND),
          COMPLYCUBE_TASK_QUEUE_PARTITIONS: String(plan.partitions),
          COMPLYCUBE_WEBHOOK_URL: complyCubeWebhookUrl,
        },
      });
      worker = started;
      started.proc.unexpectedExit.addEventListener('abort', () =>
        workerDied.abort(started.proc.unexpectedExit.reason),
      );
      await started.whenPolling(client);
      await waitForPollers(
        { connection: client, namespace: client.options.namespace },
        [{ name: complyCubeQueue, type: 'activity' }],
        { timeoutMs: 30_000, identityPrefix: `${started.pid}@`, signal },
      );
      log(`worker ${started.pid} polls ${taskQueue} and ${complyCubeQueue} (log ${workerLog})`);
      return started;
    };
    await startWorker();
    // Only this run's traffic counts (the worker's start-up made no ComplyCube call, but be sure).
    await control.resetStats();
    arrivals.length = 0;

    // ---- The burst ---------------------------------------------------------------------------------
    const ids = Array.from({ length: opts.onboardings }, (_, i) => i);
    const burstAt = Date.now();
    await abortable(
      Promise.all(
        ids.map(async (i) => {
          const input: OnboardingInput = { customer: customer(i, runId) };
          const workflowId = onboardingWorkflowId(input.customer.external_identifier);
          await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
            workflowId,
            taskQueue,
            args: [input],
          });
          workflowIds.push(workflowId);
        }),
      ),
      signal,
    );
    const startsDoneAt = Date.now();
    log(`${opts.onboardings} onboardings started in ${seconds(startsDoneAt - burstAt)}`);

    // A deploy in the middle of the backlog: the queue's bucket fills while no worker polls, and the
    // new worker meets it full, with tasks waiting: the plan's worst second.
    let restartedAt: number | undefined;
    const restart =
      opts.restartAtMs === undefined
        ? Promise.resolve()
        : (async () => {
            await abortable(delay(Math.max(0, burstAt + opts.restartAtMs! - Date.now())), signal);
            const old = worker!;
            log(`restart: stopping worker ${old.pid} (SIGTERM, it drains)`);
            await old.stop();
            await abortable(delay(RESTART_PAUSE_MS), signal);
            const next = await startWorker();
            restartedAt = Date.now();
            log(`restart: worker ${next.pid} polls after a ${seconds(RESTART_PAUSE_MS)} pause`);
          })();
    restart.catch(() => undefined);

    const runsQuery = `WorkflowType = "onboardCustomer" AND TaskQueue = "${taskQueue}"`;
    const left = `KycOnboardingState IN ("AWAITING_REVIEW", "APPROVED", "REJECTED", "EXPIRED", "WITHDRAWN", "FAILED")`;
    const countSettled = async (): Promise<number> =>
      (await client.workflow.count(`${runsQuery} AND (${left} OR ExecutionStatus != "Running")`)).count;
    let settled = 0;
    let lastProgressAt = Date.now();
    const deadline = burstAt + opts.deadlineMs;
    while (Date.now() < deadline) {
      await abortable(delay(1_000), signal);
      settled = await countSettled();
      if (settled >= opts.onboardings) break;
      if (Date.now() - lastProgressAt >= 15_000) {
        lastProgressAt = Date.now();
        const stats = await control.stats();
        log(
          `${seconds(Date.now() - burstAt)}: ${settled}/${opts.onboardings} settled, ${stats.requests} requests, ` +
            `${stats.rateLimited} × 429, ${stats.checks} checks`,
        );
      }
    }
    await restart;
    const waitedMs = Date.now() - burstAt;
    if (settled < opts.onboardings) {
      log(`deadline: ${settled}/${opts.onboardings} settled after ${seconds(waitedMs)}`);
    }
    // The check inboxes still read checks whose last events came after their run settled: the counters
    // and histories are read once the sandbox has had no request for QUIET_MS.
    let stats: ComplyCubeStatsSnapshot = await control.stats();
    const quietDeadline = Date.now() + MAX_QUIET_WAIT_MS;
    for (let quietFor = 0; quietFor < QUIET_MS && Date.now() < quietDeadline;) {
      await abortable(delay(1_000), signal);
      const now = await control.stats();
      quietFor = now.requests === stats.requests ? quietFor + 1_000 : 0;
      stats = now;
    }

    // ---- Each run's own account, and the server's dispatch ---------------------------------------------
    const runs: Settled[] = ids.map((i) => ({
      kind: kindOf(i),
      state: 'unknown',
      startedAt: undefined,
      settledAt: undefined,
      reason: undefined,
    }));
    await inPool(ids, 10, async (i) => {
      const run = runs[i]!;
      try {
        const status = await client.workflow
          .getHandle(onboardingWorkflowId(customer(i, runId).external_identifier))
          .query(statusQuery);
        run.state = status.state;
        run.reason = status.reason;
        const first = status.history[0];
        const out = status.history.find((t) => t.state !== 'SCREENING');
        run.startedAt = first === undefined ? undefined : Date.parse(first.at);
        run.settledAt = out === undefined ? undefined : Date.parse(out.at);
      } catch (err) {
        run.reason = `status query failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    });
    const { starts, workflowsByType } = await complyCubeActivityStarts(client, taskQueue, complyCubeQueue);
    const partitions = await client.workflowService.listTaskQueuePartitions({
      namespace: client.options.namespace,
      taskQueue: { name: complyCubeQueue },
    });
    const serverPartitions = partitions.activityTaskQueuePartitions.length;
    const described = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: complyCubeQueue },
      taskQueueType: TASK_QUEUE_TYPE.activity,
      reportConfig: true,
    });
    const effectiveRate = described.effectiveRateLimit?.requestsPerSecond;

    // ---- Figures -------------------------------------------------------------------------------------
    const n = opts.onboardings;
    const attention = runs.filter((r) => r.kind === 'attention').length;
    const asExpected = runs.filter((r) => r.state === expectedState[r.kind]).length;
    const stillScreening = runs.filter((r) => r.settledAt === undefined);
    const byState = new Map<string, number>();
    for (const r of runs) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
    const settleMs = runs
      .filter((r) => r.settledAt !== undefined)
      .map((r) => r.settledAt! - (r.startedAt ?? burstAt));
    const lastSettledAt = Math.max(...runs.map((r) => r.settledAt ?? Number.NEGATIVE_INFINITY));
    const timeToSettleMs = Number.isFinite(lastSettledAt) ? lastSettledAt - burstAt : undefined;
    const startTimes = starts.map((s) => s.at);
    const busiestDispatch = maxInSlidingWindow(startTimes, SECOND_MS);
    const firstStart = startTimes[0] ?? burstAt;
    const lastStart = startTimes[startTimes.length - 1] ?? firstStart;
    const dispatchRate =
      lastStart > firstStart ? (startTimes.length - 1) / ((lastStart - firstStart) / 1000) : 0;
    const byName = new Map<string, number>();
    for (const s of starts) byName.set(s.name, (byName.get(s.name) ?? 0) + 1);
    const retried = starts.filter((s) => s.attempt > 1).length;
    const fromInboxes = starts.filter((s) => s.workflowType === COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE).length;
    const perSecondFirst10 = histogram(startTimes, firstStart, SECOND_MS, 10);
    const sent = [...arrivals].sort((a, b) => a - b);
    const busiestSent = maxInSlidingWindow(sent, SECOND_MS);
    const firstSent = sent[0] ?? burstAt;
    const sentFirst10 = histogram(sent, firstSent, SECOND_MS, 10);
    const busiestAt = windowsReaching(sent, busiestSent).map((t) => fmt((t - burstAt) / 1000));
    // Dispatch → arrival, pairing the two timelines in order (both one per activity when no call failed).
    const lags =
      sent.length === startTimes.length && sent.length > 0
        ? distribution(sent.map((t, i) => t - startTimes[i]!))
        : undefined;
    const afterRestart =
      restartedAt === undefined
        ? undefined
        : {
            sent: histogram(sent, restartedAt - 2 * SECOND_MS, SECOND_MS, 10),
            started: histogram(startTimes, restartedAt - 2 * SECOND_MS, SECOND_MS, 10),
          };
    const settleDist = settleMs.length > 0 ? distribution(settleMs) : undefined;

    const goals: GoalRow[] = [
      {
        figure: 'busiest 1-second window (requests sent to ComplyCube)',
        value: `${busiestSent} requests`,
        goal: `≤ ${LIMIT_PER_SECOND}`,
        met: busiestSent <= LIMIT_PER_SECOND,
      },
      { figure: '429 answers', value: String(stats.rateLimited), goal: '0', met: stats.rateLimited === 0 },
      {
        figure: 'busiest 1-second window (ComplyCube activities the server started)',
        value: `${busiestDispatch} activities`,
        goal: `≤ ${plan.worstCaseActivitiesPerSecond} (plan)`,
        met: busiestDispatch <= plan.worstCaseActivitiesPerSecond,
      },
      {
        figure: 'onboardings settled (left SCREENING)',
        value: `${n - stillScreening.length}/${n}`,
        goal: `${n}/${n}`,
        met: stillScreening.length === 0,
      },
      {
        figure: `in the expected state (APPROVED; AWAITING_REVIEW for the ${attention} "Attention")`,
        value: `${asExpected}/${n}`,
        goal: `${n}/${n}`,
        met: asExpected === n,
      },
      {
        figure: 'clients / checks created',
        value: `${stats.clients}/${n} / ${stats.checks}/${n}`,
        goal: 'one each',
        met: stats.clients === n && stats.checks === n,
      },
      {
        figure: 'time to settle (burst → last run out of SCREENING)',
        value: timeToSettleMs === undefined ? '–' : seconds(timeToSettleMs),
        goal: '–',
        met: undefined,
      },
      {
        figure: 'requests per onboarding',
        value: `${fmt(stats.requests / n, 2)} (${stats.requests} requests)`,
        goal: '–',
        met: undefined,
      },
    ];

    const rows: [string, string][] = [
      [
        'plan',
        `${plan.activitiesPerSecond} activities/s, ${plan.partitions} partition, worst second ${plan.worstCaseActivitiesPerSecond} (limit ${LIMIT_PER_SECOND})`,
      ],
      [
        'server: ComplyCube queue',
        `${serverPartitions} activity partition(s), effective rate ${typeof effectiveRate === 'number' ? fmt(effectiveRate, 2) : 'n/a'}/s`,
      ],
      ['onboardings', `${n} (${attention} "Attention"), started in ${seconds(startsDoneAt - burstAt)}`],
      ['states', [...byState].map(([state, count]) => `${state} ${count}`).join(', ')],
      [
        'settle time per run (p50 / p95 / max)',
        settleDist === undefined
          ? '–'
          : `${seconds(settleDist.p50)} / ${seconds(settleDist.p95)} / ${seconds(settleDist.max)}`,
      ],
      [
        'ComplyCube activities started',
        `${starts.length} (${[...byName].map(([name, count]) => `${name} ${count}`).join(', ')}); ` +
          `${fromInboxes} by the check inboxes; ${retried} retried`,
      ],
      [
        'dispatch rate, first → last activity',
        `${fmt(dispatchRate, 3)} /s (plan ${plan.activitiesPerSecond})`,
      ],
      ['activities started per second, first 10 s', perSecondFirst10.join(' ')],
      ['requests per second, first 10 s', sentFirst10.join(' ')],
      [
        `busiest windows (${busiestSent} requests) end at`,
        `${busiestAt.slice(0, 12).join(' ')}${busiestAt.length > 12 ? ` … (${busiestAt.length})` : ''} s after the burst`,
      ],
      [
        'activity start → request arrival (p50 / p99 / max)',
        lags === undefined
          ? `– (${sent.length} requests, ${startTimes.length} activities)`
          : `${fmt(lags.p50, 0)} / ${fmt(lags.p99, 0)} / ${fmt(lags.max, 0)} ms`,
      ],
      [
        'sandbox',
        `${stats.requests} requests, ${stats.rateLimited} × 429, busiest second served ${stats.maxRequestsInAnySecond}, ` +
          `${stats.clients} clients, ${stats.checks} checks`,
      ],
      [
        'webhooks (attempted / delivered / failed)',
        `${stats.webhookDeliveries.attempted} / ${stats.webhookDeliveries.delivered} / ${stats.webhookDeliveries.failed}`,
      ],
      [
        'workflows on the queue',
        Object.entries(workflowsByType)
          .map(([type, count]) => `${type} ${count}`)
          .join(', '),
      ],
    ];
    if (afterRestart !== undefined) {
      rows.push(
        ['restart: activities started per second (from 2 s before)', afterRestart.started.join(' ')],
        ['restart: requests per second (from 2 s before)', afterRestart.sent.join(' ')],
      );
    }
    if (stillScreening.length > 0) {
      rows.push(['still in SCREENING', `${stillScreening.length} (waited ${seconds(waitedMs)})`]);
    }

    const width = Math.max(...rows.map(([k]) => k.length));
    const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
    process.stdout.write(
      `\nComplyCube: ${n} onboardings within ${LIMIT_PER_SECOND} requests per second (${new Date().toISOString()})\n` +
        `  machine: ${describeMachine(machine)}\n  command: ${commandLine('bench:complycube')}\n\n` +
        rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') +
        `\n\n${formatTable(
          ['figure', 'measured', 'goal', ''],
          goals.map((g) => [g.figure, g.value, g.goal, mark(g.met)]),
        )}\n`,
    );
    const written = writeResult(
      {
        name: RESULT_NAME,
        title: `ComplyCube: ${n} onboardings within ${LIMIT_PER_SECOND} requests per second`,
        command: commandLine('bench:complycube'),
        finishedAt: new Date().toISOString(),
        machine,
        goals,
        details: {
          onboardings: n,
          attention,
          plan,
          serverPartitions,
          serverEffectiveRateLimit: effectiveRate,
          sandbox: stats,
          states: Object.fromEntries(byState),
          asExpected,
          stillScreening: stillScreening.length,
          timeToSettleMs,
          settleMs: settleDist,
          activities: starts.length,
          activitiesByName: Object.fromEntries(byName),
          activitiesFromCheckInboxes: fromInboxes,
          retriedActivities: retried,
          busiestDispatchSecond: busiestDispatch,
          busiestRequestSecond: busiestSent,
          busiestRequestWindowsEndAtSeconds: busiestAt,
          requestsPerSecondFirst10: sentFirst10,
          startToArrivalMs: lags,
          // The opening, ms after the burst: where the plan's burst is, for a closer look.
          openingActivityStartsMs: startTimes.slice(0, 30).map((t) => t - burstAt),
          openingRequestArrivalsMs: sent.slice(0, 30).map((t) => t - burstAt),
          restartAtMs: opts.restartAtMs,
          restartedAfterMs: restartedAt === undefined ? undefined : restartedAt - burstAt,
          afterRestart,
          dispatchRatePerSecond: dispatchRate,
          activitiesPerSecondFirst10: perSecondFirst10,
          workflowsByType,
          workerLog,
        },
      },
      opts.json,
    );
    process.stdout.write(`\n  written to ${written}\n`);
  } finally {
    await close();
  }
}

runBenchmark('bench:complycube', main);
