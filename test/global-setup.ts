/**
 * Jest global setup: ONE real Temporal dev server for the whole run, on a free port, with the project's
 * custom search attributes (testkit/temporal-server.ts). The binary comes from testkit/temporal-cli.ts
 * (found, or built with Go on a fresh machine: the first run then takes a few minutes; jest puts no
 * timeout on global setup). Test files reach it through `TEMPORAL_TEST_ADDRESS` (see test/helpers/temporal.ts).
 */
import { installRuntime, testLogLevel } from '../testkit/runtime';
import { startLocalTemporal } from '../testkit/temporal-server';
import { TEST_SERVER_ADDRESS_VAR, type GlobalWithTestServer } from './helpers/test-server-env';

export default async function globalSetup(): Promise<void> {
  // This process never runs workers; the runtime only carries the server and its connections.
  installRuntime(testLogLevel());
  const { env, cli, timings } = await startLocalTemporal({
    log: (line) => process.stderr.write(`\n${line}`),
  });
  (globalThis as GlobalWithTestServer).__temporalTestEnv = env;
  // Workers are forked after global setup and inherit this environment.
  process.env[TEST_SERVER_ADDRESS_VAR] = env.address;

  const source = cli.kind === 'path' ? `${cli.path} (${cli.source})` : "the SDK's download";
  process.stderr.write(
    `\n[temporal] test server on ${env.address} from ${source}; ` +
      `binary ${timings.resolveMs} ms, server start ${timings.startMs} ms\n`,
  );
}
