/**
 * Jest global setup: ONE real Temporal dev server for the whole run, on a free port, with the project's
 * custom search attributes. The binary comes from scripts/temporal-cli.ts (found, or built with Go on a
 * fresh machine: the first run then takes a few minutes; jest puts no timeout on global setup).
 * Test files reach it through `TEMPORAL_TEST_ADDRESS` (see test/helpers/temporal.ts).
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { TEST_SERVER_ADDRESS_VAR, type GlobalWithTestServer } from './helpers/test-server-env';

export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const cli = await resolveTemporalCli({ log: (line) => process.stderr.write(`\n${line}`) });
  const resolvedAt = Date.now();

  // This process never runs workers; the runtime only carries the server and its connections.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable:
        cli.kind === 'path' ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' },
      ip: '127.0.0.1',
      // No port: the SDK picks a free one, so parallel runs and a running `npm run temporal` never clash.
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
      // The server's shutdown warnings would otherwise land in the middle of jest's summary.
      log: { format: 'pretty', level: 'error' },
    },
  });
  (globalThis as GlobalWithTestServer).__temporalTestEnv = env;
  // Workers are forked after global setup and inherit this environment.
  process.env[TEST_SERVER_ADDRESS_VAR] = env.address;

  const source = cli.kind === 'path' ? `${cli.path} (${cli.source})` : "the SDK's download";
  process.stderr.write(
    `\n[temporal] test server on ${env.address} from ${source}; ` +
      `binary ${resolvedAt - startedAt} ms, server start ${Date.now() - resolvedAt} ms\n`,
  );
}
