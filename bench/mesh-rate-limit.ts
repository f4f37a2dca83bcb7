/**
 * `npm run bench:rate-limit`: proves on a real Temporal dev server that the Mesh queue's server-side rate
 * limit keeps the whole account under MESH_RATE_LIMIT_PER_MINUTE, burst included (issue 3).
 *
 * Several Mesh activity workers (separate Mesh clients, tokens and connections, as separate processes
 * would have) poll one `<queue>-mesh` queue with the production options (src/worker/main.ts). A burst of
 * onboardings (real `onboardCustomer` runs, started with the customer alone as the onboarding service
 * starts them: the workflow worker supplies the screening configuration and the review policy) meets
 * them with every partition's token bucket full: by default queued while no Mesh worker runs
 * (`--mode backlog`, the worst case), or started while idle workers poll (`--mode live`). The local
 * sandbox enforces the account limit as a sliding 60 s window and every HTTP request it receives is
 * timestamped, so the run reports: the busiest 60 s window, the 429s (must be 0), the
 * first burst, the steady rate, and the server's partition count the plan assumes.
 *
 * Issue 6's provider-budget benchmark is the completion mode (`--drain-goal` or `--useful-goal`): every
 * onboarding is a straight-through `Test CleanUser` (one create-and-screen call), the run ends when all
 * have completed, and it reports the drain time (first request → last onboarding closed) and the useful
 * calls' share of the budget over it (2xx answers the client received, token fetches excluded, over
 * limit × drain minutes). `--server-error-rate` and `--timeout-rate` inject the issue's faults.
 *
 * Flags (all optional):
 *   --limit N              MESH_RATE_LIMIT_PER_MINUTE for plan and sandbox (default: the env var, else 300)
 *   --duration 3m          how long to run after the burst (default: BENCH_DURATION, else 3m); in completion
 *                          mode the most to wait for the onboardings to complete (default 15m)
 *   --onboardings N        size of the burst (default: max(600, 1.2 × rate × duration), so the queue stays busy)
 *   --workers N            Mesh activity workers polling the queue (default 2)
 *   --partitions N         partitions the plan assumes (default TEMPORAL_TASK_QUEUE_PARTITIONS, else 4)
 *   --server-partitions N  start the dev server with N task queue partitions (default: the server's own)
 *   --reserve N            requests per minute the plan keeps free (default DEFAULT_RESERVED_PER_MINUTE)
 *   --review-poll 30s      the workflow worker's REVIEW_POLL_INTERVAL: how often the burst's runs that wait
 *                          for review check their case, so polls join the traffic
 *   --mode backlog|live    backlog (default): queue the burst, then start the Mesh workers; live: burst at idle workers
 *   --idle 5s              live mode: quiet time before the burst, so every partition's bucket is full
 *   --latency 0            sandbox latency per request in ms, e.g. 1000-3000 for Mesh's sync screening
 *   --drain-goal 211s      completion mode; goal: every onboarding completed within this time of the first request
 *   --useful-goal 0.95     completion mode; goal: useful calls' share of limit × drain minutes
 *   --until-complete       completion mode without goals
 *   --server-error-rate F  sandbox answers 503 to this share (0-1) of the onboarding's Mesh calls (not tokens)
 *   --timeout-rate F       sandbox delays this share (0-1) of those calls by 12 s, past the client's 10 s timeout
 *   --json FILE            also write the results as JSON (machine, goal rows, details; bench/run-all.ts reads it)
 * TEMPORAL_ADDRESS, when set, points at a running server instead of starting one (its runs are terminated
 * at the end). Exit code 1 when a 60 s window went over the limit, any 429 came back or a goal was missed.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { envField, loadOrExit, parseDuration, parseEnv } from '../src/platform/config/env';
import { Secret, type MeshConfig } from '../src/providers/mesh/config';
import { loadOnboardingDefaults } from '../src/worker/onboarding-defaults';
import { parseLatencyRange } from '../src/sandbox/config';
import { loadWorkerConfig } from '../src/worker/config';
import { createMeshClient } from '../src/providers/mesh/client';
import { createTokenProvider, prefetchToken, type TokenProvider } from '../src/providers/mesh/token-provider';
import { buildSandboxServer, type FaultInput } from '../src/sandbox/mesh';
import type { MeshCustomer } from '../src/contracts/customer';
import { meshRateLimitPlan, worstCaseActivitiesPerMinute } from '../src/worker/rate-plan';
import { meshTaskQueue } from '../src/contracts/onboarding';
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import { meshWorkerOptions, workflowWorkerOptions } from '../src/worker/options';
import type { onboardCustomer } from '../src/workflows';
import { bundleOnce } from '../testkit/bundle';
import { describeMachine, machineInfo } from '../testkit/machine';
import { goalTable, log, writeJson, type BenchResult, type GoalRow } from '../testkit/results';
import { taskQueuePartitionArgs } from '../testkit/temporal-cli';
import { abortable, delay, inPool, pollerIdentities, TASK_QUEUE_TYPE, waitFor } from '../testkit/wait';
import { benchTemporal, runBenchmark } from './stack';
import { histogram, impliedBurst, maxInSlidingWindow } from './window-stats';

const WINDOW_MS = 60_000;
const TOKEN_PATHS = new Set(['/v2/token', '/v3/token']);
/** The client's MESH_REQUEST_TIMEOUT in this bench; an injected timeout must outlast it. */
const REQUEST_TIMEOUT_MS = 10_000;
const INJECTED_TIMEOUT_MS = 12_000;
/** Every Mesh API route, token routes excepted: the calls the onboardings make. */
const ONBOARDING_ROUTES = '^/v2/(?!token)';

