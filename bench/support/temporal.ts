import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { loadOrExit, parseEnv } from '../../src/platform/config/env';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { log } from './stats';

const envSchema = z.object({
  // Unset: the benchmark starts its own dev server on a free port (and discards it at the end).
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected host:port, e.g. 127.0.0.1:7233' })
    .optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
});

export interface BenchTemporal {
  address: string;
  namespace: string;
  client: Client;
  /** The CLI binary when this benchmark started the server (for its version), else undefined. */
  cliPath: string | undefined;
  close(): Promise<void>;
}

/**
 * The real Temporal dev server: TEMPORAL_ADDRESS when set (e.g. a running `npm run temporal`), else a
 * fresh one from scripts/temporal-cli.ts on a free port with the project's search attributes, the
 * same way the jest global setup starts it.
 */
export async function startTemporal(): Promise<BenchTemporal> {
  const env = loadOrExit(() => parseEnv(envSchema));
  // This process runs no workers; the runtime only carries the server and its connections.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (env.TEMPORAL_ADDRESS !== undefined) {
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    return {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
      cliPath: undefined,
      close: () => connection.close(),
    };
  }
  const cli = await resolveTemporalCli({ log });
  const server = await TestWorkflowEnvironment.createLocal({
    server: {
      executable:
        cli.kind === 'path' ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' },
      ip: '127.0.0.1',
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'error' },
    },
  });
  log(`Temporal dev server on ${server.address}`);
  return {
    address: server.address,
    namespace: 'default',
    client: server.client,
    cliPath: cli.kind === 'path' ? cli.path : undefined,
    close: () => server.teardown(),
  };
}
