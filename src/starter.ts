import { Client, Connection } from '@temporalio/client';
import { InputError } from './cli/read-request';
import { parseStarterArgs, STARTER_USAGE, UsageError } from './cli/starter-args';
import { runStarterCommand } from './cli/starter-commands';
import { loadOrExit } from './config/env';
import { loadStarterConfig } from './config/onboarding';
import { loadTemporalConfig } from './config/temporal';

/** `npm run starter -- --input FILE [--wait]` and the post-onboarding commands; `--help` lists them. */
async function main(): Promise<number> {
  let command;
  try {
    command = parseStarterArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${STARTER_USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${STARTER_USAGE}\n`);
    return 0;
  }
  const temporal = loadOrExit(() => loadTemporalConfig());
  const starter = loadOrExit(() => loadStarterConfig());
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    const out = (line: string) => void process.stdout.write(`${line}\n`);
    return await runStarterCommand({ client, temporal, starter, out }, command);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const line of err.problems) process.stderr.write(`${line}\n`);
    process.stderr.write('nothing was started\n');
    return 2;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`starter failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
