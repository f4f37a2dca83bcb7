/**
 * `npm run bench`: every benchmark of issue 6 in sequence, each as its own process (its own dev
 * server and worker, so one cannot slow the next), then one summary table of figures and goals,
 * written to bench/results/summary.json. `--quick` runs each at a smoke-test size (minutes, not an
 * hour): its figures show the benchmarks work, not what the product reaches.
 *
 * A benchmark whose npm script does not exist (yet) is listed as missing; one that rejects a flag the
 * issue needs (e.g. fault injection for the rate-limit run) as unsupported.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineInfo } from '../testkit/machine';
import { ROOT } from '../testkit/processes';
import {
  formatTable,
  log,
  metText,
  RESULTS_DIR,
  resultPath,
  writeResult,
  type GoalRow,
} from '../testkit/results';

const LIMIT = 300;

interface Benchmark {
  /** Name in the summary and of its result file under bench/results/. */
  name: string;
  /** npm script. */
  script: string;
  args(quick: boolean): string[];
  /** Turns a result file that is not in BenchResult form into goal rows. */
  goals?(result: Record<string, unknown>): GoalRow[];
}

/**
 * Issue 6, benchmark 1: the run ends when every onboarding has completed; bench/mesh-rate-limit.ts
 * writes its goal rows (0 × 429, no 60 s window over the limit, all complete, drain time, useful share).
 */
function rateLimitArgs(name: string, faults: boolean) {
  return (quick: boolean) => [
    '--onboardings',
    quick ? '100' : '1000',
    '--latency',
    '1000-3000',
    '--limit',
    String(LIMIT),
    // The Mesh queue as the local and compose stacks run it: one partition, and a plan that knows it.
    '--server-partitions',
    '1',
    '--partitions',
    '1',
    // 1,000 calls at ≥ 95 % of 300/min take ≤ 210.5 s; a quick run is too short for a drain goal.
    ...(faults || quick ? [] : ['--drain-goal', '211s']),
    '--useful-goal',
    faults ? '0.85' : '0.95',
    // The second run: 10 % 5xx and 2 % timeouts injected by the sandbox.
    ...(faults ? ['--server-error-rate', '0.1', '--timeout-rate', '0.02'] : []),
    '--json',
    resultPath(name),
  ];
}

const quickFlag = (quick: boolean) => (quick ? ['--quick'] : []);

const BENCHMARKS: Benchmark[] = [
  {
    name: 'rate-limit',
    script: 'bench:rate-limit',
    args: rateLimitArgs('rate-limit', false),
  },
  {
    name: 'rate-limit-faults',
    script: 'bench:rate-limit',
    args: rateLimitArgs('rate-limit-faults', true),
  },
  { name: 'orchestration-overhead', script: 'bench:overhead', args: quickFlag },
  { name: 'bridge-throughput', script: 'bench:bridge', args: quickFlag },
  { name: 'webhook-to-decision', script: 'bench:decision', args: quickFlag },
  { name: 'worker-memory', script: 'bench:memory', args: quickFlag },
  { name: 'history-size', script: 'bench:history', args: () => [] },
  { name: 'worker-startup', script: 'bench:startup', args: quickFlag },
  // ComplyCube's 5 requests/s with no burst: 100 onboardings at once (20 with --quick).
  { name: 'complycube-rate-limit', script: 'bench:complycube', args: quickFlag },
];

type Status = 'ok' | 'goal missed' | 'failed' | 'missing' | 'unsupported';

interface Outcome {
  name: string;
  script: string;
  args: string[];
  status: Status;
  seconds: number;
  goals: GoalRow[];
}

function run(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

function readGoals(benchmark: Benchmark, since: number): GoalRow[] | undefined {
  const path = resultPath(benchmark.name);
  if (!existsSync(path) || statSync(path).mtimeMs < since) return undefined;
  const result = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (Array.isArray(result['goals'])) return result['goals'] as GoalRow[];
  return benchmark.goals?.(result);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick === true;
  const scripts = (
    JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const machine = await machineInfo();
  const startedAt = new Date().toISOString();
  const outcomes: Outcome[] = [];

  for (const benchmark of BENCHMARKS) {
    const args = benchmark.args(quick);
    const outcome: Outcome = {
      name: benchmark.name,
      script: benchmark.script,
      args,
      status: 'missing',
      seconds: 0,
      goals: [],
    };
    outcomes.push(outcome);
    if (scripts[benchmark.script] === undefined) {
      log(`${benchmark.name}: no npm script ${benchmark.script}, skipped`);
      continue;
    }
    log(`${benchmark.name}: npm run ${benchmark.script} -- ${args.join(' ')}`);
    const began = Date.now();
    const { code, stderr } = await run(benchmark.script, args);
    outcome.seconds = Math.round((Date.now() - began) / 1000);
    const goals = readGoals(benchmark, began);
    outcome.goals = goals ?? [];
    if (/Unknown option '--/.test(stderr)) outcome.status = 'unsupported';
    else if (goals === undefined) outcome.status = 'failed';
    else outcome.status = goals.some((g) => g.met === false) || code !== 0 ? 'goal missed' : 'ok';
  }

  const rows = outcomes.flatMap((o) =>
    o.goals.length > 0
      ? o.goals.map((g) => [o.name, g.figure, g.value, g.goal, metText(g.met)])
      : [[o.name, `(${o.status})`, '', '', '']],
  );
  process.stdout.write(
    `\nBenchmarks${quick ? ' (--quick: smoke sizes)' : ''}\n  machine: ${describeMachine(machine)}\n\n` +
      `${formatTable(['benchmark', 'figure', 'measured', 'goal', 'met?'], rows)}\n\n` +
      outcomes.map((o) => `  ${o.name}: ${o.status}, ${o.seconds} s`).join('\n') +
      `\n`,
  );
  writeResult({
    name: 'summary',
    title: 'npm run bench',
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    finishedAt: new Date().toISOString(),
    machine,
    goals: outcomes.flatMap((o) => o.goals.map((g) => ({ ...g, figure: `${o.name}: ${g.figure}` }))),
    details: { startedAt, quick, outcomes },
  });
  log(`summary written to ${resolve(RESULTS_DIR, 'summary.json')}`);
  if (outcomes.some((o) => o.status !== 'ok')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
