import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
  type TLSConfig,
} from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalConfig } from '../config/temporal';

/**
 * The one place that opens connections to Temporal, so the worker, the bridge, the starter and the
 * client module all get the same TLS, mTLS, API key and headers (loadTemporalConfig resolves them).
 * Not for workflow code: it pulls in the client and the native worker.
 */
export type TemporalTarget = Pick<TemporalConfig, 'address' | 'connection'>;

/** Options every connection shares; credentials are revealed only here, into the SDK's options. */
function sharedOptions({ address, connection }: TemporalTarget): {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
  metadata: Record<string, string>;
} {
  const { tls } = connection;
  return {
    address,
    tls:
      tls === undefined
        ? false
        : {
            ...(tls.serverName !== undefined && { serverNameOverride: tls.serverName }),
            ...(tls.serverCACert !== undefined && { serverRootCACertificate: tls.serverCACert }),
            ...(tls.clientCertPair !== undefined && {
              clientCertPair: {
                crt: tls.clientCertPair.crt,
                key: Buffer.from(tls.clientCertPair.key.reveal(), 'utf8'),
              },
            }),
          },
    ...(connection.apiKey !== undefined && { apiKey: connection.apiKey.reveal() }),
    metadata: Object.fromEntries(Object.entries(connection.metadata).map(([k, v]) => [k, v.reveal()])),
  };
}

/** `Connection` options (the client SDK, grpc-js) for `target`, plus anything else a caller sets. */
export function clientConnectionOptions(
  target: TemporalTarget,
  extra: Omit<ConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'> = {},
): ConnectionOptions {
  return { ...extra, ...sharedOptions(target) };
}

/** `NativeConnection` options (the worker, Core) for `target`. */
export function nativeConnectionOptions(
  target: TemporalTarget,
  extra: Omit<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'> = {},
): NativeConnectionOptions {
  return { ...extra, ...sharedOptions(target) };
}

/** A connected client `Connection` (the starter, the client module): fails if Temporal does not answer. */
export function connectTemporalClient(
  target: TemporalTarget,
  extra?: Omit<ConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'>,
): Promise<Connection> {
  return Connection.connect(clientConnectionOptions(target, extra));
}

/**
 * The bridge's `Connection`: lazy, so the bridge starts (not ready, 503 on webhooks) while Temporal is
 * down, and with 3 gRPC attempts instead of the SDK's 10, so an unreachable Temporal yields a 503 within
 * a second (drills/temporal-outage.ts checks it) while two quick retries (~0.5 s) still ride over a blip.
 */
export function lazyTemporalBridgeConnection(target: TemporalTarget): Connection {
  return Connection.lazy(
    clientConnectionOptions(target, {
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
    }),
  );
}

/** The worker's `NativeConnection`; install the Runtime first (src/platform/temporal/worker-runtime.ts). */
export function connectTemporalWorker(
  target: TemporalTarget,
  extra?: Omit<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'>,
): Promise<NativeConnection> {
  return NativeConnection.connect(nativeConnectionOptions(target, extra));
}
