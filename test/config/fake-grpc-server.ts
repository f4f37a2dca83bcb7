import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * A tiny gRPC endpoint on node:http2 standing in for Temporal's frontend: it records each call's method
 * path, headers and the client certificate's CN, and answers every unary call with an empty message
 * (which decodes as any empty response, e.g. GetSystemInfoResponse) and `status` (0: OK).
 */
export interface RecordedCall {
  path: string;
  headers: IncomingHttpHeaders;
  /** The CN of the certificate the client presented (mTLS); undefined without one. */
  clientCertCN: string | undefined;
}

export interface FakeGrpcServer {
  address: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export interface FakeGrpcOptions {
  tls?: {
    cert: string;
    key: string;
    /** Require a client certificate signed by this CA. */ clientCA?: string;
  };
  /** gRPC status of every answer; 14 is UNAVAILABLE (retried by the SDK). */
  status?: number;
}

export async function startFakeGrpcServer(options: FakeGrpcOptions = {}): Promise<FakeGrpcServer> {
  const calls: RecordedCall[] = [];
  const status = options.status ?? 0;
  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    const peer = typeof socket?.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const cn = peer?.subject?.CN;
    calls.push({
      path: String(headers[':path']),
      headers,
      clientCertCN: Array.isArray(cn) ? cn.join(',') : cn,
    });
    stream.on('data', () => undefined);
    stream.on('end', () => {
      if (stream.destroyed) return;
      if (status !== 0) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status) },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // One length-prefixed message of zero bytes: not compressed, length 0.
      stream.end(Buffer.alloc(5));
    });
  };
  const tls = options.tls;
  const server: Http2Server | Http2SecureServer =
    tls === undefined
      ? createServer()
      : createSecureServer({
          cert: tls.cert,
          key: tls.key,
          ...(tls.clientCA !== undefined && {
            ca: tls.clientCA,
            requestCert: true,
            rejectUnauthorized: true,
          }),
        });
  server.on('stream', onStream);
  // Handshake failures are the clients' business (and the tests' expectation), not the server's.
  server.on('tlsClientError', () => undefined);
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
