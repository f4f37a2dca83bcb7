import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Child processes the drills start, stop and kill. Every one is registered here and SIGKILLed when the
 * drill process exits for any reason, so an aborted drill leaves nothing running behind it.
 */
const live = new Set<ChildProc>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** SIGKILLs every child still running (synchronous, so it also works from an `exit` handler). */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ChildProc {
  readonly exited: Promise<ExitStatus>;
  private exit: ExitStatus | undefined;
  private readonly recent: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly logFile: WriteStream,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
    const keep = (chunk: Buffer): void => {
      logFile.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.recent.push(line);
        if (this.recent.length > 40) this.recent.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts `command args` with exactly `env` (nothing inherited but what the caller passes), output to `<logDir>/<name>.log`. */
  static start(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    logDir: string,
  ): ChildProc {
    installExitHook();
    const logPath = join(logDir, `${name}.log`);
    const logFile = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
    const proc = new ChildProc(name, child, logFile, logPath);
    live.add(proc);
    child.once('error', (err) => logFile.write(`spawn error: ${err.message}\n`));
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

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. Returns how it ended and how long it took. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    timeoutMs = 20_000,
  ): Promise<ExitStatus & { ms: number; forced: boolean }> {
    const startedAt = Date.now();
    if (!this.running) return { ...(this.exit ?? { code: null, signal: null }), ms: 0, forced: false };
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
    this.logFile.end();
    return { ...status, ms: Date.now() - startedAt, forced };
  }

  /** The last lines it wrote, for a failure message. */
  tail(lines = 15): string {
    return this.recent.slice(-lines).join('\n');
  }
}

/** The environment every child gets: enough to run node and the Temporal CLI, nothing from the caller's shell. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** `node --import tsx <entry>`: the node process itself is the child, so signals reach the code under test. */
export function tsxArgs(entry: string): string[] {
  return ['--import', 'tsx', entry];
}
