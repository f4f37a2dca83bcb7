import { delayOrLose, installLostResponses } from '../common/request-faults';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { TokenStore, UNAUTHORIZED_DETAIL } from './auth';
import type { SandboxContext } from './context';
import { registerControlRoutes, registerStartWebhooks, cloneSettings } from './control-routes';
import { registerCustomerRoutes } from './customers';
import { FaultRegistry } from './faults';
import { PROBLEM_CONTENT_TYPE, problemBody, ProblemError, titleFor } from './problem-details';
import { RATE_LIMIT_BODY, rateLimitHeaders, SlidingWindowLimiter } from './rate-limit';
import { DEFAULT_PASSWORD, SANDBOX_DEV_WEBHOOK_SECRET, settingsFrom, type SandboxOptions } from './settings';
import { SandboxStats } from './stats';
import { SandboxStore, Scheduler } from './store';
import { registerTokenRoutes, TOKEN_ROUTES } from './token-routes';
import { registerWebhookConfigurationRoutes } from './webhook-configurations';
import { WebhookDispatcher } from './webhook-delivery';
import { registerWorkflowRoutes } from './workflows';

const CONTROL_PREFIX = '/_sandbox';
/** What API gateways answer a refused request with: no problem details, one word. */
const GATEWAY_FORBIDDEN_BODY = { message: 'Forbidden' };

function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  title: string,
  detail: string,
  err?: ProblemError,
): FastifyReply {
  return reply
    .code(status)
    .headers(err?.headers ?? {})
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(status, title, detail, request.url.split('?')[0] ?? request.url, err?.errors ?? []));
}

/**
 * The request pipeline for Mesh routes, in the order a real gateway would apply it: count the
 * arrival, injected 429, injected gateway 403, bearer auth, the account's sliding-window limit, injected 5xx, latency,
 * and finally a flag for "lost response" (the handler still does the work).
 */
function installPipeline(
  app: FastifyInstance,
  ctx: SandboxContext,
  lostResponses: WeakSet<FastifyRequest>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(CONTROL_PREFIX)) return;
    const now = Date.now();
    const routeUrl = request.routeOptions.url;
    ctx.stats.arrived(`${request.method} ${routeUrl ?? '(no route)'}`, now);

    const injected429 = ctx.faults.take('rate-limit', request.method, request.url);
    if (injected429) {
      ctx.stats.faultInjected('rate-limit');
      const limit = ctx.settings.rateLimitPerMinute > 0 ? ctx.settings.rateLimitPerMinute : 300;
      return reply
        .code(429)
        .headers(rateLimitHeaders({ limit, remaining: 0, resetSeconds: injected429.resetSeconds }))
        .send(RATE_LIMIT_BODY);
    }

    // A gateway in front of Mesh (WAF, IP allow-list) refusing before the API sees the request.
    if (ctx.faults.take('gateway-forbidden', request.method, request.url)) {
      ctx.stats.faultInjected('gateway-forbidden');
      return reply.code(403).type('application/json').send(GATEWAY_FORBIDDEN_BODY);
    }

    if (routeUrl === undefined || !TOKEN_ROUTES.has(routeUrl)) {
      const verdict = ctx.tokens.check(request.headers.authorization);
      if (verdict !== 'valid') {
        return reply
          .code(401)
          .send({ title: 'Unauthorized', status: 401, detail: UNAUTHORIZED_DETAIL[verdict] });
      }
    }

    const limit = ctx.limiter.tryAcquire(ctx.settings.rateLimitPerMinute, now);
    if (limit.limit > 0) void reply.headers(rateLimitHeaders(limit));
    if (!limit.accepted) {
      ctx.stats.rateLimited429 += 1;
      return reply.code(429).send(RATE_LIMIT_BODY);
    }
    ctx.stats.accepted(now);

    const serverError = ctx.faults.take('server-error', request.method, request.url);
    if (serverError) {
      ctx.stats.faultInjected('server-error');
      return sendProblem(
        reply,
        request,
        serverError.status,
        titleFor(serverError.status),
        'Injected server error (sandbox fault)',
      );
    }

    await delayOrLose(ctx, request, lostResponses);
  });

  installLostResponses(app, lostResponses);

  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith(CONTROL_PREFIX)) ctx.stats.answered(reply.statusCode);
  });
}

export interface SandboxServer {
  app: FastifyInstance;
  ctx: SandboxContext;
}

export function buildSandboxServer(options: SandboxOptions = {}): SandboxServer {
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Request logs would carry URLs and never help here; bodies hold personal data and are never logged.
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  });

  const startSettings = settingsFrom(options);
  const scheduler = new Scheduler();
  const faults = new FaultRegistry();
  const ctx: SandboxContext = {
    store: new SandboxStore(),
    scheduler,
    settings: cloneSettings(startSettings),
    startSettings,
    faults,
    stats: new SandboxStats(),
    tokens: new TokenStore(),
    limiter: new SlidingWindowLimiter(),
    log: app.log,
    password: options.password ?? DEFAULT_PASSWORD,
    webhookUrls: options.webhookUrls ?? [],
    webhookHttpHosts: (options.webhookHttpHosts ?? []).map((h) => h.toLowerCase()),
    webhooks: undefined as unknown as WebhookDispatcher,
  };
  ctx.webhooks = new WebhookDispatcher({
    settings: () => ctx.settings,
    secret: options.webhookSecret ?? SANDBOX_DEV_WEBHOOK_SECRET,
    scheduler,
    faults,
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
      const err = new Error('The request body is not valid JSON') as FastifyError;
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  // OAuth clients often post the token request as a form.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(
        null,
        Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))),
      );
    },
  );

  const lostResponses = new WeakSet<FastifyRequest>();
  installPipeline(app, ctx, lostResponses);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ProblemError)
      return sendProblem(reply, request, err.status, err.title, err.detail, err);
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) return sendProblem(reply, request, status, titleFor(status), err.message);
    request.log.error({ err: { message: err.message, code: err.code } }, 'sandbox handler failed');
    return sendProblem(reply, request, 500, titleFor(500), 'An unexpected error occurred');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      404,
      'Not Found',
      `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
    ),
  );

  registerTokenRoutes(app, ctx);
  registerWorkflowRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerWebhookConfigurationRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerStartWebhooks(ctx);

  app.addHook('onClose', (_instance, done) => {
    scheduler.cancelAll();
    ctx.webhooks.clear();
    done();
  });
  return { app, ctx };
}
