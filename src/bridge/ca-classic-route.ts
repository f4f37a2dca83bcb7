import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX, type CaClassicSearchEvent } from '../contracts/ca-classic';
import { caClassicSearchEvents, parseCaClassicPayload, type CaClassicNotice } from './ca-classic-payload';
import type { CaClassicWebhookToken } from './config';
import { refuse } from './http-errors';
import { PayloadError } from './payload';
import { TemporalUnavailableError, type Signaller } from './signaller';
import { compileAddressMatcher, isAllowedAddress } from './source-address';

export { CA_CLASSIC_WEBHOOK_ROUTE_PREFIX };
/** The registered pattern (also the metrics' route label): the token never reaches a label or a log. */
export const CA_CLASSIC_WEBHOOK_ROUTE = `${CA_CLASSIC_WEBHOOK_ROUTE_PREFIX}/:token`;
/** Classic webhooks carry ids and a few names: a few KiB at most. */
export const CA_CLASSIC_BODY_LIMIT_BYTES = 1024 * 1024;

/** Why a request was refused before its body was read: the URL token, or the address it came from. */
export type CaClassicRejection = 'token' | 'source';

export interface CaClassicRouteDeps {
  /** One or more; each names the account its events belong to. */
  tokens: readonly CaClassicWebhookToken[];
  /** Addresses and CIDR ranges (as `loadBridgeConfig` checked them) the webhooks may come from. */
  sources: readonly string[];
  signaller: Signaller;
  /** Its own rejection log: a flood of guessed tokens on this route does not hide the others' refusals. */
  logRejection: (log: FastifyBaseLogger, reason: CaClassicRejection) => void;
  /** Where the rejection log writes: the bridge's logger, marked with the provider. */
  rejectionLogger: FastifyBaseLogger;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The account of the token in the URL, or undefined. Every configured token is compared, always, as
 * SHA-256 digests (a fixed length) with `timingSafeEqual`: the time taken tells neither a token's length nor
 * which one matched.
 */
export function createTokenCheck(
  tokens: readonly CaClassicWebhookToken[],
): (presented: string | undefined) => string | undefined {
  const known = tokens.map(({ token, account }) => ({ digest: sha256(token.reveal()), account }));
  return (presented) => {
    const digest = sha256(presented ?? '');
    let account: string | undefined;
    for (const candidate of known) {
      const equal = timingSafeEqual(digest, candidate.digest);
      if (equal && account === undefined) account = candidate.account;
    }
    return presented === undefined ? undefined : account;
  };
}

function forbidden(reply: FastifyReply): FastifyReply {
  return reply
    .code(403)
    .send({ statusCode: 403, error: 'Forbidden', message: 'webhooks are not accepted from this address' });
}

/**
 * `POST /webhooks/complyadvantage-classic/:token` (docs/bridge.md, "ComplyAdvantage classic route"). The
 * webhooks are unsigned: before the body is even read, the token must be one of the configured ones (else
 * 404, as for a path that does not exist) and the sender's address one of the sources (else 403); the
 * address is the socket's peer, or with trusted proxies configured the client they name
 * (`X-Forwarded-For`, Fastify's `trustProxy`). Then 400 naming the field, 503 while Temporal is unreachable,
 * 200 once every event of the body is signalled to its search's inbox. The raw-body content type parser is
 * the app's.
 */
export function registerCaClassicRoute(app: FastifyInstance, deps: CaClassicRouteDeps): void {
  const { signaller, logRejection, rejectionLogger } = deps;
  const accountOf = createTokenCheck(deps.tokens);
  const sources = compileAddressMatcher(deps.sources);
  /** The account each admitted request's token belongs to, from its check to its handler. */
  const admitted = new WeakMap<FastifyRequest, string>();

  app.post<{ Params: { token: string } }>(
    CA_CLASSIC_WEBHOOK_ROUTE,
    {
      bodyLimit: CA_CLASSIC_BODY_LIMIT_BYTES,
      // Before the body is read: a refused request costs no parsing, and a wrong token looks like a
      // path that does not exist, whatever the body (no 413, no 400).
      onRequest: async (request, reply) => {
        const account = accountOf(request.params.token);
        if (account === undefined) {
          logRejection(rejectionLogger, 'token');
          return reply.callNotFound();
        }
        if (!isAllowedAddress(sources, request.ip)) {
          // The address is no secret, and is what an operator needs (a proxy not listed as trusted).
          logRejection(rejectionLogger.child({ sourceAddress: request.ip }), 'source');
          return forbidden(reply);
        }
        admitted.set(request, account);
        return undefined;
      },
    },
    async (request, reply) => {
      const receivedAt = new Date();
      const account = admitted.get(request);
      if (account === undefined) return reply.callNotFound();
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

      let notices: CaClassicNotice[];
      try {
        notices = parseCaClassicPayload(JSON.parse(raw.toString('utf8')) as unknown);
      } catch (err) {
        if (err instanceof SyntaxError) return refuse(reply, 400, 'body is not valid JSON');
        if (err instanceof PayloadError) {
          request.log.warn({ provider: 'ca-classic', account, field: err.field }, 'webhook payload refused');
          return refuse(reply, 400, err.message);
        }
        throw err;
      }
      const events: CaClassicSearchEvent[] = caClassicSearchEvents(raw, notices, receivedAt);

      // No dedupe of the bridge's own: the body hash is the only key, and the inbox drops repeats by it.
      try {
        for (const event of events) await signaller.routeCaClassicEvent(account, event);
      } catch (err) {
        if (err instanceof TemporalUnavailableError) {
          request.log.warn(
            { provider: 'ca-classic', account, eventId: events[0]?.eventId, err: err.message },
            'Temporal unavailable, asking the sender to retry',
          );
          return refuse(reply, 503, 'temporarily unavailable, retry later');
        }
        throw err;
      }

      const first = events[0];
      request.log.info(
        {
          provider: 'ca-classic',
          account,
          // Flat fields: a nested object costs the logger a generic serialisation on every webhook.
          eventId: first?.eventId,
          event: first?.event,
          searchIds: events.map((e) => e.searchId),
          ...(first?.monitoringChanges !== undefined && { monitoringChanges: first.monitoringChanges }),
          ...(first?.suspended !== undefined && { suspended: first.suspended }),
          outcome: 'signalled',
          workflow: 'ca-classic-search',
          events: events.length,
        },
        'webhook handled',
      );
      return reply
        .code(200)
        .send({ status: 'signalled', workflow: 'ca-classic-search', events: events.length });
    },
  );
}
