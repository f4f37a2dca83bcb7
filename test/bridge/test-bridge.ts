/**
 * A bridge app for the route tests (through Fastify's inject): the fake signaller, info logs collected as
 * lines, and a config of test defaults (a fresh Mesh secret, no legacy secret) with `overrides`.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildBridge, type BridgeAppConfig } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { Secret } from '../../src/platform/config/secret';
import { FakeSignaller } from './fake-signaller';
import { newSecret } from '../../testkit/webhooks';

export interface TestBridge {
  app: FastifyInstance;
  signaller: FakeSignaller;
  logs: string[];
}

export function buildTestBridge(overrides: Partial<BridgeAppConfig> = {}): TestBridge {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const config: BridgeAppConfig = {
    webhookSecrets: [new Secret(newSecret())],
    legacySecret: undefined,
    requestTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    dedupe: { maxEntries: 100, ttlMs: 60_000 },
    ...overrides,
  };
  const signaller = new FakeSignaller();
  const app = buildBridge({ config, signaller, logger: createBridgeLogger('info', stream) });
  return { app, signaller, logs };
}
