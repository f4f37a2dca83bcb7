/**
 * `npm run bench:rate-limit`: proves on a real Temporal dev server that the Mesh queue's server-side rate
 * limit keeps the whole account under MESH_RATE_LIMIT_PER_MINUTE, burst included (issue 3).
 *
 * Several Mesh activity workers (separate Mesh clients, tokens and connections, as separate processes
 * would have) poll one `<queue>-mesh` queue with the production options (src/worker.ts). A burst of
 * onboardings (real `onboardCustomer` runs) meets them with every partition's token bucket full: by
 * default queued while no Mesh worker runs (`--mode backlog`, the worst case), or started while idle
 * workers poll (`--mode live`). The local sandbox enforces the account limit as a sliding 60 s window and every HTTP request
 * it receives is timestamped, so the run reports: the busiest 60 s window, the 429s (must be 0), the
 * first burst, the steady rate, and the server's partition count the plan assumes.
 *
 * Flags (all optional):
 *   --limit N              MESH_RATE_LIMIT_PER_MINUTE for plan and sandbox (default: the env var, else 300)
 *   --duration 3m          how long to run after the burst (default: BENCH_DURATION, else 3m)
 *   --onboardings N        size of the burst (default: max(600, 1.2 × rate × duration), so the queue stays busy)
 *   --workers N            Mesh activity workers polling the queue (default 2)
 *   --partitions N         partitions the plan assumes (default TEMPORAL_TASK_QUEUE_PARTITIONS, else 4)
 *   --server-partitions N  start the dev server with N task queue partitions (default: the server's own)
 *   --review-poll 30s      review case-check interval of the burst's runs, so polls join the traffic
 *   --mode backlog|live    backlog (default): queue the burst, then start the Mesh workers; live: burst at idle workers
 *   --idle 5s              live mode: quiet time before the burst, so every partition's bucket is full
 *   --latency 0            sandbox latency per request in ms, e.g. 1000-3000 for Mesh's sync screening
 *   --json FILE            also write the results as JSON
 * TEMPORAL_ADDRESS, when set, points at a running server instead of starting one (its runs are terminated
 * at the end). Exit code 1 when a 60 s window went over the limit or any 429 came back.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { startLocalTemporal } from '../scripts/local-temporal';
import { createActivities } from '../src/activities';
import { envField, loadOrExit, parseDuration, parseEnv } from '../src/config/env';
import { Secret, type MeshConfig } from '../src/config/mesh';
import { parseLatencyRange } from '../src/config/sandbox';
import { loadWorkerConfig } from '../src/config/worker';
import { createMeshClient } from '../src/mesh/client';
import { buildSandboxServer } from '../src/sandbox';
import type { MeshCustomer } from '../src/shared/customer';
import { meshRateLimitPlan, worstCaseActivitiesPerMinute } from '../src/shared/mesh-rate-limit';
import { meshTaskQueue, type OnboardingInput } from '../src/shared/onboarding';
import { onboardingWorkflowId } from '../src/shared/workflow-ids';
import { meshWorkerOptions, workflowWorkerOptions } from '../src/worker';
import type { onboardCustomer } from '../src/workflows';
import { histogram, impliedBurst, maxInSlidingWindow } from './window-stats';

const WINDOW_MS = 60_000;
const TOKEN_PATHS = new Set(['/v2/token', '/v3/token']);

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

const envSchema = z.object({
  MESH_RATE_LIMIT_PER_MINUTE: envField.positiveInt(300, 'requests per minute'),
  BENCH_DURATION: envField.duration('3m'),
  // Unset: the bench starts its own dev server (src/config/temporal.ts would default to 127.0.0.1:7233).
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected host:port, e.g. 127.0.0.1:7233' })
    .optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
});

interface BenchOptions {
  limit: number;
  durationMs: number;
  onboardings: number | undefined;
  workers: number;
  partitions: number;
  serverPartitions: number | undefined;
  reviewPollMs: number;
  idleMs: number;
  mode: 'backlog' | 'live';
  latency: string;
  json: string | undefined;
  temporalAddress: string | undefined;
  namespace: string;
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
      'review-poll': { type: 'string' },
      idle: { type: 'string' },
      mode: { type: 'string' },
      latency: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const int = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${flag}: expected a positive whole number, got "${text}"`);
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
  return {
    limit: int('limit', values.limit) ?? env.MESH_RATE_LIMIT_PER_MINUTE,
    durationMs: ms('duration', values.duration, env.BENCH_DURATION),
    onboardings: int('onboardings', values.onboardings),
    workers: int('workers', values.workers) ?? 2,
    partitions: int('partitions', values.partitions) ?? worker.taskQueuePartitions,
    serverPartitions: int('server-partitions', values['server-partitions']),
    reviewPollMs: ms('review-poll', values['review-poll'], 30_000),
    idleMs: ms('idle', values.idle, 5_000),
    mode: mode(values.mode),
    latency,
    json: values.json,
    temporalAddress: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
  };
}

interface Temporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  /** Whether this bench started the server (then teardown discards it with every run on it). */
  owned: boolean;
  close(): Promise<void>;
}