const envSchema = z.object({
  MESH_RATE_LIMIT_PER_MINUTE: envField.positiveInt(300, 'requests per minute'),
  BENCH_DURATION: envField.duration('3m'),
});

interface BenchOptions {
  limit: number;
  durationMs: number;
  onboardings: number | undefined;
  workers: number;
  partitions: number;
  serverPartitions: number | undefined;
  reserve: number | undefined;
  reviewPollMs: number;
  idleMs: number;
  mode: 'backlog' | 'live';
  latency: string;
  /** Run until every onboarding has completed (issue 6's provider-budget benchmark). */
  untilComplete: boolean;
  drainGoalMs: number | undefined;
  usefulGoal: number | undefined;
  serverErrorRate: number;
  timeoutRate: number;
  json: string | undefined;
}

function options(): BenchOptions {
  const env = loadOrExit(() => parseEnv(envSchema));
  const worker = loadOrExit(() => loadWorkerConfig());
  const { values } = parseArgs({
    options: {
      limit: { type: 'string' },
      duration: { type: 'string' },
      onboardings: { type: 'string' },
      workers: { type: 'string' },
      partitions: { type: 'string' },
      'server-partitions': { type: 'string' },
      reserve: { type: 'string' },
      'review-poll': { type: 'string' },
      idle: { type: 'string' },
      mode: { type: 'string' },
      latency: { type: 'string' },
      'drain-goal': { type: 'string' },
      'useful-goal': { type: 'string' },
      'until-complete': { type: 'boolean' },
      'server-error-rate': { type: 'string' },
      'timeout-rate': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const share = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !(n >= 0 && n <= 1))
      throw new Error(`--${flag}: expected a share from 0 to 1, e.g. 0.1, got "${text}"`);
    return n;
  };
  const int = (flag: string, text: string | undefined, min = 1): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min)
      throw new Error(`--${flag}: expected a whole number ≥ ${min}, got "${text}"`);
    return n;
  };
  const ms = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const parsed = parseDuration(text);
    if (parsed === undefined) throw new Error(`--${flag}: expected a duration like 90s or 3m, got "${text}"`);
    return parsed;
  };
  const mode = (text: string | undefined): 'backlog' | 'live' => {
    if (text === undefined || text === 'backlog' || text === 'live') return text ?? 'backlog';
    throw new Error(`--mode: expected backlog or live, got "${text}"`);
  };
  const latency = values.latency ?? '0';
  if (parseLatencyRange(latency) === undefined) {
    throw new Error(`--latency: expected milliseconds like 0, 1500 or 1000-3000, got "${latency}"`);
  }
  const drainGoalMs =
    values['drain-goal'] === undefined ? undefined : ms('drain-goal', values['drain-goal'], 0);
  const usefulGoal = share('useful-goal', values['useful-goal']);
  const untilComplete =
    values['until-complete'] === true || drainGoalMs !== undefined || usefulGoal !== undefined;
  return {
    limit: int('limit', values.limit) ?? env.MESH_RATE_LIMIT_PER_MINUTE,
    durationMs: ms('duration', values.duration, untilComplete ? 900_000 : env.BENCH_DURATION),
    onboardings: int('onboardings', values.onboardings),
    workers: int('workers', values.workers) ?? 2,
    partitions: int('partitions', values.partitions) ?? worker.taskQueuePartitions,
    serverPartitions: int('server-partitions', values['server-partitions']),
    reserve: int('reserve', values.reserve, 0),
    reviewPollMs: ms('review-poll', values['review-poll'], 30_000),
    idleMs: ms('idle', values.idle, 5_000),
    mode: mode(values.mode),
    latency,
    untilComplete,
    drainGoalMs,
    usefulGoal,
    serverErrorRate: share('server-error-rate', values['server-error-rate']) ?? 0,
    timeoutRate: share('timeout-rate', values['timeout-rate']) ?? 0,
    json: values.json,
  };
}

