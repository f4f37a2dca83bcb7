/**
 * What a drill prints and returns: timed steps while it runs, then a checklist. A drill passes only
 * when every check holds; the numbers behind each check are printed and kept for bench/results/drills.json.
 */

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillResult {
  drill: string;
  title: string;
  form: 'full' | 'short';
  passed: boolean;
  durationMs: number;
  checks: DrillCheck[];
  numbers: Record<string, number | string>;
  /** Set when the drill could not finish (a deadline passed, a process failed to start). */
  error?: string;
}

export interface DrillOptions {
  short: boolean;
  /** A prebuilt workflow bundle shared by every worker start (run-all builds it once). */
  workflowBundlePath?: string;
}

export class DrillReport {
  readonly checks: DrillCheck[] = [];
  readonly numbers: Record<string, number | string> = {};
  private readonly startedAt = Date.now();

  constructor(
    readonly drill: string,
    readonly title: string,
    readonly form: 'full' | 'short',
  ) {
    this.out(`\n━━ drill ${drill} (${form}): ${title}`);
  }

  /** Seconds since the drill started, for the step lines. */
  elapsed(): string {
    return `${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(6)} s`;
  }

  step(message: string): void {
    this.out(`  ${this.elapsed()}  ${message}`);
  }

  note(key: string, value: number | string): void {
    this.numbers[key] = value;
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
  }

  finish(error?: unknown): DrillResult {
    const message =
      error === undefined ? undefined : error instanceof Error ? error.message : JSON.stringify(error);
    if (message !== undefined) this.step(`aborted: ${message}`);
    const passed = message === undefined && this.checks.length > 0 && this.checks.every((c) => c.ok);
    this.out(`  checks:`);
    for (const c of this.checks) this.out(`    ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
    // The step above has the whole message (a dead process's last lines); the checklist its first line.
    if (message !== undefined) this.out(`    ✗ drill finished: ${message.split('\n')[0]}`);
    const durationMs = Date.now() - this.startedAt;
    this.out(`  ${passed ? 'PASS' : 'FAIL'} ${this.drill} in ${(durationMs / 1000).toFixed(1)} s`);
    return {
      drill: this.drill,
      title: this.title,
      form: this.form,
      passed,
      durationMs,
      checks: this.checks,
      numbers: this.numbers,
      ...(message !== undefined && { error: message }),
    };
  }

  private out(line: string): void {
    process.stdout.write(`${line}\n`);
  }
}

export const countOf = (n: number, of: number): string => `${n}/${of}`;

/** A short list for a check's detail: the first few items and how many more. */
export function sample(items: readonly string[], max = 3): string {
  if (items.length === 0) return 'none';
  return items.slice(0, max).join(', ') + (items.length > max ? ` (+${items.length - max} more)` : '');
}
