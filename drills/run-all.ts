/**
 * `npm run drill` (full form) / `npm run drill -- --short` (CI form: smaller counts, a 10 s Temporal
 * outage): runs every fault drill in turn against real processes, prints a summary table and writes
 * bench/results/drills.json. `--only worker-kill,webhook-storm` picks drills. Exit code 1 unless all pass.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineInfo } from '../testkit/machine';
import { killAllProcesses, ROOT } from '../testkit/processes';
import { formatTable, resultPath, writeJson } from '../testkit/results';
import { bridgeRestart } from './bridge-restart';
import { cosOutage } from './cos-outage';
import { deploy } from './deploy';
import { sandboxFaults } from './sandbox-faults';
import { sigtermDrain } from './sigterm-drain';
import { drillWorkflowBundle, type Drill } from './support/drill';
import type { DrillResult } from './support/report';
import { temporalOutage } from './temporal-outage';
import { tenantFailover } from './tenant-failover';
import { webhookStorm } from './webhook-storm';
import { workerKill } from './worker-kill';

const DRILLS: Drill[] = [
  workerKill,
  temporalOutage,
  sigtermDrain,
  bridgeRestart,
  sandboxFaults,
  webhookStorm,
  deploy,
  cosOutage,
  tenantFailover,
];
const RESULTS_FILE = resultPath('drills');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { short: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const short = values.short ?? false;
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !DRILLS.some((d) => d.name === name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown drill(s): ${unknown.join(', ')}; known: ${DRILLS.map((d) => d.name).join(', ')}\n`,
    );
    return 2;
  }
  const selected = DRILLS.filter((d) => only === undefined || only.includes(d.name));
  const startedAt = Date.now();
  const machine = await machineInfo();
  const workflowBundlePath = await drillWorkflowBundle();
  const results: DrillResult[] = [];
  for (const drill of selected) results.push(await drill.run({ short, workflowBundlePath }));
  const totalMs = Date.now() - startedAt;

  const rows = results.map((r) => [
    r.passed ? 'PASS' : 'FAIL',
    r.drill,
    `${(r.durationMs / 1000).toFixed(1)} s`,
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length}${r.error !== undefined ? ' (aborted)' : ''}`,
  ]);
  const table = formatTable(['result', 'drill', 'time', 'checks'], rows, '  ');
  process.stdout.write(
    `\nFault drills (${short ? 'short' : 'full'} form), ${(totalMs / 1000).toFixed(1)} s in all\n` +
      `  machine: ${describeMachine(machine)}\n`,
  );
  for (const line of table.split('\n')) process.stdout.write(`  ${line}\n`);

  const file = {
    form: short ? 'short' : 'full',
    command: `npm run drill${short ? ' -- --short' : ''}`,
    at: new Date().toISOString(),
    machine,
    totalMs,
    passed: results.every((r) => r.passed),
    drills: results,
  };
  writeJson(RESULTS_FILE, file);
  process.stdout.write(`results: ${relative(ROOT, RESULTS_FILE)}\n`);
  return file.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllProcesses();
    process.exitCode = 1;
  },
);
