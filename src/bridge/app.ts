import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  CA_CLASSIC_WEBHOOK_ROUTE,
  CA_CLASSIC_WEBHOOK_ROUTE_PREFIX,
  registerCaClassicRoute,
  type CaClassicRejection,
} from './ca-classic-route';
import { COMPLYCUBE_WEBHOOK_ROUTE, registerComplyCubeRoute } from './complycube-route';
import type { BridgeConfig } from './config';
import { COS_WEBHOOK_ROUTE, registerCosRoute, type CosRouteSummary } from './cos-route';
import { DeliveryDedupe } from './delivery-dedupe';
import { deliverEvent, type DeliveryOutcome } from './deliver-event';
import { refuse, registerErrorHandling } from './http-errors';
import { parseWebhookPayload, PayloadError, type WebhookEvent } from './payload';
import { createRejectionLog } from './rejection-log';
import { createSignatureVerifier, SIGNATURE_TOLERANCE_SECONDS, type SignatureFailure } from './signature';
import { TemporalUnavailableError, type Signaller } from './signaller';

export const WEBHOOK_ROUTE = '/webhooks/complyadvantage';
export { CA_CLASSIC_WEBHOOK_ROUTE, COMPLYCUBE_WEBHOOK_ROUTE, COS_WEBHOOK_ROUTE };
/** Case webhooks are a few KiB; anything near this is not one of them. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);
/**
 * How long the bridge remembers a legacy delivery (keyed by its body hash): as long as a Standard Webhooks
 * delivery can be replayed at all. A legacy signature never expires, so a later replay still reaches the
 * workflow, which drops it as it drops any delivery key it has seen.
 */
const LEGACY_DEDUPE_TTL_MS = SIGNATURE_TOLERANCE_SECONDS * 1000;

export type BridgeAppConfig = Pick<
  BridgeConfig,
  'webhookSecrets' | 'legacySecret' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'dedupe'
> &
  // Optional here so callers that predate the ComplyCube, COS and CA-classic routes build a Mesh-only bridge unchanged.
  Partial<
    Pick<BridgeConfig, 'complyCubeWebhookSecrets' | 'cosWebhookCredentials' | 'caClassic' | 'trustedProxies'>
  >;

export interface BridgeDeps {
  config: BridgeAppConfig;
  signaller: Signaller;
  /** A pino logger made by `createBridgeLogger` (redaction configured there). */
  logger: FastifyBaseLogger;
}

/**
 * The webhook service as a Fastify instance, not yet listening (`app.inject` in tests, `listen` in
 * main.ts). Exactly three routes, plus one with ComplyCube secrets configured, one with COS
 * credentials configured and one with CA-classic tokens configured (six at most); everything else is a 404
 * from the one error handler.
 */
