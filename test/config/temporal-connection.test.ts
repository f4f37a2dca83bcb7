import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { loadTemporalConfig } from '../../src/platform/config/temporal';
import {
  clientConnectionOptions,
  connectTemporalClient,
  connectTemporalWorker,
  lazyTemporalBridgeConnection,
  nativeConnectionOptions,
} from '../../src/platform/temporal/connection';
import { installTestRuntime } from '../helpers/temporal';
import { startFakeGrpcServer, type FakeGrpcServer } from './fake-grpc-server';
import { createTestPki, type TestPki } from './tls-fixtures';

/**
 * Real connections, from the environment to the wire: each connection kind against a tiny local gRPC
 * endpoint over TLS (test CA from openssl), checking what the server sees: the Bearer API key, the
 * client certificate, the gRPC headers. GetSystemInfo is what both SDKs call first.
 */
let pki: TestPki;
const servers: FakeGrpcServer[] = [];
const connections: (Connection | NativeConnection)[] = [];

beforeAll(() => {
  pki = createTestPki();
  // The worker's NativeConnection needs a Runtime; the test one (no metrics, quiet logs) will do.
  installTestRuntime();
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => pki.remove());

async function tlsServer(opts: { mutual?: boolean; status?: number } = {}): Promise<FakeGrpcServer> {
  const server = await startFakeGrpcServer({
    tls: {
      cert: pki.pem.serverCert,
      key: pki.pem.serverKey,
      ...(opts.mutual === true && { clientCA: pki.pem.caCert }),
    },
    ...(opts.status !== undefined && { status: opts.status }),
  });
  servers.push(server);
  return server;
}

const secured = (address: string, extra: Record<string, string> = {}) =>
  loadTemporalConfig({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.path.caCert,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    ...extra,
  });

const systemInfoCalls = (server: FakeGrpcServer) =>
  server.calls.filter((c) => c.path === '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo');

describe('Temporal connections on the wire', () => {
  it('client Connection: TLS verified against the CA, API key as authorization: Bearer, gRPC headers', async () => {
    const server = await tlsServer();
    const config = secured(server.address, {
      TEMPORAL_API_KEY: 'the-api-key',
      TEMPORAL_GRPC_META_X_TENANT: 'acme',
    });
    connections.push(await connectTemporalClient(config));

    const [call] = systemInfoCalls(server);
    expect(call?.headers['authorization']).toBe('Bearer the-api-key');
    expect(call?.headers['x-tenant']).toBe('acme');
    expect(call?.clientCertCN).toBeUndefined();
  });

  it('worker NativeConnection: mTLS presents the client certificate, with the API key', async () => {
    const server = await tlsServer({ mutual: true });
    const config = secured(server.address, {
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.path.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey,
      TEMPORAL_API_KEY: 'worker-key',
    });
    connections.push(await connectTemporalWorker(config));

    const [call] = systemInfoCalls(server);
    expect(call?.clientCertCN).toBe('test-client');
    expect(call?.headers['authorization']).toBe('Bearer worker-key');
  });

  it("refuses a server whose certificate the trusted CAs did not sign (no CA set: the system's roots)", async () => {
    const server = await tlsServer();
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_API_KEY: 'k',
    });
    await expect(
      connectTemporalClient(config, { connectTimeout: 1_000 }).then((c) => connections.push(c)),
    ).rejects.toThrow();
    expect(systemInfoCalls(server)).toEqual([]);
  });

  it('bridge: lazy (nothing dialled until used), TLS and API key, and 3 attempts on UNAVAILABLE', async () => {
    const server = await tlsServer({ status: 14 });
    const connection = lazyTemporalBridgeConnection(
      secured(server.address, { TEMPORAL_API_KEY: 'bridge-key' }),
    );
    connections.push(connection);
    expect(server.calls).toEqual([]);

    await expect(connection.workflowService.getSystemInfo({})).rejects.toMatchObject({ code: 14 });
    const calls = systemInfoCalls(server);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.headers['authorization'])).toEqual(Array(3).fill('Bearer bridge-key'));
  });
});

describe('connection options', () => {
  it('plaintext by default, for both SDKs', () => {
    const config = loadTemporalConfig({});
    const expected = { address: '127.0.0.1:7233', tls: false, metadata: {} };
    expect(clientConnectionOptions(config)).toEqual(expected);
    expect(nativeConnectionOptions(config)).toEqual(expected);
  });

  it('mTLS: CA, server name, certificate and key bytes as the SDKs take them', () => {
    const config = secured('temporal.example:7233', {
      TEMPORAL_TLS_CLIENT_CERT_DATA: pki.pem.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey,
    });
    expect(nativeConnectionOptions(config)).toEqual({
      address: 'temporal.example:7233',
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: Buffer.from(pki.pem.caCert),
        clientCertPair: { crt: Buffer.from(pki.pem.clientCert), key: Buffer.from(pki.pem.clientKey) },
      },
      metadata: {},
    });
  });
});
