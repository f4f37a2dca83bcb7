/**
 * Finds the Temporal CLI (which contains the dev server), or builds it from the Go module proxy.
 *
 * The SDK's own `TestWorkflowEnvironment.createLocal()` downloads the CLI from temporal.download at run
 * time, which fails without internet access (this machine, CI). Go's module proxy is reachable, so the
 * real binary is built from source once and reused from then on. Order:
 *   1. TEMPORAL_CLI_PATH (must point at an executable, otherwise this is an error, not a fallback)
 *   2. `temporal` on PATH
 *   3. `$(go env GOBIN)/temporal`, else `$(go env GOPATH)/bin/temporal` (where `go install` puts it)
 *   4. build it: `CGO_ENABLED=0 go install github.com/temporalio/cli/cmd/temporal@v1.5.1`
 *   5. no Go either: `{ kind: 'sdk-download' }`, callers let the SDK download the CLI itself.
 *
 * v1.5.1 is pinned because later tags carry a `replace` directive in go.mod, which `go install pkg@version`
 * refuses. CGO is off because the SQLite driver the CLI uses is pure Go, and a C toolchain is not a prerequisite.
 */
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { promisify } from 'node:util';
import { delimiter, join, resolve as resolvePath } from 'node:path';
import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { Env } from '../src/platform/config/env';
import { loadTemporalConfig } from '../src/platform/config/temporal';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'GOPATH' | 'built';

export type TemporalCli =
  | { kind: 'path'; path: string; source: TemporalCliSource }
  /** Neither a binary nor Go: the caller must let the SDK download the CLI (needs internet access). */
  | { kind: 'sdk-download'; reason: string };

export interface ResolveTemporalCliOptions {
  /** Environment to read TEMPORAL_CLI_PATH and PATH from; defaults to this process's. */
  env?: Env;
  /** Where progress lines go; defaults to stderr. */
  log?: (line: string) => void;
  /** Build with Go when no binary is found (default true). */
  build?: boolean;
}

const BUILD_PREFIX = '[temporal-cli build]';

