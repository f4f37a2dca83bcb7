import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { delayOrLose, installLostResponses } from '../common/request-faults';
import { checkBearer, registerTokenRoute, TOKEN_PATH } from './auth';
import type { CosContext } from './context';
import { COS_CONTROL_PREFIX, registerControlRoutes } from './control-routes';
import { registerCustomerRoutes } from './customers';
import { CosError, errorBody } from './errors';
import { CosEventHub } from './events';
import { CosFaultRegistry } from './faults';
import { Idempotency } from './idempotency';
import { registerRegistrationRoutes, registerStartRegistrations } from './registrations';
import { cloneSettings, settingsFrom, ZERO_PARTNER_ID, type CosSandboxOptions } from './settings';
import { CosStats } from './stats';
import { CosStore } from './store';
import { Timers } from './time';

export const REQUEST_ID_HEADER = 'request-id';

const isControl = (request: FastifyRequest) => request.url.startsWith(`${COS_CONTROL_PREFIX}/`);
const isToken = (request: FastifyRequest) => request.url.split('?')[0] === TOKEN_PATH;

/**
 * The request pipeline. onRequest: a request id on every answer, then for API routes `down`, an injected
 * 429, the bearer token and an injected 5xx, none of which handles the request. preHandler (once the body
 * is read): the idempotency replay, then latency and the lost-response mark. onSend: keep the answer for
 * its idempotency key, and log the request.
 */
function installPipeline(app: FastifyInstance, ctx: CosContext, idempotency: Idempotency): void {
  const requestIds = new WeakMap<FastifyRequest, string>();
  const lostResponses = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const requestId = randomUUID();
    requestIds.set(request, requestId);
    void reply.header(REQUEST_ID_HEADER, requestId);
    if (isControl(request)) return;
    ctx.stats.requests += 1;
    if (isToken(request)) return;

    const down = ctx.faults.take('down', request.method, request.url);
    if (down) {
      ctx.stats.faultInjected('down');
      if (down.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(down.retryAfterSeconds));
      return reply.code(down.status).send(errorBody(down.status, 'COS is unavailable (sandbox fault)'));
    }
    const limited = ctx.faults.take('rate-limit', request.method, request.url);
    if (limited) {
      ctx.stats.faultInjected('rate-limit');
      return reply
        .code(429)
        .header('retry-after', String(limited.retryAfterSeconds ?? 1))
        .send(errorBody(429, 'Too many requests (sandbox fault)'));
    }
    const unauthorized = checkBearer(ctx, request.headers.authorization);
    if (unauthorized !== undefined) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send(errorBody(401, unauthorized));
    }
    const failed = ctx.faults.take('server-error', request.method, request.url);
    if (failed) {
      ctx.stats.faultInjected('server-error');
      return reply
        .code(failed.status)
        .send(errorBody(failed.status, 'Injected server error (sandbox fault)'));
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (isControl(request)) return;
    if (!isToken(request) && idempotency.before(request, reply, requestIds.get(request) ?? '')) return reply;
    await delayOrLose(ctx, request, lostResponses);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (isControl(request)) return payload;
    idempotency.after(request, reply, payload);
    ctx.store.logRequest({
      requestId: requestIds.get(request) ?? '',
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      replayed: idempotency.replayed.has(request),
      idempotencyKey: Idempotency.keyOf(request) !== undefined,
      lost: lostResponses.has(request),
      at: new Date().toISOString(),
    });
    return payload;
  });

  installLostResponses(app, lostResponses);
}

export interface CosServer {
  app: FastifyInstance;
  ctx: CosContext;
}

export function buildCosServer(options: CosSandboxOptions): CosServer {
  // First, so a mistyped option fails before anything is built.
  const startSettings = settingsFrom(options);
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Bodies hold personal data and credentials: never logged.
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  });

  const store = new CosStore();
  const timers = new Timers();
  const faults = new CosFaultRegistry();
  const stats = new CosStats();
  const ctx: CosContext = {
    store,
    timers,
    settings: cloneSettings(startSettings),
    startSettings,
    faults,
    stats,
    events: undefined as unknown as CosEventHub,
    log: app.log,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    partnerId: options.partnerId ?? ZERO_PARTNER_ID,
    startRegistrations: options.webhookRegistrations ?? [],
    webhookHttpHosts: (options.webhookHttpHosts ?? []).map((h) => h.toLowerCase()),
  };
  ctx.events = new CosEventHub({ store, timers, settings: () => ctx.settings, faults, stats, log: app.log });
  const idempotency = new Idempotency(ctx);

  // The exact bytes are kept: idempotency compares bodies byte for byte.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    idempotency.rawBodies.set(request, bytes);
    const text = bytes.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new CosError(400, 'Bad Request', 'The request body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (request, body, done) => {
      const bytes = body as Buffer;
      idempotency.rawBodies.set(request, bytes);
      done(null, Object.fromEntries(new URLSearchParams(bytes.toString('utf8'))));
    },
  );

  installPipeline(app, ctx, idempotency);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof CosError) return reply.code(err.status).send(err.body());
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send(errorBody(status, err.message));
    request.log.error({ err: { message: err.message, code: err.code } }, 'COS sandbox handler failed');
    return reply.code(500).send(errorBody(500, 'An unexpected error occurred'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );

  registerTokenRoute(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerRegistrationRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerStartRegistrations(ctx, ctx.startRegistrations);

  app.addHook('onClose', (_instance, done) => {
    timers.cancelAll();
    ctx.events.clear();
    done();
  });
  return { app, ctx };
}
