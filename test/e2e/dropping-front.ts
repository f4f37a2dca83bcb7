import { HttpReceiver, pickHeaders, WEBHOOK_HEADERS } from '../../testkit/http-receiver';

/**
 * A stand-in for the network between Mesh and the bridge: passes deliveries through unchanged (the
 * headers the bridge needs, the exact bytes), except that it cuts the connection, unanswered, of the
 * first `drops` deliveries `shouldDrop` picks. To the sender that is a failed attempt it must retry
 * (docs/providers/mesh.md: 1 s, 5 s, 10 s, same webhook-id).
 */
export class DroppingFront {
  private constructor(
    private readonly receiver: HttpReceiver,
    /** The webhook-ids of the deliveries that were cut off. */
    readonly dropped: readonly string[],
  ) {}

  get url(): string {
    return this.receiver.url;
  }

  static async start(options: {
    target: string;
    drops: number;
    shouldDrop: (body: Record<string, unknown>) => boolean;
  }): Promise<DroppingFront> {
    let dropsLeft = options.drops;
    const dropped: string[] = [];
    const receiver = await HttpReceiver.start({
      path: new URL(options.target).pathname,
      answer: async (request, res) => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
        } catch {
          // Not JSON: pass it on and let the bridge refuse it.
        }
        if (dropsLeft > 0 && options.shouldDrop(parsed)) {
          dropsLeft -= 1;
          dropped.push(String(request.headers['webhook-id']));
          res.socket?.destroy();
          return;
        }
        const upstream = await fetch(options.target, {
          method: 'POST',
          headers: pickHeaders(request.headers, WEBHOOK_HEADERS),
          body: request.body,
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      },
    });
    return new DroppingFront(receiver, dropped);
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}