/** One HTTP request as the sandbox received it. */
interface RequestRecord {
  at: number;
  path: string;
  status: number;
  /** The whole answer reached the client (false when it gave up first: an injected timeout). */
  delivered: boolean;
}

/**
 * The applicant for onboarding `i`. Completion mode: all straight-through (`Test CleanUser`, one
 * create-and-screen each), since a run waiting for review would never complete. Otherwise a mix with
 * the three kinds of follow-up traffic (src/sandbox/mesh/screening-rules.ts).
 */
function applicant(i: number, runId: string, straightThrough: boolean): MeshCustomer {
  // 7 in 10 approve straight through, 2 wait for review and poll their case, 1 is rejected (monitoring off).
  const [first_name, last_name] = straightThrough
    ? ['Test', 'CleanUser']
    : i % 10 === 0
      ? ['Pablo', 'Prohibited']
      : i % 10 <= 2
        ? ['Victor', 'Bout']
        : ['Test', 'CleanUser'];
  return {
    external_identifier: `bench-${runId}-${i}`,
    person: { first_name, last_name },
    date_of_birth: { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    address: { address_line_1: '1 Bench Street', postal_code: '10001', country: 'US' },
  };
}

const fmt = (n: number, digits = 2): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

async function main(): Promise<void> {
  const opts = options();
  const workerConfig = loadOrExit(() => loadWorkerConfig());
  const plan = meshRateLimitPlan(opts.limit, {
    partitions: opts.partitions,
    ...(opts.reserve !== undefined && { reservedPerMinute: opts.reserve }),
  });
  const durationS = opts.durationMs / 1000;
  const onboardings =
    opts.onboardings ?? Math.max(600, Math.ceil(1.2 * plan.activitiesPerSecond * durationS));
  const runId = randomUUID().slice(0, 8);
  // The workflow worker's configuration, read as src/worker/main.ts reads its environment (nonsense stops the
  // bench here, as it stops a worker): the runs start with the customer alone and take these terms.
  const defaults = loadOrExit(() =>
    loadOnboardingDefaults('sandbox-default', {
      REVIEW_POLL_INTERVAL: `${opts.reviewPollMs}ms`,
      REVIEW_POLL_JITTER: '0.1',
      REVIEW_REMINDER: '1d',
      REVIEW_DEADLINE: '1d',
    }),
  );
  // Before the dev server starts, so the load average is the machine's, not this run's.
  // TEMPORAL_ADDRESS (checked when the server is chosen below): a running server, else the CLI's own.
  const machine = await machineInfo(process.env['TEMPORAL_ADDRESS'] === undefined ? undefined : null);
  const taskQueue = `bench-rate-limit-${runId}`;
  log(
    `limit ${opts.limit}/min → ${plan.activitiesPerSecond} activities/s on ${meshTaskQueue(taskQueue)} ` +
      `(plan: ${plan.partitions} partitions × burst ${plan.burstPerPartition}, worst 60 s window ${plan.worstCaseActivitiesPerMinute})`,
  );

  // The sandbox, with the account limit the plan is for and a timestamp per request.
  const { app: sandboxApp, ctx: sandboxCtx } = buildSandboxServer({
    rateLimitPerMinute: opts.limit,
    latencyMs: parseLatencyRange(opts.latency)!,
    logLevel: 'silent',
  });
  const faults: FaultInput[] = [];
  if (opts.serverErrorRate > 0)
    faults.push({
      kind: 'server-error',
      status: 503,
      probability: opts.serverErrorRate,
      match: { path: ONBOARDING_ROUTES },
    });
  if (opts.timeoutRate > 0)
    faults.push({
      kind: 'latency',
      latencyMs: INJECTED_TIMEOUT_MS,
      probability: opts.timeoutRate,
      match: { path: ONBOARDING_ROUTES },
    });
  for (const fault of faults) sandboxCtx.faults.add(fault);
  const requests: RequestRecord[] = [];
  sandboxApp.server.on('request', (req, res) => {
    const at = Date.now();
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.startsWith('/_sandbox')) return;
    // 'close' comes for every request, also when the client gave up before the answer ('finish' does not).
    res.once('close', () =>
      requests.push({ at, path, status: res.statusCode, delivered: res.writableFinished }),
    );
  });
  await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
  const address = sandboxApp.server.address();
  const sandboxUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  const temporal = await benchTemporal(
    opts.serverPartitions === undefined ? [] : taskQueuePartitionArgs(opts.serverPartitions),
  );
  const { client } = temporal;
  // Aborted when the dev server dies or a worker of this process stops with an error.
  const workerFailed = new AbortController();
  const signal = AbortSignal.any([temporal.unexpectedExit, workerFailed.signal]);
  const watchRun = (worker: Worker): Promise<void> =>
    worker.run().catch((err: unknown) => {
      workerFailed.abort(new Error(`a worker of this benchmark stopped: ${String(err)}`));
      throw err;
    });
  const workflowIds: string[] = [];
  const activityStarts: { at: number; name: string }[] = [];
  const connections: NativeConnection[] = [];
  const workers: Worker[] = [];
  const tokenProviders: TokenProvider[] = [];
  let running: Promise<unknown> = Promise.resolve();

  try {
    const workflowBundle = await bundleOnce(require.resolve('../src/workflows'));
    const base = { connection: temporal.nativeConnection, namespace: client.options.namespace, taskQueue };
    // The production options, with the bundle built once above instead of at worker start.
    const { workflowsPath: _bundled, ...workflowOptions } = workflowWorkerOptions(
      base,
      workerConfig,
      defaults,
    );
    const workflowWorker = await Worker.create({ ...workflowOptions, workflowBundle });
    const meshConfig: MeshConfig = {
      baseUrl: sandboxUrl,
      screeningConfigurationId: defaults.screeningConfigurationIdentifier,
      credentials: { kind: 'access-key', accessKey: 'bench', secret: new Secret('sandbox') },
      rateLimitPerMinute: opts.limit,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    };
    const meshWorkers = await Promise.all(
      Array.from({ length: opts.workers }, async (_, i) => {
        // Each worker its own client and token, like separate worker processes.
        const tokenProvider = createTokenProvider({ config: meshConfig });
        tokenProviders.push(tokenProvider);
        const mesh = createMeshClient({ config: meshConfig, tokenProvider });
        const options = meshWorkerOptions(base, workerConfig, plan, mesh);
        const timed = Object.fromEntries(
          Object.entries(createActivities({ mesh })).map(([name, fn]) => [
            name,
            (input: never) => {
              activityStarts.push({ at: Date.now(), name });
              return (fn as (input: never) => Promise<unknown>)(input);
            },
          ]),
        );
        // Own connection too: the SDK refuses two workers of one client on one queue, and separate
        // processes (what these stand for) would not share one anyway.
        const connection = await NativeConnection.connect({ address: temporal.address });
        connections.push(connection);
        const identity = `${process.pid}@mesh-rate-limit-bench-${i}`;
        return Worker.create({ ...options, connection, identity, activities: timed });
      }),
    );
    workers.push(workflowWorker, ...meshWorkers);
    const runs: Promise<void>[] = [watchRun(workflowWorker)];
    // Awaited in `finally`; a failure meanwhile aborts `signal` (watchRun), so none goes unnoticed.
    running = Promise.all(runs);
    running.catch(() => undefined);
    // As src/worker/main.ts does: each worker process fetches its token before it polls.
    const runMeshWorkers = async (): Promise<void> => {
      await Promise.all(tokenProviders.map((tokens) => prefetchToken(tokens)));
      runs.push(...meshWorkers.map(watchRun));
      running = Promise.all(runs);
      running.catch(() => undefined);
    };

    const meshQueue = meshTaskQueue(taskQueue);
    const describeMeshQueue = () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: meshQueue },
        taskQueueType: TASK_QUEUE_TYPE.activity,
        reportStats: true,
        reportConfig: true,
      });
    const waitForPollers = () =>
      waitFor(
        async () => {
          const identities = await pollerIdentities(client, client.options.namespace, {
            name: meshQueue,
            type: 'activity',
          });
          return new Set(identities).size >= opts.workers;
        },
        {
          description: `${opts.workers} workers polling ${meshQueue}`,
          timeoutMs: 30_000,
          intervalMs: 200,
          signal,
        },
      );

    const ids = Array.from({ length: onboardings }, (_, i) => i);
    const startOnboardings = () =>
      inPool(ids, 25, async (i) => {
        const customer = applicant(i, runId, opts.untilComplete);
        const workflowId = onboardingWorkflowId(customer.external_identifier);
        // The onboarding service's call: the customer alone; the workflow worker's `defaults` do the rest.
        await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
          workflowId,
          taskQueue,
          args: [{ customer }],
        });
        workflowIds.push(workflowId);
      });

    let burstAt: number;
    let startsDone: Promise<number>;
    if (opts.mode === 'backlog') {
      // Worst case: a backlog waits while no Mesh worker runs (a deploy, an outage); then the workers
      // start with every partition's bucket full.
      const enqueuedAt = Date.now();
      log(`backlog: starting ${onboardings} onboardings with no Mesh worker running`);
      await abortable(startOnboardings(), signal);
      await waitFor(
        async () => Number((await describeMeshQueue()).stats?.approximateBacklogCount ?? 0) >= onboardings,
        {
          description: `${onboardings} Mesh tasks in the backlog`,
          timeoutMs: 300_000,
          intervalMs: 200,
          signal,
        },
      );
      log(
        `backlog of ${onboardings} ready after ${fmt((Date.now() - enqueuedAt) / 1000, 1)} s; starting the Mesh workers`,
      );
      burstAt = Date.now();
      startsDone = Promise.resolve(burstAt);
      await runMeshWorkers();
      await waitForPollers();
    } else {
      // A burst arriving while idle workers poll: the buckets filled during the quiet time.
      await runMeshWorkers();
      await waitForPollers();
      await abortable(delay(opts.idleMs), signal);
      log(`burst: starting ${onboardings} onboardings while ${opts.workers} Mesh workers poll`);
      burstAt = Date.now();
      startsDone = startOnboardings().then(() => Date.now());
    }
    const partitions = await client.workflowService.listTaskQueuePartitions({
      namespace: client.options.namespace,
      taskQueue: { name: meshQueue },
    });
    const serverPartitions = partitions.activityTaskQueuePartitions.length;
    const effective = (await describeMeshQueue()).effectiveRateLimit;
    const runsQuery = `WorkflowType = "onboardCustomer" AND TaskQueue = "${taskQueue}"`;
    const closedRuns = async (): Promise<number> =>
      (await client.workflow.count(`${runsQuery} AND ExecutionStatus != "Running"`)).count;
    log(
      opts.untilComplete
        ? `running until all ${onboardings} onboardings complete (at most ${durationS} s)`
        : `running ${durationS} s`,
    );

    const endAt = burstAt + opts.durationMs;
    let closed = 0;
    let lastProgressAt = Date.now();
    while (Date.now() < endAt) {
      await abortable(delay(Math.min(opts.untilComplete ? 1_000 : 15_000, endAt - Date.now())), signal);
      if (opts.untilComplete) {
        closed = await closedRuns();
        if (closed >= onboardings) break;
        if (Date.now() - lastProgressAt < 15_000) continue;
      }
      lastProgressAt = Date.now();
      const since = Math.round((Date.now() - burstAt) / 1000);
      const rejected = requests.filter((r) => r.status === 429).length;
      const done = opts.untilComplete ? `, ${closed} onboardings closed` : '';
      log(
        `${since} s: ${requests.length} requests, ${activityStarts.length} activities, ${rejected} × 429${done}`,
      );
    }
    const startsDoneAt = await startsDone;
    // When each onboarding closed, as the server recorded it (visibility's count may lag a little).
    const closeTimes: number[] = [];
    let completed = 0;
    if (opts.untilComplete) {
      for await (const run of client.workflow.list({ query: runsQuery })) {
        if (run.closeTime !== undefined) closeTimes.push(run.closeTime.getTime());
        if (run.status.name === 'COMPLETED') completed += 1;
      }
    }
    const stopAt = Date.now();
    for (const w of workers) w.shutdown();
    await running;

    // ---- Analysis -------------------------------------------------------------------------------
    const all = requests.map((r) => r.at).sort((a, b) => a - b);
    const tokenRequests = requests.filter((r) => TOKEN_PATHS.has(r.path)).length;
    const rejected429 = requests.filter((r) => r.status === 429).length;
    const starts = activityStarts.map((s) => s.at).sort((a, b) => a - b);
    const firstStart = starts[0] ?? burstAt;
    // The slope after the opening burst: activities started after it over the time they took.
    const opening = starts.filter((t) => t < firstStart + 200).length;
    const lastStart = starts[starts.length - 1] ?? firstStart;
    const steadyRate =
      lastStart > firstStart ? (starts.length - opening) / ((lastStart - firstStart) / 1000) : 0;
    const burst = impliedBurst(starts, plan.activitiesPerSecond);
    const firstSecond = starts.filter((t) => t < firstStart + 1_000).length;
    const firstHalfSecond = starts.filter((t) => t < firstStart + 500).length;
    const maxWindowAll = maxInSlidingWindow(all, WINDOW_MS);
    const maxWindowActivities = maxInSlidingWindow(starts, WINDOW_MS);
    const sandboxWindow = sandboxCtx.stats.snapshot()['maxAttemptedInAnySixtySecondWindow'];
    const byName = new Map<string, number>();
    for (const s of activityStarts) byName.set(s.name, (byName.get(s.name) ?? 0) + 1);
    const measuredWorst = worstCaseActivitiesPerMinute(steadyRate, serverPartitions);
    const perSecond = histogram(starts, firstStart, 1_000, 10);
    const requestsPerSecond = histogram(all, firstStart, 1_000, 10);
    const rejectedAt = requests
      .filter((r) => r.status === 429)
      .map((r) => (r.at - (all[0] ?? 0)) / 1000)
      .sort((a, b) => a - b);
    const perTen = histogram(starts, firstStart, 10_000, Math.ceil((stopAt - firstStart) / 10_000));
    const overLimit = maxWindowAll > opts.limit || rejected429 > 0;

    // Issue 6's provider budget: drain time and useful calls' share of the limit over it.
    const firstRequest = all[0] ?? burstAt;
    const lastClose = closeTimes.length > 0 ? Math.max(...closeTimes) : stopAt;
    const drainMs = lastClose - firstRequest;
    const useful = requests.filter(
      (r) => r.delivered && r.status >= 200 && r.status < 300 && !TOKEN_PATHS.has(r.path),
    ).length;
    const budgetCalls = opts.limit * (drainMs / WINDOW_MS);
    const usefulShare = budgetCalls > 0 ? useful / budgetCalls : 0;
    const usefulOfSent = requests.length > 0 ? useful / requests.length : 0;
    const serverErrors = requests.filter((r) => r.status >= 500).length;
    const timedOut = requests.filter((r) => !r.delivered).length;
    const pct = (x: number) => `${fmt(100 * x, 1)} %`;
    const goals: GoalRow[] = [
      { figure: '429 responses', value: String(rejected429), goal: '0', met: rejected429 === 0 },
      {
        figure: 'busiest sliding 60 s window, every request counted',
        value: String(maxWindowAll),
        goal: `≤ ${opts.limit}`,
        met: maxWindowAll <= opts.limit,
      },
    ];
    if (opts.untilComplete) {
      goals.push({
        figure: 'onboardings completed',
        value: `${completed} / ${onboardings}`,
        goal: `${onboardings} / ${onboardings}`,
        met: completed === onboardings,
      });
      goals.push({
        figure: 'drain time (first request → last onboarding closed)',
        value: `${fmt(drainMs / 1000, 1)} s`,
        goal: opts.drainGoalMs === undefined ? '–' : `≤ ${fmt(opts.drainGoalMs / 1000, 1)} s`,
        met: opts.drainGoalMs === undefined ? undefined : drainMs <= opts.drainGoalMs,
      });
      goals.push({
        figure: 'useful calls, share of limit × drain time',
        value: `${pct(usefulShare)} (${useful} of ${fmt(budgetCalls, 1)})`,
        goal: opts.usefulGoal === undefined ? '–' : `≥ ${fmt(100 * opts.usefulGoal, 1)} %`,
        met: opts.usefulGoal === undefined ? undefined : usefulShare >= opts.usefulGoal,
      });
      goals.push({
        figure: 'useful calls, share of the requests sent',
        value: `${pct(usefulOfSent)} (${useful} of ${requests.length})`,
        goal: '–',
        met: undefined,
      });
    }
    const pass = !overLimit && goals.every((g) => g.met !== false);

    const rows: [string, string][] = [
      ['account limit (MESH_RATE_LIMIT_PER_MINUTE)', `${opts.limit} / 60 s`],
      [
        'plan: maxTaskQueueActivitiesPerSecond',
        `${plan.activitiesPerSecond} /s (${fmt(plan.activitiesPerSecond * 60)} /min)`,
      ],
      [
        'plan: partitions × (bucket + 1 waiting task)',
        `${plan.partitions} × ${plan.burstPerPartition} = ${plan.burst}`,
      ],
      ['plan: worst 60 s window (activities)', `${plan.worstCaseActivitiesPerMinute}`],
      ['server: activity partitions of the queue', `${serverPartitions}`],
      [
        'server: effective rate limit of the queue',
        `${fmt(effective?.requestsPerSecond ?? Number.NaN, 3)} /s (source ${String(effective?.rateLimitSource ?? 'n/a')}: 2 = worker)`,
      ],
      [
        'mode',
        opts.mode === 'backlog'
          ? 'backlog (workers start on a full queue)'
          : 'live (burst arrives at idle workers)',
      ],
      ['workers polling the Mesh queue', `${opts.workers} (each ${workerConfig.meshActivitySlots} slots)`],
      [
        'burst: onboardings',
        opts.mode === 'backlog'
          ? `${onboardings}, all queued before the workers started`
          : `${onboardings}, started in ${fmt((startsDoneAt - burstAt) / 1000, 1)} s`,
      ],
      ['run length after the burst', `${fmt((stopAt - burstAt) / 1000, 1)} s`],
      ['HTTP requests seen by the sandbox', `${requests.length} (${tokenRequests} token fetches)`],
      ['activities started', `${starts.length} (${[...byName].map(([n, c]) => `${n} ${c}`).join(', ')})`],
      [
        'faults injected',
        faults.length === 0
          ? 'none'
          : `503 on ${pct(opts.serverErrorRate)}, +${INJECTED_TIMEOUT_MS / 1000} s (client timeout ${REQUEST_TIMEOUT_MS / 1000} s) on ${pct(opts.timeoutRate)} of ${ONBOARDING_ROUTES}; answered 5xx ${serverErrors}, given up by the client ${timedOut}`,
      ],
      ['429 responses', `${rejected429}`],
      [
        'max requests in any sliding 60 s window',
        `${maxWindowAll} (limit ${opts.limit}; sandbox 1 s buckets: ${String(sandboxWindow)})`,
      ],
      [
        'max activities in any sliding 60 s window',
        `${maxWindowActivities} (plan ≤ ${plan.worstCaseActivitiesPerMinute})`,
      ],
      [
        'initial burst: activities in first 0.5 s / 1 s',
        `${firstHalfSecond} / ${firstSecond} (plan: ${plan.burst} in backlog mode, ${plan.burst - plan.partitions} live; plus the rate)`,
      ],
      ['initial burst implied by the token bucket', `${fmt(burst)} (max k+1 − rate·t)`],
      ['first 10 s, activities per second', perSecond.join(' ')],
      ['first 10 s, requests per second (sandbox arrivals)', requestsPerSecond.join(' ')],
      [
        '429s at (s after the first request)',
        rejectedAt.length === 0 ? '–' : rejectedAt.map((t) => fmt(t, 1)).join(' '),
      ],
      [
        'steady rate (after the opening burst)',
        `${fmt(steadyRate, 3)} /s = ${fmt(steadyRate * 60, 1)} /min, ${fmt((100 * steadyRate) / plan.activitiesPerSecond, 1)} % of nominal`,
      ],
      [
        'worst window at the measured rate',
        `${fmt(measuredWorst, 1)} activities (${serverPartitions} partitions' bursts included)`,
      ],
      ['activities per 10 s', perTen.join(' ')],
      [
        'verdict',
        pass
          ? 'PASS: never over the limit, no 429, every goal met'
          : overLimit
            ? 'FAIL: over the limit'
            : 'FAIL: a goal missed',
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`\nMesh rate limit benchmark (${new Date().toISOString()})\n`);
    process.stdout.write(`  machine: ${describeMachine(machine)}\n`);
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
    process.stdout.write(`\n${goalTable(goals)}\n`);

    if (opts.json !== undefined) {
      const details = {
        limitPerMinute: opts.limit,
        plan,
        serverPartitions,
        serverEffectiveRateLimit: effective?.requestsPerSecond,
        mode: opts.mode,
        workers: opts.workers,
        onboardings,
        durationMs: stopAt - burstAt,
        requests: requests.length,
        tokenRequests,
        activities: starts.length,
        activitiesByName: Object.fromEntries(byName),
        rejected429,
        maxRequestsInSixtySeconds: maxWindowAll,
        maxActivitiesInSixtySeconds: maxWindowActivities,
        firstHalfSecond,
        firstSecond,
        impliedBurst: burst,
        steadyRatePerSecond: steadyRate,
        perSecond,
        perTenSeconds: perTen,
        serverErrorRate: opts.serverErrorRate,
        timeoutRate: opts.timeoutRate,
        onboardingsCompleted: completed,
        drainMs,
        usefulCalls: useful,
        usefulShareOfBudget: usefulShare,
        usefulShareOfRequests: usefulOfSent,
        serverErrors,
        timedOutRequests: timedOut,
        pass,
      };
      // The BenchResult layout of testkit/results.ts, so bench/run-all.ts takes the goal rows as they are.
      const result: BenchResult = {
        name: basename(opts.json, '.json'),
        title: 'Mesh rate limit / provider budget',
        command: `npm run bench:rate-limit -- ${process.argv.slice(2).join(' ')}`,
        finishedAt: new Date().toISOString(),
        machine,
        goals,
        details,
      };
      writeJson(opts.json, result);
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running.catch((err: unknown) => log(`worker stopped with ${String(err)}`));
    if (!temporal.owned) {
      log(`terminating the ${workflowIds.length} benchmark runs`);
      await inPool(workflowIds, 20, async (id) => {
        await client.workflow
          .getHandle(id)
          .terminate('rate-limit benchmark finished')
          .catch(() => undefined);
      });
    }
    for (const connection of connections) await connection.close().catch(() => undefined);
    await temporal.close().catch((err: unknown) => log(`closing Temporal: ${String(err)}`));
    await sandboxApp.close();
  }
}

runBenchmark('bench:rate-limit', main);
