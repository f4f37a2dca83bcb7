/**
 * `npm run bench:startup` (benchmark 7): from spawning the worker (`tsx src/worker/main.ts`, what
 * `npm run worker` runs) to (a) its "workers started" log line and (b) the server seeing its first
 * workflow-task poller; with the prebuilt bundle (WORKFLOW_BUNDLE_PATH, as the Dockerfile ships it)
 * and with bundling src/workflows at start. Alternating repetitions, medians reported.
 *
 * Flags: --repetitions N (5; --quick 2). TEMPORAL_ADDRESS reuses a running server.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { machineInfo } from './support/machine';
import { report } from './support/results';
import {
  benchRunId,
  prebuiltWorkflowBundle,
  startFastSandbox,
  UNLIMITED_MESH_RATE_PER_MINUTE,
} from './support/stack';
import { log, median, round, waitFor } from './support/stats';
import { startTemporal } from './support/temporal';
import { WorkerProcess } from './support/worker-process';

const READY_GOAL_MS = 3_000;

interface Start {
  readyMs: number;
  pollingMs: number;
}

async function firstPoller(client: Client, taskQueue: string): Promise<number> {
  return waitFor(
    `a poller on ${taskQueue}`,
    120_000,
    async () => {
      const described = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      return described.pollers.length > 0 ? performance.now() : undefined;
    },
    25,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { repetitions: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const repetitions =
    values.repetitions !== undefined ? Number(values.repetitions) : values.quick === true ? 2 : 5;
  if (!Number.isInteger(repetitions) || repetitions < 1)
    throw new Error(`--repetitions: expected a positive whole number`);

  const temporal = await startTemporal();
  const machine = await machineInfo(temporal.cliPath);
  const sandbox = await startFastSandbox();
  const bundlePath = await prebuiltWorkflowBundle();
  const samples: Record<'prebuilt' | 'bundling', Start[]> = { prebuilt: [], bundling: [] };
  try {
    for (let i = 0; i < repetitions; i++) {
      for (const kind of ['prebuilt', 'bundling'] as const) {
        const taskQueue = benchRunId('bench-startup');
        const worker = WorkerProcess.start({
          temporalAddress: temporal.address,
          namespace: temporal.namespace,
          taskQueue,
          sandboxUrl: sandbox.url,
          workflowBundlePath: kind === 'prebuilt' ? bundlePath : undefined,
          meshRateLimitPerMinute: UNLIMITED_MESH_RATE_PER_MINUTE,
          launcher: 'tsx',
        });
        try {
          const [readyAt, pollingAt] = await Promise.all([
            worker.whenReady(),
            firstPoller(temporal.client, taskQueue),
          ]);
          const start = { readyMs: readyAt - worker.spawnedAt, pollingMs: pollingAt - worker.spawnedAt };
          samples[kind].push(start);
          log(
            `${kind} #${i + 1}: ready ${Math.round(start.readyMs)} ms, polling ${Math.round(start.pollingMs)} ms`,
          );
        } finally {
          await worker.stop();
        }
      }
    }
    const summary = (kind: 'prebuilt' | 'bundling') => ({
      readyMs: Math.round(median(samples[kind].map((s) => s.readyMs))),
      pollingMs: Math.round(median(samples[kind].map((s) => s.pollingMs))),
    });
    const prebuilt = summary('prebuilt');
    const bundling = summary('bundling');
    report({
      name: 'worker-startup',
      title: 'Benchmark 7: worker start-up (spawn → ready), median of alternating runs',
      command: `npm run bench:startup -- --repetitions ${repetitions}`,
      finishedAt: new Date().toISOString(),
      machine,
      goals: [
        {
          figure: 'prebuilt bundle: spawn → first poller on the server (→ "workers started" log)',
          value: `${prebuilt.pollingMs} ms (${prebuilt.readyMs} ms), median of ${repetitions}`,
          goal: `≤ ${READY_GOAL_MS} ms`,
          met: prebuilt.pollingMs <= READY_GOAL_MS,
        },
        {
          figure: 'bundling at start: spawn → first poller (→ log)',
          value: `${bundling.pollingMs} ms (${bundling.readyMs} ms), median of ${repetitions}`,
          goal: 'reported',
          met: undefined,
        },
        {
          figure: 'prebuilt is faster by',
          value: `${round(bundling.pollingMs / prebuilt.pollingMs)} × (${bundling.pollingMs - prebuilt.pollingMs} ms)`,
          goal: 'reported',
          met: undefined,
        },
      ],
      details: {
        prebuilt,
        bundling,
        samples,
        launcher: 'tsx src/worker/main.ts (npm run worker without npm)',
      },
    });
  } finally {
    await sandbox.close();
    await temporal.close();
  }
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