export function buildBridge({ config, signaller, logger }: BridgeDeps): FastifyInstance {
  const trustedProxies = config.trustedProxies ?? [];
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // No implicit HEAD routes: the surface is exactly the routes below.
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // Behind reverse proxies, `request.ip` is the client their `X-Forwarded-For` names, walking from the
    // right past the listed proxies only (@fastify/proxy-addr); otherwise the socket's peer. Only the
    // CA-classic route reads the address; no route reads `X-Forwarded-Host` or `-Proto`.
    ...(trustedProxies.length > 0 && { trustProxy: [...trustedProxies] }),
    // Probes come every few seconds and would drown the lines that matter; a webhook already gets exactly
    // one line with its outcome (handled, rejected, refused), and Fastify's two request lines per webhook
    // cost more CPU than verifying it (bench/bridge-throughput.ts).
    logController: new LogController({
      disableRequestLogging: (request) => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        return (
          PROBE_ROUTES.has(path) ||
          // The path holds the CA-classic token: never logged, whether the route is on, matched or not.
          path.toLowerCase().startsWith(CA_CLASSIC_WEBHOOK_ROUTE_PREFIX) ||
          path === WEBHOOK_ROUTE ||
          path === COMPLYCUBE_WEBHOOK_ROUTE ||
          path === COS_WEBHOOK_ROUTE
        );
      },
    }),
  });

  const verify = createSignatureVerifier(config);
  const dedupe = new DeliveryDedupe<DeliveryOutcome>(config.dedupe);
  const logRejection = createRejectionLog();

  registerErrorHandling(app);

  // On close, Fastify drops idle keep-alive sockets, but a socket whose request is still running stays
  // open once answered and holds the shutdown until its keep-alive timeout (72 s). Answers sent while
  // closing therefore say `Connection: close`, so each socket ends with its last request.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Signatures cover the exact bytes received, so the body stays a Buffer until it has been verified;
  // JSON.parse happens in the handler, after verification, whatever Content-Type the sender claims.
  app.removeAllContentTypeParsers();
  // No limit of its own: the server's (BODY_LIMIT_BYTES) applies, and a route may set a larger one.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const ready = await signaller.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'temporal-unreachable' });
  });

  app.post(WEBHOOK_ROUTE, async (request, reply) => {
    const receivedAt = new Date();
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    const check = verify(raw, request.headers);
    if (!check.ok) {
      logRejection(request.log, check.reason);
      return refuse(reply, 401, 'missing or invalid webhook signature');
    }
    const { scheme, webhookId } = check.delivery;

    let event: WebhookEvent;
    try {
      event = parseWebhookPayload(JSON.parse(raw.toString('utf8')) as unknown);
    } catch (err) {
      if (err instanceof SyntaxError) return refuse(reply, 400, 'body is not valid JSON');
      if (err instanceof PayloadError) {
        request.log.warn({ webhookId, field: err.field }, 'webhook payload refused');
        return refuse(reply, 400, err.message);
      }
      throw err;
    }

    let delivered: { result: DeliveryOutcome; duplicate: boolean };
    try {
      delivered = await dedupe.run(
        webhookId,
        () => deliverEvent(event, signaller, { webhookId, receivedAt }),
        scheme === 'legacy' ? { ttlMs: LEGACY_DEDUPE_TTL_MS } : {},
      );
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        request.log.warn({ webhookId, err: err.message }, 'Temporal unavailable, asking the sender to retry');
        return refuse(reply, 503, 'temporarily unavailable, retry later');
      }
      throw err;
    }

    const { result, duplicate } = delivered;
    request.log.info(
      {
        webhookId,
        scheme,
        ...(event.kind === 'case-event'
          ? {
              webhookType: event.webhookType,
              caseType: event.caseType,
              caseIdentifier: event.caseIdentifier,
              externalIdentifier: event.externalIdentifier,
              decisionType: event.decisionType,
            }
          : { webhookType: event.webhookType, caseType: event.caseType, apiVersion: event.apiVersion }),
        // Flat fields: a nested object costs the logger a generic serialisation on every webhook.
        outcome: result.status,
        ...('workflow' in result ? { workflow: result.workflow } : { ignoredBecause: result.reason }),
        duplicate,
      },
      'webhook handled',
    );
    return reply.code(200).send({ ...result, ...(duplicate && { duplicate: true }) });
  });

  // Served only when its secrets are configured: without them the route does not exist (404).
  const complyCubeSecrets = config.complyCubeWebhookSecrets ?? [];
  if (complyCubeSecrets.length > 0) {
    registerComplyCubeRoute(app, {
      secrets: complyCubeSecrets,
      signaller,
      dedupe,
      logRejection: createRejectionLog(),
      rejectionLogger: logger.child({ provider: 'complycube' }),
    });
  }

  // Likewise for COS: served only with both Basic credentials configured.
  if (config.cosWebhookCredentials !== undefined) {
    registerCosRoute(app, {
      credentials: config.cosWebhookCredentials,
      signaller,
      // The same dedupe: COS keys are prefixed `cos:`, so this route only reads back its own summaries,
      // and the other routes never see one (hence the narrower view of the same instance).
      dedupe: dedupe as unknown as DeliveryDedupe<CosRouteSummary>,
      logRejection: createRejectionLog(),
      rejectionLogger: logger.child({ provider: 'cos' }),
    });
  }

  // And for ComplyAdvantage classic: served only with one or more URL tokens configured.
  const caClassicTokens = config.caClassic?.tokens ?? [];
  if (config.caClassic !== undefined && caClassicTokens.length > 0) {
    const logRejection = createRejectionLog();
    registerCaClassicRoute(app, {
      tokens: caClassicTokens,
      sources: config.caClassic.sources,
      signaller,
      // The rejection log keeps a window per reason, whatever its name: these are this route's two.
      logRejection: (log, reason: CaClassicRejection) =>
        logRejection(log, reason as unknown as SignatureFailure),
      rejectionLogger: logger.child({ provider: 'ca-classic' }),
    });
  }

  return app;
}
