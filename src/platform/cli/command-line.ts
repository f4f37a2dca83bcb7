/**
 * What the command-line entry points (src/starter/main.ts, src/register-webhooks/main.ts) share: one usage
 * error, `--help`, and the exit codes 0 done, 1 failed, 2 bad usage.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandLine<C extends { kind: string }> {
  /** Names the program in the last-resort error line. */
  name: string;
  usage: string;
  /** argv without `node program.ts`; throws UsageError with lines a person can act on. */
  parse(argv: string[]): C;
  /** Runs the parsed command (never `help`) and returns the exit code. */
  run(command: Exclude<C, { kind: 'help' }>): Promise<number>;
}

/** Parses this process's arguments, runs the command and exits with its code. */
export function runCommandLine<C extends { kind: string }>(cli: CommandLine<C>): void {
  main(cli).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${cli.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

async function main<C extends { kind: string }>(cli: CommandLine<C>): Promise<number> {
  let command;
  try {
    command = cli.parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${cli.usage}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${cli.usage}\n`);
    return 0;
  }
  // TypeScript does not narrow a generic union by its tag; `help` was handled just above.
  return cli.run(command as Exclude<C, { kind: 'help' }>);
}
