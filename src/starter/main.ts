import { InputError } from './request-file';
import { runCommandLine } from '../platform/cli/command-line';
import { parseStarterArgs, STARTER_USAGE, type StarterCommand } from './args';
import { runStarterCommand } from './commands';
import { connectOnboardingClient } from '../client/connect';
import { OnboardingInputError, OnboardingRefusedError } from '../client/onboarding-client';
import { awaitOrExit, loadOrExit } from '../platform/config/env';
import { loadLoggingConfig } from '../platform/config/logging';
import { loadTemporalConfig } from '../platform/config/temporal';
import { createLogger } from '../platform/logging/logger';

/** `npm run starter -- --input FILE [--wait]` and the post-onboarding commands; `--help` lists them. */
async function run(command: Exclude<StarterCommand, { kind: 'help' }>): Promise<number> {
  const temporal = loadOrExit(() => loadTemporalConfig());
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
  // The onboarding service's own client module: it encrypts the customer in the workflow input and
  // decrypts results and status for printing.
  const connected = await awaitOrExit(connectOnboardingClient(undefined, (message) => logger.warn(message)));
  try {
    const out = (line: string) => void process.stdout.write(`${line}\n`);
    const code = await runStarterCommand(
      { client: connected.client, onboarding: connected.onboarding, temporal, out },
      command,
    );
    logger.debug({ command: command.kind, exitCode: code }, 'command finished');
    return code;
  } catch (err) {
    if (err instanceof OnboardingRefusedError) {
      process.stderr.write(`refused: ${err.message}\n`);
      return 1;
    }
    const problems =
      err instanceof InputError || err instanceof OnboardingInputError ? err.problems : undefined;
    if (problems === undefined) {
      logger.error({ err, command: command.kind }, 'command failed');
      throw err;
    }
    for (const line of problems) process.stderr.write(`${line}\n`);
    process.stderr.write('nothing was started or changed\n');
    return 2;
  } finally {
    await connected.close();
  }
}

runCommandLine({ name: 'starter', usage: STARTER_USAGE, parse: parseStarterArgs, run });
