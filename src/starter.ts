import { Client } from '@temporalio/client';
import { InputError } from './cli/read-request';
import { runCommandLine } from './cli/command-line';
import { parseStarterArgs, STARTER_USAGE, type StarterCommand } from './cli/starter-args';
import { runStarterCommand } from './cli/starter-commands';
import { createDataConverter } from './codec/data-converter';
import { loadEncryptionConfig } from './config/encryption';
import { loadOrExit } from './config/env';
import { loadLoggingConfig } from './config/logging';
import { loadStarterConfig } from './config/onboarding';
import { loadTemporalConfig } from './config/temporal';
import { connectTemporalClient } from './config/temporal-connection';
import { createLogger } from './observability/logger';

/** `npm run starter -- --input FILE [--wait]` and the post-onboarding commands; `--help` lists them. */
async function run(command: Exclude<StarterCommand, { kind: 'help' }>): Promise<number> {
  const temporal = loadOrExit(() => loadTemporalConfig());
  const starter = loadOrExit(() => loadStarterConfig());
  const encryption = loadOrExit(() => loadEncryptionConfig());
  // Diagnostics only, as JSON on stderr: stdout stays the human-readable result.
  const logger = createLogger({
    name: 'starter',
    level: loadOrExit(() => loadLoggingConfig()).level,
    destination: process.stderr,
  });
  logger.debug(
    { command: command.kind, temporalAddress: temporal.address, namespace: temporal.namespace },
    'connecting',
  );
  const connection = await connectTemporalClient(temporal);
  try {
    // Encrypts the customer in the workflow input, and decrypts results and status for printing.
    const dataConverter = createDataConverter(encryption, (message) => logger.warn(message));
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
    const out = (line: string) => void process.stdout.write(`${line}\n`);
    const code = await runStarterCommand({ client, temporal, starter, out }, command);
    logger.debug({ command: command.kind, exitCode: code }, 'command finished');
    return code;
  } catch (err) {
    if (!(err instanceof InputError)) {
      logger.error({ err, command: command.kind }, 'command failed');
      throw err;
    }
    for (const line of err.problems) process.stderr.write(`${line}\n`);
    process.stderr.write('nothing was started\n');
    return 2;
  } finally {
    await connection.close();
  }
}

runCommandLine({ name: 'starter', usage: STARTER_USAGE, parse: parseStarterArgs, run });
