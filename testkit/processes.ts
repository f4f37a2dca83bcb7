/**
 * The processes a test, benchmark or drill starts: the worker, the bridge, a Temporal dev server, a load
 * target. Each is a ManagedProcess: its output kept (a log file and the last lines in memory), stopped
 * with a grace time, and watched. A process that exits without being asked to (a crash, an OOM kill, a
 * wrong entry point) says so at once on stderr with its last lines, and aborts `unexpectedExit`, so a
 * wait or a phase guarded by it fails then instead of at its deadline. Every process still running when
 * this one exits, for any reason, is SIGKILLed: an aborted run leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** The repository root: entry points and `node_modules/.bin` are found from here. */
export const ROOT = resolve(__dirname, '..');

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllProcesses);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllProcesses();
      process.exit(130);
    });
  }
}

/** SIGKILLs every started process still running (synchronous, so it also works from an `exit` handler). */
export function killAllProcesses(): void {
  for (const proc of live) proc.kill('SIGKILL');
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Names the process in messages and its log file. */
  name: string;
  /**
   * What to run: `{ node: entry }` runs a TypeScript entry point as `node --import tsx <entry>` (one
   * process, so signals reach the code under test), `{ tsx: entry }` as `tsx <entry>` (what an npm
   * script runs: tsx relays to a child node process), `{ command, args }` anything else.
   */
  run:
    | { node: string; nodeFlags?: string[] }
    | { tsx: string; nodeFlags?: string[] }
    | { command: string; args: string[] };
  /** Exactly the environment the process gets (see `baseEnv`). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its stdout and stderr, appended (`logMode: 'w'`: replaced); absent: kept only in memory. */
  logFile?: string;
  logMode?: 'a' | 'w';
  /** An IPC channel (`process.send` in the child, `messages` here). */
  ipc?: boolean;
  /** Lines kept in memory for `tail()` (default 40); `Infinity` keeps all of them (`output()`). */
  keepLines?: number;
}

