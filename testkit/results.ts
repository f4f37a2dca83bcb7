/**
 * Result files and tables of benchmarks and drills: every benchmark prints its machine and a goal table
 * and writes bench/results/<name>.json in one layout (BenchResult), which `npm run bench` reads back for
 * its summary; the drills write bench/results/drills.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeMachine, type MachineInfo } from './machine';
import { ROOT } from './processes';

export const RESULTS_DIR = resolve(ROOT, 'bench', 'results');

/** Progress lines of a benchmark, on stderr (stdout carries the table). */
export const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

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

/** bench/results/<name>.json */
export function resultPath(name: string): string {
  return resolve(RESULTS_DIR, `${name}.json`);
}

/** bench/results/<name>.log, for a process's output. */
export function logPath(name: string): string {
  return resolve(RESULTS_DIR, `${name}.log`);
}

/** Writes `value` as JSON to `path` (default: bench/results/<name>.json); returns the path. */
export function writeJson(path: string, value: unknown): string {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

export function writeResult(result: BenchResult, path = resultPath(result.name)): string {
  return writeJson(path, result);
}

/** How this run was started, e.g. `npm run bench:bridge -- --quick`. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2).join(' ');
  return `npm run ${script}${args === '' ? '' : ` -- ${args}`}`;
}

export function metText(met: boolean | undefined): string {
  return met === undefined ? '–' : met ? 'yes' : 'NO';
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  separator = ' | ',
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(separator)
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join(separator.replace(/ /g, '-'));
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function goalTable(goals: readonly GoalRow[]): string {
  return formatTable(
    ['figure', 'measured', 'goal', 'met?'],
    goals.map((g) => [g.figure, g.value, g.goal, metText(g.met)]),
  );
}

/** Prints the machine and the goal table on stdout, writes the JSON; exit code 1 when a goal was missed. */
export function report(result: BenchResult, path?: string): void {
  const written = writeResult(result, path);
  process.stdout.write(
    `\n${result.title}\n  machine: ${describeMachine(result.machine)}\n  command: ${result.command}\n\n` +
      `${goalTable(result.goals)}\n\n  written to ${written}\n`,
  );
  if (result.goals.some((g) => g.met === false)) process.exitCode = 1;
}
