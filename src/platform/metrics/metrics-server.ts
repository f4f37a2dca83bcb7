import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError, loadOrExit } from '../config/env';
import { metricsAddressProblem, type HostPort } from '../config/metrics';

export interface MetricsServer {
  /** The bound address (port 0 resolves to the port chosen). */
  address: HostPort;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry` on its own port, apart from any public listener (the webhook
 * port exposes only the webhook and the probes). Everything else is a 404. With `owner`, an address that
 * cannot be bound (taken by a second bridge on the host, not local) is a ConfigError naming its variable.
 */
export async function startMetricsServer(
  registry: Registry,
  at: HostPort,
  owner?: 'worker' | 'bridge',
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        owner !== undefined && err.syscall === 'listen'
          ? new ConfigError([metricsAddressProblem(owner, at, err.code)])
          : err,
      );
    server.once('error', failed);
    server.listen(at.port, at.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: at.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

/** For entry points: like loadOrExit, an address that cannot be bound stops the process with one line, exit code 2. */
export async function startMetricsServerOrExit(
  registry: Registry,
  at: HostPort,
  owner: 'worker' | 'bridge',
): Promise<MetricsServer> {
  try {
    return await startMetricsServer(registry, at, owner);
  } catch (err) {
    return loadOrExit(() => {
      throw err;
    });
  }
}