export class ManagedProcess {
  readonly name: string;
  /** `performance.now()` at spawn. */
  readonly spawnedAt = performance.now();
  readonly exited: Promise<ExitStatus>;
  /** Aborted, with an Error naming the process and its last lines, when it exits without `stop`/`kill`. */
  readonly unexpectedExit: AbortSignal;
  private exit: ExitStatus | undefined;
  private expected = false;
  private readonly lines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly abort = new AbortController();

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: StartProcessOptions,
    private readonly logFile: WriteStream | undefined,
  ) {
    this.name = options.name;
    this.unexpectedExit = this.abort.signal;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        if (!this.expected) {
          const how = signal ?? `code ${String(code)}`;
          const error = new Error(
            `${this.name} (pid ${this.pid}) exited unexpectedly (${how})${this.logFile ? `; log ${options.logFile}` : ''}; its last lines:\n${this.tail()}`,
          );
          process.stderr.write(`[kit] ${error.message}\n`);
          this.abort.abort(error);
        }
        resolve(this.exit);
      });
    });
    const keep = this.options.keepLines ?? 40;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      if (logFile !== undefined) stream.on('data', (chunk: Buffer) => logFile.write(chunk));
      createInterface({ input: stream }).on('line', (line) => {
        if (line.trim() !== '') {
          this.lines.push(line);
          if (this.lines.length > keep) this.lines.shift();
        }
        for (const listener of this.lineListeners) listener(line);
      });
    }
    child.once('error', (err) => {
      this.lines.push(`spawn error: ${err.message}`);
      logFile?.write(`spawn error: ${err.message}\n`);
    });
  }

  static start(options: StartProcessOptions): ManagedProcess {
    installExitHook();
    const { run } = options;
    const [command, args] =
      'node' in run
        ? [process.execPath, [...(run.nodeFlags ?? []), '--import', 'tsx', run.node]]
        : 'tsx' in run
          ? [resolve(ROOT, 'node_modules', '.bin', 'tsx'), [...(run.nodeFlags ?? []), run.tsx]]
          : [run.command, run.args];
    let logFile: WriteStream | undefined;
    if (options.logFile !== undefined) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      logFile = createWriteStream(options.logFile, { flags: options.logMode ?? 'a' });
    }
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === true ? (['ipc'] as const) : [])],
    });
    const proc = new ManagedProcess(child, options, logFile);
    live.add(proc);
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.exit;
  }

  /** Sends `signal`; the exit that follows is expected. */
  kill(signal: NodeJS.Signals): void {
    this.expected = true;
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. How it ended and how long it took. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    timeoutMs = 20_000,
  ): Promise<ExitStatus & { ms: number; forced: boolean }> {
    const startedAt = Date.now();
    this.expected = true;
    if (!this.running) {
      this.logFile?.end();
      return { ...(this.exit ?? { code: null, signal: null }), ms: 0, forced: false };
    }
    this.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (forced) this.kill('SIGKILL');
    const status = await this.exited;
    this.logFile?.end();
    return { ...status, ms: Date.now() - startedAt, forced };
  }

  /** `performance.now()` when a line containing `text` is first written; rejects if the process exits first. */
  waitForLine(text: string, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = (err?: Error, at?: number) => {
        this.lineListeners.delete(listener);
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(at!);
      };
      const listener = (line: string) => {
        if (line.includes(text)) done(undefined, performance.now());
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(`${this.name}: no "${text}" after ${timeoutMs} ms; its last lines:\n${this.tail()}`),
          ),
        timeoutMs,
      );
      this.lineListeners.add(listener);
      void this.exited.then((status) =>
        done(
          new Error(
            `${this.name} exited (${status.signal ?? `code ${String(status.code)}`}) before writing "${text}":\n${this.tail()}`,
          ),
        ),
      );
    });
  }

  /** The next IPC message (with `ipc: true`); rejects if the process exits first. */
  message<T>(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.child.once('message', (message) => resolve(message as T));
      void this.exited.then((status) =>
        reject(
          new Error(
            `${this.name} exited (${status.signal ?? `code ${String(status.code)}`}) while starting:\n${this.tail()}`,
          ),
        ),
      );
    });
  }

  /** The last lines it wrote (stdout and stderr), for a failure message. */
  tail(lines = 15): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Everything kept in memory (all of it with `keepLines: Infinity`). */
  output(): string {
    return this.lines.join('\n');
  }
}

/** Starts a process; see StartProcessOptions. */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  return ManagedProcess.start(options);
}

/**
 * The environment every child starts from: enough to run node, tsx and the Temporal CLI, nothing else of
 * the caller's shell (a TEMPORAL_ADDRESS or MESH_* exported there must not leak into a drill).
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
export async function processMemory(pid: number): Promise<{ rssMiB: number; peakRssMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

export interface PidWatch {
  /** Aborted, with an Error naming the process, once it is gone. */
  readonly unexpectedExit: AbortSignal;
  /** Ends the watch: call it before stopping the process on purpose. */
  stop(): void;
}

/**
 * Watches a process this one did not start with `startProcess` (e.g. the dev server the Temporal SDK
 * spawns for `startLocalTemporal`), so that a wait guarded by `unexpectedExit` fails when it dies, as
 * for a ManagedProcess. Checked every `intervalMs` (default 500): gone once signal 0 fails or /proc shows
 * a zombie. `hint` is added to the error, e.g. where its output went.
 */
export function watchPid(
  pid: number,
  name: string,
  options: { intervalMs?: number; hint?: string } = {},
): PidWatch {
  const abort = new AbortController();
  const timer = setInterval(() => {
    if (pidAlive(pid)) return;
    clearInterval(timer);
    const error = new Error(
      `${name} (pid ${pid}) exited unexpectedly${options.hint === undefined ? '' : `; ${options.hint}`}`,
    );
    process.stderr.write(`[kit] ${error.message}\n`);
    abort.abort(error);
  }, options.intervalMs ?? 500);
  timer.unref();
  return { unexpectedExit: abort.signal, stop: () => clearInterval(timer) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A child nobody has reaped yet still answers signal 0: its state says whether it runs.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}
