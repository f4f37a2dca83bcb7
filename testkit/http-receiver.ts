/**
 * A local HTTP endpoint that records every request it gets (headers and exact body bytes) and answers
 * as the caller says: where a test or drill stands in for a webhook receiver, or for the network in
 * front of one.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers one request; the default answers 200 with `{}`. */
export type Answer = (request: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

const answerOk: Answer = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
};

export class HttpReceiver {
  private constructor(
    private readonly server: Server,
    /** The base URL with `path`, e.g. http://127.0.0.1:41234/webhooks */
    readonly url: string,
    /** Every request, in the order its body was complete. */
    readonly received: ReceivedRequest[],
  ) {}

  /** Listens on a free port of 127.0.0.1; `url` ends with `path`. */
  static async start(options: { path?: string; answer?: Answer } = {}): Promise<HttpReceiver> {
    const answer = options.answer ?? answerOk;
    const received: ReceivedRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        received.push(request);
        Promise.resolve(answer(request, res)).catch(() => req.socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new HttpReceiver(server, `http://127.0.0.1:${port}${options.path ?? ''}`, received);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The headers of a request that are among `names` and single-valued. */
export function pickHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** The headers of a Mesh webhook delivery that a receiver needs to verify it. */
export const WEBHOOK_HEADERS = [
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-complyadvantage-signature',
] as const;
