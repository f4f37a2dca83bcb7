import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The headers a Mesh delivery carries that the bridge needs; everything else stays behind. */
const FORWARDED = [
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-complyadvantage-signature',
];

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * A stand-in for the network between Mesh and the bridge: passes deliveries through unchanged, except
 * that it cuts the connection, unanswered, of the first `drops` deliveries `shouldDrop` picks. To the
 * sender that is a failed attempt it must retry (mesh-api-notes.md: 1 s, 5 s, 10 s, same webhook-id).
 */
export class DroppingFront {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** The webhook-ids of the deliveries that were cut off. */
    readonly dropped: readonly string[],
  ) {}

  static async start(options: {
    target: string;
    drops: number;
    shouldDrop: (body: Record<string, unknown>) => boolean;
  }): Promise<DroppingFront> {
    let dropsLeft = options.drops;
    const dropped: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          // Not JSON: pass it on and let the bridge refuse it.
        }
        if (dropsLeft > 0 && options.shouldDrop(parsed)) {
          dropsLeft -= 1;
          dropped.push(String(req.headers['webhook-id']));
          req.socket.destroy();
          return;
        }
        fetch(options.target, { method: 'POST', headers: forwardedHeaders(req.headers), body })
          .then(async (upstream) => {
            res.writeHead(upstream.status, {
              'content-type': upstream.headers.get('content-type') ?? 'application/json',
            });
            res.end(Buffer.from(await upstream.arrayBuffer()));
          })
          .catch(() => req.socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new DroppingFront(server, `http://127.0.0.1:${port}${new URL(options.target).pathname}`, dropped);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
