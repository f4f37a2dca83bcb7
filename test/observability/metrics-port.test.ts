/**
 * A second worker or bridge on a host finds its metrics port taken (the default 127.0.0.1:9464 / 9465 by
 * the first one): it stops at start with one line naming the variable to set, exit code 2, instead of
 * Core's or Node's bare "Address already in use". The real processes, with a test server on the port.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ConfigError } from '../../src/platform/config/env';
import { metricsAddressProblem, type HostPort } from '../../src/platform/config/metrics';
import { startMetricsServer } from '../../src/platform/metrics/metrics-server';
import { freePort } from '../../testkit/net';

const ROOT = join(__dirname, '..', '..');

let occupant: Server;
let taken: HostPort;
beforeAll(async () => {
  occupant = createServer();
  await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
  taken = { host: '127.0.0.1', port: (occupant.address() as { port: number }).port };
});
afterAll(async () => {
  await new Promise<void>((resolve) => occupant.close(() => resolve()));
});

interface Run {
  code: number | null;
  stderr: string;
}

/** `npm run <entry>` as one node process with tsx's loader and only `env` (no HOME: no profile file). */
function runEntry(entry: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', entry],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr }),
    );
  });
}

describe('a metrics port already taken', () => {
  it('stops the worker at start: exit 2, one line naming WORKER_METRICS_ADDRESS and off', async () => {
    const run = await runEntry('src/worker/main.ts', {
      MESH_BASE_URL: 'http://127.0.0.1:4010',
      MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default',
      MESH_ACCESS_KEY: 'ak',
      MESH_SECRET: 'secret',
      // Nothing listens there: the worker must stop before it ever dials.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      WORKER_METRICS_ADDRESS: `${taken.host}:${taken.port}`,
    });
    expect(run).toEqual({
      code: 2,
      stderr:
        `configuration error: WORKER_METRICS_ADDRESS: 127.0.0.1:${taken.port} is already in use (another worker on this host?): ` +
        'set WORKER_METRICS_ADDRESS to a free host:port, or to off\n',
    });
  });

  it('stops the bridge at start: exit 2, one line naming BRIDGE_METRICS_ADDRESS and off', async () => {
    const run = await runEntry('src/bridge/main.ts', {
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(await freePort()),
      WEBHOOK_SECRET: Buffer.from('a-webhook-signing-secret-32-byte').toString('base64'),
      WEBHOOK_LOG_LEVEL: 'silent',
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      BRIDGE_METRICS_ADDRESS: `${taken.host}:${taken.port}`,
    });
    expect(run).toEqual({
      code: 2,
      stderr:
        `configuration error: BRIDGE_METRICS_ADDRESS: 127.0.0.1:${taken.port} is already in use (another bridge on this host?): ` +
        'set BRIDGE_METRICS_ADDRESS to a free host:port, or to off\n',
    });
  });

  it('startMetricsServer: a ConfigError for its owner, the plain listen error without one', async () => {
    const registry = new Registry();
    await expect(startMetricsServer(registry, taken, 'bridge')).rejects.toEqual(
      new ConfigError([metricsAddressProblem('bridge', taken, 'EADDRINUSE')]),
    );
    await expect(startMetricsServer(registry, taken)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('says why for an address that is not this host', () => {
    expect(metricsAddressProblem('worker', { host: '192.0.2.1', port: 9464 }, 'EADDRNOTAVAIL')).toBe(
      'WORKER_METRICS_ADDRESS: cannot listen on 192.0.2.1:9464 (not an address of this host): set WORKER_METRICS_ADDRESS to a free host:port, or to off',
    );
  });
});
