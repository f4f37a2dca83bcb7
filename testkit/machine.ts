/**
 * What a figure was measured on, and who used the CPU meanwhile: the machine (printed first and stored
 * with every result), CPU seconds of named processes and of the whole machine from /proc, to tell a
 * process's own limit from a busy machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { round } from './stats';
import { resolveTemporalCli } from './temporal-cli';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  node: string;
  platform: string;
  /** The Temporal CLI's version, or "external server". */
  temporalCli: string;
  /** 1-minute load average when the run started: above the core count means it shared the CPUs. */
  loadAverageAtStart: number;
}

/**
 * The machine, with the Temporal CLI at `temporalCliPath`; `null`: the run used an external server;
 * absent: the CLI testkit/temporal-cli.ts finds (never built here).
 */
export async function machineInfo(temporalCliPath?: string | null): Promise<MachineInfo> {
  const cores = cpus();
  let cliPath = temporalCliPath;
  if (cliPath === undefined) {
    const cli = await resolveTemporalCli({ build: false, log: () => undefined });
    cliPath = cli.kind === 'path' ? cli.path : null;
  }
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    freeMemoryMiB: Math.round(freemem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    temporalCli: cliPath === null ? 'external server' : await cliVersion(cliPath),
    loadAverageAtStart: round(loadavg()[0] ?? 0, 2),
  };
}

async function cliVersion(path: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(path, ['--version']);
    return stdout.trim();
  } catch {
    return `${path} (version unknown)`;
  }
}

export function describeMachine(m: MachineInfo): string {
  return (
    `${m.cpuCount} × ${m.cpuModel}, ${Math.round(m.totalMemoryMiB / 1024)} GiB RAM ` +
    `(${Math.round(m.freeMemoryMiB / 1024)} free), ${m.platform}, Node ${m.node}, ${m.temporalCli}, ` +
    `load ${m.loadAverageAtStart} at start`
  );
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

/** Samples CPU use of named processes (and of this one) and of the machine between now and `stop()`. */
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
