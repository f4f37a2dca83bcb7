import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedDelivery {
  headers: Record<string, string>;
  body: Buffer;
  webhookType: string;
  caseIdentifier: string;
  decisionType: string | null;
}

const KEPT_HEADERS = ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];

/**
 * Stands where the bridge would be: answers every delivery 200 and keeps it, signed headers and exact
 * bytes, so the drill can replay the real deliveries later, repeated and in any order.
 */
export class CaptureFront {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly captured: CapturedDelivery[],
  ) {}

  static async start(path: string): Promise<CaptureFront> {
    const captured: CapturedDelivery[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const parsed = JSON.parse(body.toString('utf8')) as {
          webhook_type?: string;
          case_identifier?: string;
          case_stage?: { decision_type?: string | null };
        };
        captured.push({
          headers,
          body,
          webhookType: parsed.webhook_type ?? '',
          caseIdentifier: parsed.case_identifier ?? '',
          decisionType: parsed.case_stage?.decision_type ?? null,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new CaptureFront(server, `http://127.0.0.1:${port}${path}`, captured);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
