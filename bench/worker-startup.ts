/**
 * `npm run bench:startup` (benchmark 7): from spawning the worker (`node --import tsx src/worker/main.ts`,
 * what `npm run worker` runs) to (a) its "workers started" log line and (b) the server seeing its first
 * workflow-task poller; with the prebuilt bundle (WORKFLOW_BUNDLE_PATH, as the Dockerfile ships it)
 * and with bundling src/workflows at start. Alternating repetitions, medians reported.
 *
 * Flags: --repetitions N (5; --quick 2). TEMPORAL_ADDRESS reuses a running server.
 */
import { performance } from 'node:perf_hooks';
import { machineInfo } from '../testkit/machine';
import { log, report } from '../testkit/results';
import { median, round } from '../testkit/stats';
import { waitForPollers } from '../testkit/wait';
import {
  benchRunId,
  benchTemporal,
  intOptions,
  runBenchmark,
  startBenchWorker,
  startFastSandbox,
} from './stack';

const READY_GOAL_MS = 3_000;

interface Start {
  readyMs: number;
  pollingMs: number;
}

async function main(): Promise<void> {
  const { repetitions } = intOptions({ repetitions: (quick) => (quick ? 2 : 5) });
  const temporal = await benchTemporal();
  const machine = await machineInfo(temporal.cliPath ?? null);
  const sandbox = await startFastSandbox();
  const samples: Record<'prebuilt' | 'bundling', Start[]> = { prebuilt: [], bundling: [] };
  try {
    for (let i = 0; i < repetitions; i++) {
      for (const kind of ['prebuilt', 'bundling'] as const) {
        const taskQueue = benchRunId('bench-startup');
        const worker = await startBenchWorker(temporal, sandbox, {
          taskQueue,
          // The bundle is built once before the loop (startBenchWorker's prebuilt one); `undefined`: at start.
          ...(kind === 'bundling' && { workflowBundlePath: undefined }),
          launcher: 'node',
        });
        try {
          const signal = AbortSignal.any([temporal.unexpectedExit, worker.proc.unexpectedExit]);
          const [readyAt, pollingAt] = await Promise.all([
            worker.whenLogged(),
            // Any poller on this run's own queue (the first one is what "ready" means to the server).
            waitForPollers(
              { connection: temporal.client, namespace: temporal.namespace },
              [{ name: taskQueue, type: 'workflow' }],
              { timeoutMs: 120_000, intervalMs: 25, signal },
            ).then(() => performance.now()),
          ]);
          const spawnedAt = worker.proc.spawnedAt;
          const start = { readyMs: readyAt - spawnedAt, pollingMs: pollingAt - spawnedAt };
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
        launcher: 'node --import tsx src/worker/main.ts (npm run worker without npm)',
      },
    });
  } finally {
    await sandbox.close();
    await temporal.close();
  }
}

runBenchmark('bench:startup', main);