async function connectTemporal(opts: BenchOptions): Promise<Temporal> {
  if (opts.temporalAddress !== undefined) {
    const nativeConnection = await NativeConnection.connect({ address: opts.temporalAddress });
    const connection = await Connection.connect({ address: opts.temporalAddress });
    return {
      address: opts.temporalAddress,
      client: new Client({ connection, namespace: opts.namespace }),
      nativeConnection,
      owned: false,
      async close() {
        await connection.close();
        await nativeConnection.close();
      },
    };
  }
  const partitionArgs =
    opts.serverPartitions === undefined
      ? []
      : [
          '--dynamic-config-value',
          `matching.numTaskqueueReadPartitions=${opts.serverPartitions}`,
          '--dynamic-config-value',
          `matching.numTaskqueueWritePartitions=${opts.serverPartitions}`,
        ];
  const { env } = await startLocalTemporal({ log, extraArgs: partitionArgs });
  return {
    address: env.address,
    client: env.client,
    nativeConnection: env.nativeConnection,
    owned: true,
    close: () => env.teardown(),
  };
}

/** One HTTP request as the sandbox received it. */
interface RequestRecord {
  at: number;
  path: string;
  status: number;
}

/** Applicants whose screening leads to the three kinds of follow-up traffic (src/sandbox/screening-rules.ts). */
function applicant(i: number, runId: string): MeshCustomer {
  // 7 in 10 approve straight through, 2 wait for review and poll their case, 1 is rejected (monitoring off).
  const [first_name, last_name] =
    i % 10 === 0 ? ['Pablo', 'Prohibited'] : i % 10 <= 2 ? ['Victor', 'Bout'] : ['Test', 'CleanUser'];
  return {
    external_identifier: `bench-${runId}-${i}`,
    person: { first_name, last_name },
    date_of_birth: { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    address: { address_line_1: '1 Bench Street', postal_code: '10001', country: 'US' },
  };
}

async function inPool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(200);
  }
}

const fmt = (n: number, digits = 2): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