export async function resolveTemporalCli(opts: ResolveTemporalCliOptions = {}): Promise<TemporalCli> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const configured = loadTemporalConfig(env).cliPath;
  if (configured !== undefined) {
    if (!(await isExecutable(configured))) {
      throw new Error(`TEMPORAL_CLI_PATH: ${configured} is not an executable file`);
    }
    return { kind: 'path', path: resolvePath(configured), source: 'TEMPORAL_CLI_PATH' };
  }

  const onPath = await findOnPath('temporal', env['PATH']);
  if (onPath !== undefined) return { kind: 'path', path: onPath, source: 'PATH' };

  const go = await goInstallDir(env);
  if (go === undefined) {
    // A binary built earlier by a Go that is no longer on PATH still counts.
    const defaultGopath = env['GOPATH']?.split(delimiter)[0] ?? join(homedir(), 'go');
    const leftover = join(defaultGopath, 'bin', 'temporal');
    if (await isExecutable(leftover)) return { kind: 'path', path: leftover, source: 'GOPATH' };
    const reason =
      'no Temporal CLI found (TEMPORAL_CLI_PATH, PATH, GOPATH/bin) and Go is not installed to build it; ' +
      "falling back to the Temporal SDK's own download of the CLI, which needs access to temporal.download";
    log(`[temporal-cli] ${reason}`);
    return { kind: 'sdk-download', reason };
  }

  const installed = join(go.binDir, 'temporal');
  if (await isExecutable(installed)) return { kind: 'path', path: installed, source: 'GOPATH' };

  if (opts.build === false) {
    const reason = `no Temporal CLI found and building was not allowed; expected it at ${installed}`;
    log(`[temporal-cli] ${reason}`);
    return { kind: 'sdk-download', reason };
  }

  await buildTemporalCli(go.goBin, env, log);
  if (!(await isExecutable(installed))) {
    throw new Error(`go install finished but ${installed} is not there; check GOBIN/GOPATH`);
  }
  return { kind: 'path', path: installed, source: 'built' };
}

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function searchAttributeArgs(keys: readonly SearchAttributeKey<SearchAttributeType>[]): string[] {
  return keys.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

/**
 * `--dynamic-config-value` pairs giving every task queue of a dev server `n` partitions. The dev server
 * takes dynamic config only as global values (no per-queue constraints), and the Mesh queue wants one
 * partition: the server splits a queue's rate limit evenly over its partitions, so a backlog spread
 * unevenly over four drains at the pace of the fullest (docs/workflow.md, "The Mesh rate limit").
 */
export function taskQueuePartitionArgs(n: number): string[] {
  return [
    '--dynamic-config-value',
    `matching.numTaskqueueReadPartitions=${n}`,
    '--dynamic-config-value',
    `matching.numTaskqueueWritePartitions=${n}`,
  ];
}

/**
 * Worker Deployments need nothing to be switched on (Server 1.28+), but a version that stops being current
 * reports DRAINED only after two 3-minute waits meant for a cluster's lagging visibility store. The dev
 * server's SQLite visibility is immediate: 10 s each, so a local deploy shows its old version drain.
 */
export function versionDrainageArgs(seconds = 10): string[] {
  return [
    '--dynamic-config-value',
    `matching.wv.VersionDrainageStatusRefreshInterval="${seconds}s"`,
    '--dynamic-config-value',
    `matching.wv.VersionDrainageStatusVisibilityGracePeriod="${seconds}s"`,
  ];
}

/** Partitions of every task queue on the dev server that `npm run temporal` starts. */
export const LOCAL_TASK_QUEUE_PARTITIONS = 1;

export interface StartDevOptions {
  host: string;
  port: number;
  /** SQLite file: the server's state survives a restart on the same file. */
  dbFile: string;
  /** The Web UI's port; absent: the CLI's default. */
  uiPort?: number;
  /** No Web UI at all. */
  headless?: boolean;
  /** Created at launch ("default" always exists). */
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Partitions of every task queue (`taskQueuePartitionArgs`); absent: Temporal's four. */
  partitions?: number;
  extraArgs?: readonly string[];
}

/** `temporal server start-dev` arguments with the project's custom search attributes registered. */
export function startDevArgs(o: StartDevOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    o.host,
    '--port',
    String(o.port),
    ...(o.headless === true ? ['--headless'] : []),
    ...(o.uiPort !== undefined ? ['--ui-port', String(o.uiPort)] : []),
    '--db-filename',
    o.dbFile,
    ...(o.namespace !== undefined && o.namespace !== 'default' ? ['--namespace', o.namespace] : []),
    ...(o.logLevel !== undefined ? ['--log-level', o.logLevel] : []),
    ...searchAttributeArgs(CUSTOM_SEARCH_ATTRIBUTES),
    ...(o.partitions !== undefined ? taskQueuePartitionArgs(o.partitions) : []),
    ...versionDrainageArgs(),
    ...(o.extraArgs ?? []),
  ];
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, pathVar: string | undefined): Promise<string | undefined> {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where `go install` puts binaries (GOBIN, else the first GOPATH entry's bin), or undefined without Go. */
async function goInstallDir(env: Env): Promise<{ goBin: string; binDir: string } | undefined> {
  const goBin = await findOnPath('go', env['PATH']);
  if (goBin === undefined) return undefined;
  const { stdout: out } = await promisify(execFile)(goBin, ['env', 'GOBIN', 'GOPATH'], { env: { ...env } });
  const [gobin = '', gopath = ''] = out.split('\n').map((l) => l.trim());
  const firstGopath = gopath.split(delimiter)[0] ?? '';
  const binDir = gobin !== '' ? gobin : join(firstGopath, 'bin');
  return { goBin, binDir };
}

function elapsed(startedAt: number): string {
  const s = Math.floor((Date.now() - startedAt) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Runs `go install` non-interactively, streaming go's own progress (`go: downloading ...`, package names
 * from `-v`) prefixed with the elapsed time. Linking the ~250 MB binary prints nothing for a minute or
 * more, so a heartbeat line says the build is still alive.
 */
async function buildTemporalCli(goBin: string, env: Env, log: (line: string) => void): Promise<void> {
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  const startedAt = Date.now();
  log(
    `${BUILD_PREFIX} no Temporal CLI found; building ${target} with Go ` +
      '(first time only: about 3-4 minutes including module downloads)',
  );
  const child = spawn(goBin, ['install', '-v', target], {
    env: { ...env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() !== '') log(`${BUILD_PREFIX} ${elapsed(startedAt)} ${line}`);
    }
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const heartbeat = setInterval(() => log(`${BUILD_PREFIX} ${elapsed(startedAt)} still building...`), 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`go install ${target} failed with exit code ${String(code)}`);
  } finally {
    clearInterval(heartbeat);
  }
  log(`${BUILD_PREFIX} done in ${elapsed(startedAt)}`);
}
