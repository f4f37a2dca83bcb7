import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeMachine, type MachineInfo } from './machine';

export const RESULTS_DIR = resolve(__dirname, '..', 'results');

/** One figure beside its goal; `met` is undefined for figures reported without a goal. */
export interface GoalRow {
  figure: string;
  value: string;
  goal: string;
  met: boolean | undefined;
}

export interface BenchResult {
  /** File name under bench/results/ and key in the summary. */
  name: string;
  title: string;
  command: string;
  finishedAt: string;
  machine: MachineInfo;
  goals: GoalRow[];
  /** Raw numbers for whoever wants more than the table. */
  details: Record<string, unknown>;
}

export function resultPath(name: string): string {
  return resolve(RESULTS_DIR, `${name}.json`);
}

export function writeResult(result: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = resultPath(result.name);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export function metText(met: boolean | undefined): string {
  return met === undefined ? '–' : met ? 'yes' : 'NO';
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export function goalTable(goals: readonly GoalRow[]): string {
  return formatTable(
    ['figure', 'measured', 'goal', 'met?'],
    goals.map((g) => [g.figure, g.value, g.goal, metText(g.met)]),
  );
}

/** Prints the machine and the goal table on stdout, writes the JSON; exit code 1 when a goal was missed. */
export function report(result: BenchResult): void {
  const path = writeResult(result);
  process.stdout.write(
    `\n${result.title}\n  machine: ${describeMachine(result.machine)}\n  command: ${result.command}\n\n` +
      `${goalTable(result.goals)}\n\n  written to ${path}\n`,
  );
  if (result.goals.some((g) => g.met === false)) process.exitCode = 1;
}
