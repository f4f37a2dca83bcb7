import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { delayOrLose, installLostResponses, type RequestFaultContext } from '../common/request-faults';
import { validApiKey } from './auth';
import { registerCheckRoutes } from './checks';
import type { RiskSandboxContext } from './context';
import { registerControlRoutes, RISK_CONTROL_PREFIX } from './control-routes';
import { codeForStatus, RiskSandboxError } from './errors';
import { RiskFaultRegistry } from './faults';
import { cloneSettings, DEFAULT_RISK_API_KEY, settingsFrom, type RiskSandboxOptions } from './settings';
import { RiskRequestLog, RiskStats, RiskStore } from './state';

const isControl = (request: FastifyRequest) => request.url.startsWith(`${RISK_CONTROL_PREFIX}/`);

/** Our external identifier from a parsed body, for fault matching and the request log (nothing else). */
function externalIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as Record<string, unknown>).externalId;
  return typeof id === 'string' && id !== '' && id.length <= 500 ? id : undefined;
}

/**
 * The request pipeline for API routes. On arrival: count it, `down` (503), the API key (401). Once the body
 * is parsed: an injected 429 (with Retry-After) or 5xx, the latency, and the flag for a lost response (the
 * handler still does the work, the connection drops instead of the answer). Every answer goes to the
 * request log with our identifier only.
 */
function installPipeline(app: FastifyInstance, ctx: RiskSandboxContext): void {
  const lostResponses = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    if (isControl(request)) return;
    ctx.stats.arrived();
    if (ctx.settings.down) {
      ctx.stats.faultInjected('down');
      return reply
        .code(503)
        .send(new RiskSandboxError(503, 'service_unavailable', 'The service is down').body());
    }
    if (!validApiKey(request.headers['api-key'], ctx.apiKey)) {
      return reply
        .code(401)
        .send(new RiskSandboxError(401, 'unauthorized', 'A valid api-key header is required').body());
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (isControl(request)) return;
    const externalId = externalIdOf(request.body);
    const limited = ctx.faults.take('rate-limit', externalId);
    if (limited) {
      ctx.stats.faultInjected('rate-limit');
      if (limited.retryAfterSeconds > 0) void reply.header('retry-after', String(limited.retryAfterSeconds));
      return reply.code(429).send(new RiskSandboxError(429, 'rate_limited', 'Too many requests').body());
    }
    const serverError = ctx.faults.take('server-error', externalId);
    if (serverError) {
      ctx.stats.faultInjected('server-error');
      return reply
        .code(serverError.status)
        .send(
          new RiskSandboxError(
            serverError.status,
            codeForStatus(serverError.status),
            'Injected server error',
          ).body(),
        );
    }
    // The shared latency and lost-response faults, matched on this request's customer.
    const faultContext: RequestFaultContext = {
      settings: ctx.settings,
      faults: { take: (kind) => ctx.faults.take(kind, externalId) },
      stats: ctx.stats,
    };
    await delayOrLose(faultContext, request, lostResponses);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (isControl(request)) return payload;
    const lost = lostResponses.has(request);
    const externalId = externalIdOf(request.body);
    ctx.stats.answered(reply.statusCode);
    if (lost) ctx.stats.lostResponses += 1;
    ctx.requests.add({
      at: new Date().toISOString(),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      ...(externalId !== undefined && { externalId }),
      status: reply.statusCode,
      ...(lost && { lost: true }),
    });
    return payload;
  });

  installLostResponses(app, lostResponses);
}

export interface RiskSandboxServer {
  app: FastifyInstance;
  ctx: RiskSandboxContext;
}

export function buildRiskSandboxServer(options: RiskSandboxOptions = {}): RiskSandboxServer {
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Bodies hold personal data: requests are not logged.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  const startSettings = settingsFrom(options);
  const ctx: RiskSandboxContext = {
    store: new RiskStore(),
    settings: cloneSettings(startSettings),
    startSettings,
    faults: new RiskFaultRegistry(),
    stats: new RiskStats(),
    requests: new RiskRequestLog(),
    log: app.log,
    apiKey: options.apiKey ?? DEFAULT_RISK_API_KEY,
  };

  installPipeline(app, ctx);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RiskSandboxError) return reply.code(err.status).send(err.body());
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) {
      // Fastify's own refusals (malformed JSON, wrong content type): its message names no value.
      return reply.code(status).send(new RiskSandboxError(status, codeForStatus(status), err.message).body());
    }
    request.log.error({ err: { message: err.message, code: err.code } }, 'risk sandbox handler failed');
    return reply
      .code(500)
      .send(new RiskSandboxError(500, 'internal_error', 'An unexpected error occurred').body());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        new RiskSandboxError(
          404,
          'not_found',
          `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
        ).body(),
      ),
  );

  registerCheckRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  return { app, ctx };
}
