/**
 * `npm run temporal`: the Temporal dev server in the foreground, configured from the environment
 * (src/platform/config/temporal.ts): gRPC on TEMPORAL_ADDRESS, Web UI on TEMPORAL_UI_PORT, SQLite in
 * TEMPORAL_DB_FILE, the project's custom search attributes registered. Arguments after `--` go to
 * `temporal server start-dev` unchanged, e.g. `npm run temporal -- --log-level info`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadOrExit } from '../src/platform/config/env';
import { loadTemporalConfig, type TemporalConfig } from '../src/platform/config/temporal';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { addSearchAttributes, missingSearchAttributes } from '../src/platform/temporal/search-attributes';
import { splitHostPort } from '../testkit/net';
import {
  LOCAL_TASK_QUEUE_PARTITIONS,
  resolveTemporalCli,
  searchAttributeArgs,
  taskQueuePartitionArgs,
  versionDrainageArgs,
} from '../testkit/temporal-cli';
import { waitForHttp, waitForPort } from '../testkit/wait';

const log = (line: string): void => void process.stderr.write(`[temporal] ${line}\n`);

async function main(): Promise<void> {
  const config = loadOrExit(() => loadTemporalConfig());
  const { host, port } = splitHostPort(config.address);
  const dbFile = resolve(config.dbFile);
  mkdirSync(dirname(dbFile), { recursive: true });

  const cli = await resolveTemporalCli();
  if (cli.kind === 'sdk-download') {
    await runWithSdkDownload(config, host, port, dbFile);
    return;
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(config.uiPort),
    '--db-filename',
    dbFile,
    // "default" always exists; another TEMPORAL_NAMESPACE is created at launch.
    ...(config.namespace === 'default' ? [] : ['--namespace', config.namespace]),
    ...searchAttributeArgs(CUSTOM_SEARCH_ATTRIBUTES),
    // One partition per queue, so the Mesh queue's rate limit is exact (npm start tells the worker).
    ...taskQueuePartitionArgs(LOCAL_TASK_QUEUE_PARTITIONS),
    ...versionDrainageArgs(),
    ...process.argv.slice(2),
  ];
  const startedAt = Date.now();
  log(`starting ${cli.path} (${cli.source}); SQLite at ${dbFile}`);
  const child = spawn(cli.path, args, { stdio: 'inherit' });

  // The terminal sends Ctrl-C to the whole process group already; forwarding covers `kill <pid>` and
  // supervisors (npm start) that signal only this process.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('error', (err) => {
    log(`could not start ${cli.path}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    log(`server stopped (${signal ?? `exit code ${String(code)}`})`);
    process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
  });

  await waitForPort(host, port, { timeoutMs: 60_000 });
  log(`gRPC ready on ${config.address} after ${Date.now() - startedAt} ms`);
  await registerNewSearchAttributes(config);
  await waitForHttp(config.uiUrl, { timeoutMs: 60_000 });
  log(`Web UI ready after ${Date.now() - startedAt} ms: ${config.uiUrl}`);
}

/**
 * `--search-attribute` registers attributes when the database is created; a database from an earlier
 * version of this project lacks the ones added since, and runs upserting them would stall. Added here.
 */
async function registerNewSearchAttributes(config: TemporalConfig): Promise<void> {
  const connection = await Connection.connect({ address: config.address });
  try {
    const missing = await missingSearchAttributes(connection, config.namespace, CUSTOM_SEARCH_ATTRIBUTES);
    if (missing.length === 0) return;
    await addSearchAttributes(connection, config.namespace, missing);
    log(
      `registered search attributes new since this database was created: ${missing.map((k) => k.name).join(', ')}`,
    );
  } finally {
    await connection.close();
  }
}

/**
 * Without a binary and without Go, the SDK downloads the CLI and runs it as its "ephemeral" server. Same
 * ports, persistence and search attributes; the server's own log is not shown in this mode.
 */
async function runWithSdkDownload(config: TemporalConfig, host: string, port: number, dbFile: string) {
  // Loaded lazily: the testing package is a dev dependency and only this fallback needs it.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  log("starting the dev server through the Temporal SDK's download (needs access to temporal.download)");
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: host,
      port,
      ui: true,
      uiPort: config.uiPort,
      dbFilename: dbFile,
      namespace: config.namespace,
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
      extraArgs: taskQueuePartitionArgs(LOCAL_TASK_QUEUE_PARTITIONS),
    },
  });
  log(`ready: gRPC on ${config.address}, Web UI at ${config.uiUrl}; Ctrl-C stops it`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await env.teardown();
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
