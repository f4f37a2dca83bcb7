import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pickLatency } from './faults';

type Range = { min: number; max: number };

/** What both sandboxes share for the faults that act on a request once it is admitted. */
export interface RequestFaultContext {
  settings: { latencyMs: Range };
  faults: {
    take(kind: 'latency' | 'lost-response', method: string, url: string): { latencyMs: Range } | undefined;
  };
  stats: { faultInjected(kind: 'latency' | 'lost-response'): void };
}

/**
 * The configured latency plus an injected one, then marks the request whose answer is to be lost: it is
 * processed in full, and its socket closes instead of the answer (installLostResponses).
 */
export async function delayOrLose(
  ctx: RequestFaultContext,
  request: FastifyRequest,
  lostResponses: WeakSet<FastifyRequest>,
): Promise<void> {
  let delay = pickLatency(ctx.settings.latencyMs);
  const slow = ctx.faults.take('latency', request.method, request.url);
  if (slow) {
    ctx.stats.faultInjected('latency');
    delay += pickLatency(slow.latencyMs);
  }
  if (delay > 0) await sleep(delay);

  if (ctx.faults.take('lost-response', request.method, request.url)) {
    ctx.stats.faultInjected('lost-response');
    lostResponses.add(request);
  }
}

/** The work is done; the answer never arrives: the client sees the connection close mid-request. */
export function installLostResponses(app: FastifyInstance, lostResponses: WeakSet<FastifyRequest>): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (lostResponses.has(request)) {
      reply.raw.once('error', () => undefined);
      request.raw.socket.destroy();
    }
    return payload;
  });
}
