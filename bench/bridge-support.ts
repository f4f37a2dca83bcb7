/**
 * Small pieces the bridge benchmarks share: the machine they ran on, CPU accounting of the processes
 * involved (to tell the bridge's own limit from a busy machine), percentiles, the goal table and the
 * JSON result file, and child processes that run TypeScript entry points through tsx.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const RESULTS_DIR = join(__dirname, 'results');

export const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started: above the core count, other work was competing. */
  loadAverageAtStart: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: round(loadavg()[0] ?? 0, 2),
  };
}

export function printMachine(machine: MachineInfo): void {
  process.stdout.write(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB ` +
      `(${machine.freeMemoryGiB} free), ${machine.platform}, node ${machine.node}, ` +
      `load average ${machine.loadAverageAtStart} at start\n`,
  );
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile of samples sorted ascending. */
function ranked(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Nearest-rank percentile of unsorted samples (sorts a copy). */
export function percentile(samples: readonly number[], p: number): number {
  return ranked(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    p50: round(ranked(list, 50)),
    p95: round(ranked(list, 95)),
    p99: round(ranked(list, 99)),
    max: round(ranked(list, 100)),
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

// --- CPU accounting --------------------------------------------------------------------------------------

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Child processes of this one whose command line contains `needle` (e.g. the Temporal dev server). */
export function childPids(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

export interface CpuReport {
  /** Per named process: CPU time used during the phase as a share of ONE core (100 = one core fully busy). */
  processes: Record<string, number>;
  /** The whole machine's busy share over all cores, in cores (2 = both cores busy). */
  machineBusyCores: number;
  /** Busy cores not explained by the named processes: other work on the machine (contention). */
  otherBusyCores: number;
}

/** Samples CPU use of named processes and of the machine between `start` and `stop`. */
export function cpuMeter(pids: Record<string, number>): { stop(): CpuReport } {
  const startedAt = process.hrtime.bigint();
  const machineStart = machineCpuSeconds();
  const selfStart = process.cpuUsage();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  return {
    stop() {
      const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const processes: Record<string, number> = {};
      const self = process.cpuUsage(selfStart);
      processes['load generator (this process)'] = round(
        (100 * (self.user + self.system)) / 1e6 / wallSeconds,
        0,
      );
      for (const [name, pid] of Object.entries(pids)) {
        const before = start[name];
        const after = processCpuSeconds(pid);
        if (before !== undefined && after !== undefined) {
          processes[name] = round((100 * (after - before)) / wallSeconds, 0);
        }
      }
      const machineEnd = machineCpuSeconds();
      let machineBusyCores = Number.NaN;
      if (machineStart !== undefined && machineEnd !== undefined) {
        const share =
          (machineEnd.busy - machineStart.busy) / Math.max(machineEnd.total - machineStart.total, 1e-9);
        machineBusyCores = round(share * cpus().length, 2);
      }
      const ours = Object.values(processes).reduce((a, b) => a + b, 0) / 100;
      return {
        processes,
        machineBusyCores,
        otherBusyCores: round(Math.max(0, machineBusyCores - ours), 2),
      };
    },
  };
}

export function describeCpu(cpu: CpuReport): string {
  const parts = Object.entries(cpu.processes).map(([name, pct]) => `${name} ${pct}%`);
  return `CPU (100% = one core): ${parts.join(', ')}; machine busy ${cpu.machineBusyCores} of ${cpus().length} cores, other work ${cpu.otherBusyCores} cores`;
}

// --- Goal table and JSON result ------------------------------------------------------------------------------

export interface GoalRow {
  figure: string;
  value: string;
  goal: string;
  /** undefined: informational, no goal. */
  met: boolean | undefined;
}

export function printGoalTable(title: string, rows: readonly GoalRow[]): void {
  const header = ['figure', 'measured', 'goal', 'met?'];
  const cells = rows.map((r) => [
    r.figure,
    r.value,
    r.goal,
    r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [
    '',
    title,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** How this run was started, e.g. `npm run bench:bridge -- --quick`. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2).join(' ');
  return `npm run ${script}${args === '' ? '' : ` -- ${args}`}`;
}

/** Writes bench/results/<name>.json (git-ignored) and returns its path. */
export function writeResult(name: string, result: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

// --- Child processes -------------------------------------------------------------------------------------

/** A port nothing listens on right now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a TypeScript entry point in its own Node process through tsx, with an IPC channel. Output goes to
 * `logFile` (replaced on each run), or nowhere.
 */
export function forkTs(
  entry: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; logFile?: string; name: string },
): Child {
  const out = options.logFile !== undefined ? openSync(options.logFile, 'w') : 'ignore';
  const child = fork(entry, options.args ?? [], {
    execArgv: ['--import', 'tsx'],
    env: options.env ?? process.env,
    stdio: ['ignore', out, out, 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${entry}`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    pid,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `url` until it answers 200, failing early when `child` exits. */
export async function waitForHttp(
  url: string,
  child: Child,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${name} exited with code ${String(exitCode)} while starting`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer 200 on ${url} within ${timeoutMs} ms`);
    await delay(100);
  }
}

export function logPath(name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, `${name}.log`);
}
