import { parseArgs } from 'node:util';
import { prebuiltWorkflowBundle } from '../../testkit/bundle';
import { killAllProcesses } from '../../testkit/processes';
import { ProcessWatch } from '../../testkit/process-watch';
import { DrillReport, type DrillOptions, type DrillResult } from './report';
import { Stack, type StackOptions } from './stack';

export interface DrillContext {
  report: DrillReport;
  opts: DrillOptions;
  /** Full or short form of a number: `size(60, 12)`. */
  size: (full: number, short: number) => number;
  /** A stack that is torn down (every process killed) when the drill ends, however it ends. */
  startStack: (options?: Omit<StackOptions, 'workflowBundlePath'>) => Promise<Stack>;
}

export interface Drill {
  name: string;
  title: string;
  run(opts: DrillOptions): Promise<DrillResult>;
}

/**
 * A drill: its body runs guarded by a watch over every process its stacks start, so a process that
 * dies without the body asking (a crash, an OOM kill) ends the drill at once with that process's name
 * and last lines, however long the step it was in would have waited.
 */
export function defineDrill(name: string, title: string, body: (ctx: DrillContext) => Promise<void>): Drill {
  return {
    name,
    title,
    async run(opts) {
      const report = new DrillReport(name, title, opts.short ? 'short' : 'full');
      const watch = new ProcessWatch();
      const stacks: Stack[] = [];
      let error: unknown;
      try {
        await watch.guard(
          body({
            report,
            opts,
            size: (full, short) => (opts.short ? short : full),
            startStack: async (options = {}) => {
              const stack = await Stack.start(report, watch, {
                ...options,
                workflowBundlePath: opts.workflowBundlePath,
              });
              stacks.push(stack);
              return stack;
            },
          }),
        );
      } catch (err) {
        error = err;
      }
      const result = report.finish(error);
      for (const stack of stacks) {
        // A failed drill keeps its process logs (worker-1.log, bridge-1.log, temporal-1.log) for a look.
        if (!result.passed) report.step(`process logs kept in ${stack.dir}`);
        await stack.close(!result.passed);
      }
      return result;
    },
  };
}

/** The production workflow bundle, built once for every worker start of the drills (progress on stdout). */
export function drillWorkflowBundle(): Promise<string> {
  return prebuiltWorkflowBundle((line) => process.stdout.write(`${line}\n`));
}

/** `npx tsx drills/<name>.ts [--short]`: one drill on its own, exit code 1 unless it passed. */
export function runStandalone(drill: Drill): void {
  const { values } = parseArgs({ options: { short: { type: 'boolean', default: false } } });
  (async () => {
    const workflowBundlePath = await drillWorkflowBundle();
    const result = await drill.run({ short: values.short ?? false, workflowBundlePath });
    process.exitCode = result.passed ? 0 : 1;
  })().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllProcesses();
    process.exitCode = 1;
  });
}
