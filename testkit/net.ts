/**
 * Ports and sockets for tests, benchmarks and drills: a free port, "does anything answer here", and a
 * TCP pass-through that can play a network outage or hold a call in flight.
 */
import { get } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now (bound, then released): for a server that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The HTTP status of a GET, or undefined if nothing answers. */
export function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

/** Splits `host:port`. */
export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/**
 * A TCP pass-through to `target` (host:port) on a fixed local port, for what a client sees of its server
 * going away and coming back (`down()`, `up()`), or of a call provably in flight (`hold`: every connection
 * waits, unconnected, until `release()`).
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly held: (() => void)[] = [];
  private holding: boolean;
  private firstConnection: () => void = () => undefined;
  /** Resolves when the first client has connected. */
  readonly connected = new Promise<void>((resolve) => (this.firstConnection = resolve));

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    hold: boolean,
  ) {
    this.holding = hold;
  }

  /** A proxy on a free port; listening at once unless `up: false` (then nothing answers until `up()`). */
  static async start(
    targetAddress: string,
    options: { up?: boolean; hold?: boolean } = {},
  ): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), splitHostPort(targetAddress), options.hold ?? false);
    if (options.up !== false) await proxy.up();
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const pipe = () => {
        const upstream = connect(this.target.port, this.target.host);
        this.sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          this.sockets.delete(client);
          this.sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      };
      this.sockets.add(client);
      if (this.holding) this.held.push(pipe);
      else pipe();
      this.firstConnection();
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Lets the held connections (and every later one) through. */
  release(): void {
    this.holding = false;
    for (const pipe of this.held.splice(0)) pipe();
  }

  /** Closes every connection and stops listening: the server is gone, as far as the client can tell. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