async function main(): Promise<void> {
  const opts = options();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workerConfig = loadOrExit(() => loadWorkerConfig());
  const plan = meshRateLimitPlan(opts.limit, { partitions: opts.partitions });
  const durationS = opts.durationMs / 1000;
  const onboardings =
    opts.onboardings ?? Math.max(600, Math.ceil(1.2 * plan.activitiesPerSecond * durationS));
  const runId = randomUUID().slice(0, 8);
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
  const requests: RequestRecord[] = [];
  sandboxApp.server.on('request', (req, res) => {
    const at = Date.now();
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.startsWith('/_sandbox')) return;
    res.once('finish', () => requests.push({ at, path, status: res.statusCode }));
  });
  await sandboxApp.listen({ port: 0, host: '127.0.0.1' });
  const address = sandboxApp.server.address();
  const sandboxUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  log(
    opts.temporalAddress === undefined ? 'starting a Temporal dev server' : `using ${opts.temporalAddress}`,
  );
  const temporal = await connectTemporal(opts);
  const { client } = temporal;
  const workflowIds: string[] = [];
  const activityStarts: { at: number; name: string }[] = [];
  const connections: NativeConnection[] = [];
  const workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();

  try {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const base = { connection: temporal.nativeConnection, namespace: client.options.namespace, taskQueue };
    // The production options, with the bundle built once above instead of at worker start.
    const { workflowsPath: _bundled, ...workflowOptions } = workflowWorkerOptions(base, workerConfig);
    const workflowWorker = await Worker.create({ ...workflowOptions, workflowBundle });
    const meshConfig: MeshConfig = {
      baseUrl: sandboxUrl,
      screeningConfigurationId: 'sandbox-default',
      credentials: { kind: 'access-key', accessKey: 'bench', secret: new Secret('sandbox') },
      rateLimitPerMinute: opts.limit,
      requestTimeoutMs: 10_000,
    };
    const meshWorkers = await Promise.all(
      Array.from({ length: opts.workers }, async (_, i) => {
        // Each worker its own client and token, like separate worker processes.
        const mesh = createMeshClient({ config: meshConfig });
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
    const runs: Promise<void>[] = [workflowWorker.run()];
    running = Promise.all(runs);
    const runMeshWorkers = (): void => {
      runs.push(...meshWorkers.map((w) => w.run()));
      running = Promise.all(runs);
    };

    const meshQueue = meshTaskQueue(taskQueue);
    const describeMeshQueue = () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: meshQueue },
        taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
        reportStats: true,
        reportConfig: true,
      });
    const waitForPollers = () =>
      waitUntil(`${opts.workers} workers polling ${meshQueue}`, 30_000, async () => {
        const described = await describeMeshQueue();
        return new Set(described.pollers.map((p) => p.identity)).size >= opts.workers;
      });

    const ids = Array.from({ length: onboardings }, (_, i) => i);
    const startOnboardings = () =>
      inPool(ids, 25, async (i) => {
        const customer = applicant(i, runId);
        const workflowId = onboardingWorkflowId(customer.external_identifier);
        const input: OnboardingInput = {
          customer,
          monitoring: true,
          configuration: { screening_configuration_identifier: meshConfig.screeningConfigurationId },
          policy: {
            reviewPollIntervalMs: opts.reviewPollMs,
            reviewPollJitter: 0.1,
            reviewReminderMs: 86_400_000,
            reviewDeadlineMs: 86_400_000,
          },
        };
        await client.workflow.start<typeof onboardCustomer>('onboardCustomer', {
          taskQueue,
          workflowId,
          args: [input],
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
      await startOnboardings();
      await waitUntil(`${onboardings} Mesh tasks in the backlog`, 300_000, async () => {
        const backlog = Number((await describeMeshQueue()).stats?.approximateBacklogCount ?? 0);
        return backlog >= onboardings;
      });
      log(
        `backlog of ${onboardings} ready after ${fmt((Date.now() - enqueuedAt) / 1000, 1)} s; starting the Mesh workers`,
      );
      burstAt = Date.now();
      startsDone = Promise.resolve(burstAt);
      runMeshWorkers();
      await waitForPollers();
    } else {
      // A burst arriving while idle workers poll: the buckets filled during the quiet time.
      runMeshWorkers();
      await waitForPollers();
      await delay(opts.idleMs);
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
    log(`running ${durationS} s`);

    const endAt = burstAt + opts.durationMs;
    while (Date.now() < endAt) {
      await delay(Math.min(15_000, endAt - Date.now()));
      const since = Math.round((Date.now() - burstAt) / 1000);
      const rejected = requests.filter((r) => r.status === 429).length;
      log(`${since} s: ${requests.length} requests, ${activityStarts.length} activities, ${rejected} × 429`);
    }
    const startsDoneAt = await startsDone;
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
    const perTen = histogram(starts, firstStart, 10_000, Math.ceil((stopAt - firstStart) / 10_000));
    const pass = maxWindowAll <= opts.limit && rejected429 === 0;

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
      [
        'steady rate (after the opening burst)',
        `${fmt(steadyRate, 3)} /s = ${fmt(steadyRate * 60, 1)} /min, ${fmt((100 * steadyRate) / plan.activitiesPerSecond, 1)} % of nominal`,
      ],
      [
        'worst window at the measured rate',
        `${fmt(measuredWorst, 1)} activities (${serverPartitions} partitions' bursts included)`,
      ],
      ['activities per 10 s', perTen.join(' ')],
      ['verdict', pass ? 'PASS: never over the limit, no 429' : 'FAIL'],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`\nMesh rate limit benchmark (${new Date().toISOString()})\n`);
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);

    if (opts.json !== undefined) {
      const result = {
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
        pass,
      };
      writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
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

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
