/**
 * A real `temporal server start-dev` as a child process, its state in a SQLite file, so a drill can stop
 * it and start it again on the same file (what an operator's restart does). For a server that simply
 * runs for the whole test or benchmark, testkit/temporal-server.ts is simpler.
 */
import { freePort, isPortOpen } from './net';
import { baseEnv, startProcess, type ManagedProcess } from './processes';
import { resolveTemporalCli, startDevArgs } from './temporal-cli';
import { waitFor } from './wait';

export class TemporalServerProcess {
  private proc: ManagedProcess | undefined;
  private starts = 0;

  private constructor(
    private readonly cliPath: string,
    readonly port: number,
    readonly dbFile: string,
    private readonly logDir: string,
  ) {}

  /** A server on a free port with its SQLite file and log (`temporal-<n>.log`) in `dir`; resolves once gRPC answers. */
  static async start(dir: string): Promise<TemporalServerProcess> {
    const cli = await resolveTemporalCli({ log: (line) => process.stderr.write(`${line}\n`) });
    if (cli.kind !== 'path')
      throw new Error(`a restartable dev server needs a Temporal CLI binary: ${cli.reason}`);
    const server = new TemporalServerProcess(cli.path, await freePort(), `${dir}/temporal.sqlite`, dir);
    await server.startProcess();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** The running process (for `unexpectedExit`), if any. */
  get process(): ManagedProcess | undefined {
    return this.proc;
  }

  /** Starts the server on the same port and SQLite file; resolves once gRPC accepts connections. */
  async startProcess(): Promise<number> {
    const startedAt = Date.now();
    this.starts += 1;
    const args = startDevArgs({
      host: '127.0.0.1',
      port: this.port,
      dbFile: this.dbFile,
      headless: true,
      logLevel: 'error',
    });
    const proc = startProcess({
      name: `temporal-${this.starts}`,
      run: { command: this.cliPath, args },
      env: baseEnv(),
      logFile: `${this.logDir}/temporal-${this.starts}.log`,
    });
    this.proc = proc;
    await waitFor(() => isPortOpen('127.0.0.1', this.port), {
      description: `the Temporal dev server on ${this.address}`,
      timeoutMs: 60_000,
      intervalMs: 50,
      signal: proc.unexpectedExit,
    });
    return Date.now() - startedAt;
  }

  /** Stops the server (`signal`, SIGKILL after 15 s) and waits until its port is closed. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ ms: number; forced: boolean }> {
    const proc = this.proc;
    if (proc === undefined) return { ms: 0, forced: false };
    const { ms, forced } = await proc.stop(signal, 15_000);
    await waitFor(async () => !(await isPortOpen('127.0.0.1', this.port)), {
      description: 'the Temporal port to close',
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    return { ms, forced };
  }
}
