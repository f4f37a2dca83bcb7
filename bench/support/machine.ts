import { execFile } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';

/** What a figure was measured on; printed first and stored with every result. */
export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryMiB: number;
  node: string;
  temporalCli: string;
  /** 1-minute load average when the benchmark started: above the core count means it shared the CPUs. */
  loadAverageAtStart: number;
}

export async function machineInfo(temporalCliPath: string | undefined): Promise<MachineInfo> {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    temporalCli: temporalCliPath === undefined ? 'external server' : await cliVersion(temporalCliPath),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
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
    `${m.cpuCount} × ${m.cpuModel}, ${Math.round(m.totalMemoryMiB / 1024)} GiB RAM, Node ${m.node}, ` +
    `${m.temporalCli}, load ${m.loadAverageAtStart} at start`
  );
}
