import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Secret } from '../platform/config/secret';
import { parseComplyCubePayload, type ComplyCubeWebhookEvent } from './complycube-payload';
import { createComplyCubeSignatureVerifier } from './complycube-signature';
import type { DeliveryOutcome } from './deliver-event';
import type { DeliveryDedupe } from './delivery-dedupe';
import { refuse } from './http-errors';
import { PayloadError } from './payload';
import type { createRejectionLog } from './rejection-log';
import { TemporalUnavailableError, type Signaller } from './signaller';

export const COMPLYCUBE_WEBHOOK_ROUTE = '/webhooks/complycube';

/** The key a ComplyCube event is remembered by in the bridge's dedupe, beside Mesh's `webhook-id`s. */
function complyCubeDeliveryKey(eventId: string): string {
  return `complycube:${eventId}`;
}

export interface ComplyCubeRouteDeps {
  secrets: readonly Secret[];
  signaller: Signaller;
  /** The bridge's one dedupe, shared with the Mesh route (keys are prefixed, so they never collide). */
  dedupe: DeliveryDedupe<DeliveryOutcome>;
  /** Its own rejection log: a flood of forgeries on one route does not hide the other's. */
  logRejection: ReturnType<typeof createRejectionLog>;
  /** Where the rejection log writes: the bridge's logger, marked with the provider. */
  rejectionLogger: FastifyBaseLogger;
}

/**
 * `POST /webhooks/complycube`: verify the raw bytes, parse, relay a check event to the check's inbox
 * workflow (docs/bridge.md, "ComplyCube route"). The answers are the Mesh route's: 401 before anything
 * is parsed, 400 naming the field, 503 while Temporal is unreachable (ComplyCube retries), 200 once the
 * signal is accepted or the event is acknowledged and ignored. The body limit (413) and the raw-body
 * content type parser are the app's.
 */
export function registerComplyCubeRoute(app: FastifyInstance, deps: ComplyCubeRouteDeps): void {
  const { signaller, dedupe, logRejection, rejectionLogger } = deps;
  const verify = createComplyCubeSignatureVerifier(deps.secrets);

  app.post(COMPLYCUBE_WEBHOOK_ROUTE, async (request, reply) => {
    const receivedAt = new Date();
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    const check = verify(raw, request.headers);
    if (!check.ok) {
      logRejection(rejectionLogger, check.reason);
      return refuse(reply, 401, 'missing or invalid webhook signature');
    }

    let event: ComplyCubeWebhookEvent;
    try {
      event = parseComplyCubePayload(JSON.parse(raw.toString('utf8')) as unknown);
    } catch (err) {
      if (err instanceof SyntaxError) return refuse(reply, 400, 'body is not valid JSON');
      if (err instanceof PayloadError) {
        request.log.warn({ provider: 'complycube', field: err.field }, 'webhook payload refused');
        return refuse(reply, 400, err.message);
      }
      throw err;
    }

    let delivered: { result: DeliveryOutcome; duplicate: boolean };
    try {
      delivered = await dedupe.run(complyCubeDeliveryKey(event.eventId), async () => {
        if (event.kind === 'ignored') return { status: 'ignored', reason: event.reason };
        // Ids and the type only: the payload's status and outcome are a hint the workflow does not trust.
        await signaller.signalComplyCubeCheck({
          eventId: event.eventId,
          eventType: event.eventType,
          checkId: event.checkId,
          receivedAt: receivedAt.toISOString(),
        });
        return { status: 'signalled', workflow: 'complycube-check' };
      });
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        request.log.warn(
          { provider: 'complycube', eventId: event.eventId, err: err.message },
          'Temporal unavailable, asking the sender to retry',
        );
        return refuse(reply, 503, 'temporarily unavailable, retry later');
      }
      throw err;
    }

    const { result, duplicate } = delivered;
    request.log.info(
      {
        provider: 'complycube',
        eventId: event.eventId,
        eventType: event.eventType,
        ...(event.kind === 'check-event' && { checkId: event.checkId }),
        // Flat fields: a nested object costs the logger a generic serialisation on every webhook.
        outcome: result.status,
        ...('workflow' in result ? { workflow: result.workflow } : { ignoredBecause: result.reason }),
        duplicate,
      },
      'webhook handled',
    );
    return reply.code(200).send({ ...result, ...(duplicate && { duplicate: true }) });
  });
}
