import { resolveTemporalCli, searchAttributeArgs } from '../../scripts/temporal-cli';
import { isPortOpen } from '../../scripts/wait-for';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { baseEnv, ChildProc } from './processes';
import { freePort } from './ports';
import { waitUntil } from './wait';

/**
 * A real `temporal server start-dev` as a child process, its state in a SQLite file, so a drill can stop it
 * and start it again on the same file (what an operator's restart does).
 */
export class TemporalServer {
  private proc: ChildProc | undefined;
  private starts = 0;

  private constructor(
    private readonly cliPath: string,
    readonly port: number,
    readonly dbFile: string,
    private readonly logDir: string,
  ) {}

  static async start(dir: string): Promise<TemporalServer> {
    const cli = await resolveTemporalCli({ log: (line) => process.stderr.write(`${line}\n`) });
    if (cli.kind !== 'path') throw new Error(`the drills need a Temporal CLI binary: ${cli.reason}`);
    const server = new TemporalServer(cli.path, await freePort(), `${dir}/temporal.sqlite`, dir);
    await server.startProcess();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Starts the server on the same port and SQLite file; resolves once gRPC accepts connections. */
  async startProcess(): Promise<number> {
    const startedAt = Date.now();
    this.starts += 1;
    const args = [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--db-filename',
      this.dbFile,
      '--log-level',
      'error',
      ...searchAttributeArgs(CUSTOM_SEARCH_ATTRIBUTES),
    ];
    const proc = ChildProc.start(`temporal-${this.starts}`, this.cliPath, args, baseEnv(), this.logDir);
    this.proc = proc;
    await waitUntil(
      `the Temporal dev server on ${this.address}`,
      60_000,
      async () => {
        if (!proc.running) throw new Error(`the Temporal dev server exited: ${proc.tail()}`);
        return isPortOpen('127.0.0.1', this.port);
      },
      50,
    );
    return Date.now() - startedAt;
  }

  /** Stops the server (SIGTERM, SIGKILL after 15 s) and waits until its port is closed. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ ms: number; forced: boolean }> {
    const proc = this.proc;
    if (proc === undefined) return { ms: 0, forced: false };
    const { ms, forced } = await proc.stop(signal, 15_000);
    await waitUntil(
      'the Temporal port to close',
      10_000,
      async () => !(await isPortOpen('127.0.0.1', this.port)),
    );
    return { ms, forced };
  }
}
