/**
 * A real Temporal dev server for tests, benchmarks and dev scripts, in this process's care.
 *
 *   startLocalTemporal()   a throwaway server: the binary from testkit/temporal-cli.ts (so no internet
 *                          access is needed), a free port on 127.0.0.1, the project's custom search
 *                          attributes. The caller ends it with `env.teardown()`.
 *   useOrStartTemporal()   TEMPORAL_ADDRESS when set (e.g. a running `npm run temporal`), else a fresh
 *                          server as above: what a benchmark runs against.
 *
 * A server a drill stops and starts again on the same SQLite file is testkit/temporal-process.ts.
 * The caller installs the Temporal `Runtime` first if it wants one (testkit/runtime.ts): that is a
 * process-wide choice these functions do not make.
 */
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { loadOrExit, parseEnv } from '../src/platform/config/env';
import { resolveTemporalCli, type ResolveTemporalCliOptions, type TemporalCli } from './temporal-cli';
import { childPids } from './machine';
import { splitHostPort } from './net';
import { watchPid } from './processes';

export interface StartLocalTemporalOptions extends ResolveTemporalCliOptions {
  /** More `temporal server start-dev` flags, e.g. `--dynamic-config-value` pairs. */
  extraArgs?: string[];
}

export interface LocalTemporal {
  env: TestWorkflowEnvironment;
  /** The binary the server runs (or the SDK's download when there is none). */
  cli: TemporalCli;
  /** Finding (or building) the binary vs starting the server: the first run on a fresh machine builds it. */
  timings: { resolveMs: number; startMs: number };
}

export async function startLocalTemporal(opts: StartLocalTemporalOptions = {}): Promise<LocalTemporal> {
  const { extraArgs = [], ...resolveOpts } = opts;
  const startedAt = Date.now();
  const cli = await resolveTemporalCli(resolveOpts);
  const resolvedAt = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable:
        cli.kind === 'path' ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' },
      ip: '127.0.0.1',
      // No port: the SDK picks a free one, so parallel runs and a running `npm run temporal` never clash.
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
      // The server's shutdown warnings would otherwise land in the middle of the caller's output.
      log: { format: 'pretty', level: 'error' },
      extraArgs,
    },
  });
  return { env, cli, timings: { resolveMs: resolvedAt - startedAt, startMs: Date.now() - resolvedAt } };
}

const envSchema = z.object({
  // Unset: a fresh dev server on a free port, discarded at the end.
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
  /** For Workers in this process. */
  nativeConnection: NativeConnection;
  /** The CLI binary when the server was started here (for its version), else undefined. */
  cliPath: string | undefined;
  /** Whether the server was started here (then `close()` discards it with every run on it). */
  owned: boolean;
  /**
   * Aborted when a server started here exits before `close()` (never for one at TEMPORAL_ADDRESS): a
   * wait or phase guarded by it fails the moment the server dies, not at its deadline.
   */
  unexpectedExit: AbortSignal;
  close(): Promise<void>;
}

/**
 * The server a benchmark runs against: TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) when set, else a fresh
 * dev server as `startLocalTemporal` starts it, with `extraArgs`, watched by its pid (`watchPid`). The
 * SDK relays that server's output (level error) to this process, so its last lines are already there.
 */
export async function useOrStartTemporal(
  opts: StartLocalTemporalOptions & { onStart?: (address: string) => void } = {},
): Promise<BenchTemporal> {
  const env = loadOrExit(() => parseEnv(envSchema));
  if (env.TEMPORAL_ADDRESS !== undefined) {
    const address = env.TEMPORAL_ADDRESS;
    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    return {
      address,
      namespace: env.TEMPORAL_NAMESPACE,
      client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
      nativeConnection,
      cliPath: undefined,
      owned: false,
      unexpectedExit: new AbortController().signal,
      async close() {
        await connection.close();
        await nativeConnection.close();
      },
    };
  }
  const { onStart, ...startOpts } = opts;
  const { env: server, cli } = await startLocalTemporal(startOpts);
  // The SDK spawns the CLI as a child of this process; its command line holds `--port <port>`.
  const [pid] = childPids(`--port\0${splitHostPort(server.address).port}\0`);
  if (pid === undefined) {
    await server.teardown();
    throw new Error(`the Temporal dev server on ${server.address} is not a child of this process`);
  }
  const watch = watchPid(pid, `the Temporal dev server on ${server.address}`, {
    hint: 'its own lines, if any, are above in this output',
  });
  onStart?.(server.address);
  return {
    address: server.address,
    namespace: 'default',
    client: server.client,
    nativeConnection: server.nativeConnection,
    cliPath: cli.kind === 'path' ? cli.path : undefined,
    owned: true,
    unexpectedExit: watch.unexpectedExit,
    async close() {
      watch.stop();
      await server.teardown();
    },
  };
}
