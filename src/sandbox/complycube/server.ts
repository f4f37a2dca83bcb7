import { delayOrLose, installLostResponses } from '../common/request-faults';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { Scheduler } from '../mesh/store';
import { checkApiKey, UNAUTHORIZED_MESSAGE } from './auth';
import { registerCheckRoutes } from './checks';
import { registerClientRoutes } from './clients';
import type { ComplyCubeContext } from './context';
import { registerControlRoutes } from './control-routes';
import { ComplyCubeError, typeForStatus } from './errors';
import { FaultRegistry } from './faults';
import { RATE_LIMIT_MESSAGE, SlidingSecondLimiter } from './rate-limit';
import {
  cloneSettings,
  COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
  DEFAULT_COMPLYCUBE_API_KEY,
  settingsFrom,
  type ComplyCubeSandboxOptions,
} from './settings';
import { ComplyCubeStats } from './stats';
import { ComplyCubeStore } from './store';
import { WebhookDispatcher } from './webhook-delivery';
import { registerStartWebhooks, registerWebhookRoutes } from './webhooks';

/**
 * The request pipeline for API routes: count the arrival, injected 429, API key, the sliding 1 s limit,
 * injected 5xx, latency, and a flag for "lost response" (the handler still does the work). The 429s
 * carry no rate-limit headers: ComplyCube documents none.
 */
function installPipeline(
  app: FastifyInstance,
  ctx: ComplyCubeContext,
  lostResponses: WeakSet<FastifyRequest>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    // Control routes (/_sandbox/...) are neither counted, limited nor faulted.
    if (request.url.startsWith('/_sandbox/')) return;
    ctx.stats.arrived();

    if (ctx.faults.take('rate-limit', request.method, request.url)) {
      ctx.stats.faultInjected('rate-limit');
      ctx.stats.rateLimited += 1;
      return reply.code(429).send({ type: 'rate_limit_exceeded', message: RATE_LIMIT_MESSAGE });
    }

    const verdict = checkApiKey(request.headers.authorization, ctx.apiKey);
    if (verdict !== 'valid') {
      return reply.code(401).send({ type: 'unauthorized', message: UNAUTHORIZED_MESSAGE[verdict] });
    }

    const now = Date.now();
    if (!ctx.limiter.tryAcquire(ctx.settings.rateLimitPerSecond, now)) {
      ctx.stats.rateLimited += 1;
      return reply.code(429).send({ type: 'rate_limit_exceeded', message: RATE_LIMIT_MESSAGE });
    }
    ctx.stats.served(now);

    const serverError = ctx.faults.take('server-error', request.method, request.url);
    if (serverError) {
      ctx.stats.faultInjected('server-error');
      return reply
        .code(serverError.status)
        .send({ type: 'internal_server_error', message: 'Injected server error (sandbox fault)' });
    }

    await delayOrLose(ctx, request, lostResponses);
  });

  installLostResponses(app, lostResponses);
}

export interface ComplyCubeServer {
  app: FastifyInstance;
  ctx: ComplyCubeContext;
}

export function buildComplyCubeServer(options: ComplyCubeSandboxOptions = {}): ComplyCubeServer {
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Bodies hold personal data and URLs hold filter values: neither is logged.
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  });

  const startSettings = settingsFrom(options);
  const scheduler = new Scheduler();
  const faults = new FaultRegistry();
  const stats = new ComplyCubeStats();
  const store = new ComplyCubeStore();
  const ctx: ComplyCubeContext = {
    store,
    scheduler,
    settings: cloneSettings(startSettings),
    startSettings,
    faults,
    stats,
    limiter: new SlidingSecondLimiter(),
    log: app.log,
    apiKey: options.apiKey ?? DEFAULT_COMPLYCUBE_API_KEY,
    startWebhookSecret: options.webhookSecret ?? COMPLYCUBE_SANDBOX_DEV_WEBHOOK_SECRET,
    webhookUrls: options.webhookUrls ?? [],
    webhookHttpHosts: (options.webhookHttpHosts ?? []).map((h) => h.toLowerCase()),
    webhooks: undefined as unknown as WebhookDispatcher,
  };
  ctx.webhooks = new WebhookDispatcher({
    settings: () => ctx.settings,
    webhook: (id) => store.webhooks.get(id),
    scheduler,
    faults,
    stats,
    log: app.log,
  });

  // An empty JSON body (curl -X POST with a content type) is "no body", not a parse error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ComplyCubeError(400, 'invalid_request', 'The request body is not valid JSON'), undefined);
    }
  });

  const lostResponses = new WeakSet<FastifyRequest>();
  installPipeline(app, ctx, lostResponses);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ComplyCubeError) return reply.code(err.status).send(err.body());
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send({ type: typeForStatus(status), message: err.message });
    request.log.error({ err: { message: err.message, code: err.code } }, 'ComplyCube sandbox handler failed');
    return reply.code(500).send({ type: 'internal_server_error', message: 'An unexpected error occurred' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      type: 'resource_not_found',
      message: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
    }),
  );

  registerClientRoutes(app, ctx);
  registerCheckRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerStartWebhooks(ctx);

  app.addHook('onClose', (_instance, done) => {
    scheduler.cancelAll();
    ctx.webhooks.clear();
    done();
  });
  return { app, ctx };
}
