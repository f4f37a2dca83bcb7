/**
 * A server under load for bench/bridge-throughput.ts, run in its own process so the load generator never
 * shares its event loop. Both kinds start the same way (this file, through tsx), so the comparison is fair:
 *
 *   bare         node:http: reads the whole body, answers 200 with a small JSON body. The ceiling.
 *   bridge-stub  the bridge exactly as src/bridge/main.ts wires it (config from the environment, the
 *                production logger, the metrics hooks), with Temporal replaced by a signaller that
 *                acknowledges at once: what the HTTP side costs, signature check and parsing included.
 *
 * The kind comes in BENCH_TARGET. Listens on 127.0.0.1 on a free port and tells the parent the port over
 * IPC. Logs go to /dev/null: their formatting is part of the cost measured, the disk is not.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildBridge } from '../src/bridge/app';
import { createBridgeLogger } from '../src/bridge/logger';
import type { Signaller } from '../src/bridge/signaller';
import { loadBridgeConfig } from '../src/bridge/config';
import { loadOrExit } from '../src/platform/config/env';
import { loadLoggingConfig } from '../src/platform/config/logging';
import { createBridgeMetrics, instrumentBridge } from '../src/bridge/metrics';
import { logDestination } from '../src/platform/logging/logger';

export type TargetKind = 'bare' | 'bridge-stub';

export interface TargetReady {
  port: number;
}

/** Temporal's durable acknowledgement, taken as instantaneous: every onboarding is running. */
const acknowledgingSignaller: Signaller = {
  signalOnboarding: () => Promise.resolve('signalled'),
  signalMonitoringCase: () => Promise.resolve('signalled'),
  signalComplyCubeCheck: () => Promise.resolve('signalled'),
  routeCoreEvent: () => Promise.resolve('signalled'),
  routeCaClassicEvent: () => Promise.resolve('signalled'),
  isReady: () => Promise.resolve(true),
};

const BARE_ANSWER = JSON.stringify({ status: 'signalled', workflow: 'onboarding' });

async function listenBare(keepAliveTimeoutMs: number): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Touch the bytes the way a handler would before answering.
      Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(BARE_ANSWER);
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  return (server.address() as AddressInfo).port;
}

async function listenBridge(): Promise<number> {
  const config = loadOrExit(() => loadBridgeConfig());
  const logging = loadOrExit(() => loadLoggingConfig());
  // The production destination (asynchronous writes), pointed at /dev/null.
  const logger = createBridgeLogger(logging.bridgeLevel, logDestination('/dev/null'));
  const app = buildBridge({ config, signaller: acknowledgingSignaller, logger });
  instrumentBridge(app, createBridgeMetrics());
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  return (app.server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const kind = process.env['BENCH_TARGET'];
  if (kind !== 'bare' && kind !== 'bridge-stub') throw new Error(`expected bare or bridge-stub, got ${kind}`);
  // The same keep-alive timeout for both, so neither drops the load generator's connections.
  const keepAliveTimeoutMs = loadOrExit(() => loadBridgeConfig()).keepAliveTimeoutMs;
  const port = kind === 'bare' ? await listenBare(keepAliveTimeoutMs) : await listenBridge();
  const ready: TargetReady = { port };
  process.send?.(ready);
}

main().catch((err: unknown) => {
  process.stderr.write(`bridge-target failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
