/**
 * A throwaway Temporal dev server in this process, for tests, benchmarks, drills and dev scripts: the
 * binary from scripts/temporal-cli.ts (so no internet access is needed), a free port on 127.0.0.1 and the
 * project's custom search attributes. The caller owns it and ends it with `env.teardown()`.
 *
 * The caller installs the Temporal `Runtime` (logger, telemetry) first if it wants one: that is a
 * process-wide choice this function should not make.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { resolveTemporalCli, type ResolveTemporalCliOptions, type TemporalCli } from './temporal-cli';

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
