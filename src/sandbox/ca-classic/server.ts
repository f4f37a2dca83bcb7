import type { AddressInfo } from 'node:net';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { delayOrLose, installLostResponses } from '../common/request-faults';
import { SlidingWindowLimiter } from '../mesh/rate-limit';
import { checkApiKey, type KeyCheck } from './auth';
import type { CaClassicContext } from './context';
import { CA_CLASSIC_CONTROL_PREFIX, registerControlRoutes, resetSandbox } from './control-routes';
import { CaClassicError, failureBody, messageForStatus } from './errors';
import { CaClassicFaultRegistry } from './faults';
import { registerMonitorRoutes } from './monitors';
import { registerSearchRoutes, success } from './searches';
import {
  cloneSettings,
  DEFAULT_CA_CLASSIC_API_KEY,
  settingsFrom,
  type CaClassicSandboxOptions,
  type CaClassicSettings,
} from './settings';
import { CaClassicStats } from './stats';
import { CaClassicStore } from './store';
import { usersContent } from './users';
import { CaClassicWebhooks } from './webhooks';

const isControl = (request: FastifyRequest) => request.url.startsWith(`${CA_CLASSIC_CONTROL_PREFIX}/`);

function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
}

/**
 * The request pipeline for API routes. onRequest: count it, `down` (503), an injected 429 (Retry-After),
 * the API key (401), the per-minute limit (429 with Retry-After), an injected 5xx; none of these handles the
 * request. preHandler: latency and the lost-response mark (the handler still does the work). onSend: the
 * request log (method, path, parameter names, how the key came, status; never bodies or the key).
 */
function installPipeline(app: FastifyInstance, ctx: CaClassicContext): void {
  const keys = new WeakMap<FastifyRequest, KeyCheck>();
  const lostResponses = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    if (isControl(request)) return;
    ctx.stats.requests += 1;
    const key = checkApiKey(request.headers.authorization, queryOf(request), ctx.apiKey);
    keys.set(request, key);
    if (key.queryKey) ctx.stats.queryKeyRequests += 1;

    const down = ctx.faults.take('down', request.method, request.url);
    if (down) {
      ctx.stats.faultInjected('down');
      if (down.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(down.retryAfterSeconds));
      return reply.code(down.status).send(failureBody(down.status, messageForStatus(down.status)));
    }
    const limited = ctx.faults.take('rate-limit', request.method, request.url);
    if (limited) {
      ctx.stats.faultInjected('rate-limit');
      return reply
        .code(429)
        .header('retry-after', String(limited.retryAfterSeconds ?? 1))
        .send(failureBody(429, messageForStatus(429)));
    }
    if (!key.valid) {
      return reply.code(401).send(failureBody(401, key.problem ?? messageForStatus(401)));
    }
    const verdict = ctx.limiter.tryAcquire(ctx.settings.rateLimitPerMinute);
    if (!verdict.accepted) {
      ctx.stats.rateLimited += 1;
      return reply
        .code(429)
        .header('retry-after', String(verdict.resetSeconds))
        .send(failureBody(429, messageForStatus(429)));
    }
    const failed = ctx.faults.take('server-error', request.method, request.url);
    if (failed) {
      ctx.stats.faultInjected('server-error');
      return reply.code(failed.status).send(failureBody(failed.status, messageForStatus(failed.status)));
    }
  });

  app.addHook('preHandler', async (request) => {
    if (isControl(request)) return;
    await delayOrLose(ctx, request, lostResponses);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (isControl(request)) return payload;
    const lost = lostResponses.has(request);
    const key = keys.get(request);
    ctx.stats.answered(reply.statusCode);
    if (lost) ctx.stats.lostResponses += 1;
    ctx.store.logRequest({
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      queryParameters: [...new Set(queryOf(request).keys())],
      auth: key?.via ?? 'none',
      queryKey: key?.queryKey ?? false,
      status: reply.statusCode,
      lost,
      at: new Date().toISOString(),
    });
    return payload;
  });

  installLostResponses(app, lostResponses);
}

export interface CaClassicServer {
  app: FastifyInstance;
  ctx: CaClassicContext;
}

export function buildCaClassicServer(options: CaClassicSandboxOptions = {}): CaClassicServer {
  // First, so a mistyped option fails before anything is built.
  const startSettings = settingsFrom(options);
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Bodies hold names and URLs may hold the API key: neither is logged.
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  });

  const faults = new CaClassicFaultRegistry();
  const stats = new CaClassicStats();
  const ctx: CaClassicContext = {
    store: new CaClassicStore(options.firstSearchId),
    settings: cloneSettings(startSettings),
    startSettings,
    faults,
    stats,
    limiter: new SlidingWindowLimiter(),
    webhooks: undefined as unknown as CaClassicWebhooks,
    log: app.log,
    apiKey: options.apiKey ?? DEFAULT_CA_CLASSIC_API_KEY,
    webhookHttpHosts: (options.webhookHttpHosts ?? []).map((h) => h.toLowerCase()),
  };
  ctx.webhooks = new CaClassicWebhooks({
    settings: () => ctx.settings,
    faults,
    stats,
    log: app.log,
    startUrls: options.webhookUrls ?? [],
  });

  // An empty JSON body is "no body", not a parse error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new CaClassicError(400, 'The request body is not valid JSON'), undefined);
    }
  });

  installPipeline(app, ctx);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof CaClassicError) return reply.code(err.status).send(err.body());
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send(failureBody(status, err.message));
    request.log.error({ err: { message: err.message, code: err.code } }, 'CA classic sandbox handler failed');
    return reply.code(500).send(failureBody(500, messageForStatus(500)));
  });
  // The same answer as a route that exists but is not served (e.g. one differences spelling).
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(failureBody(404, messageForStatus(404))));

  app.get('/users', () => success(usersContent()));
  registerSearchRoutes(app, ctx);
  registerMonitorRoutes(app, ctx);
  registerControlRoutes(app, ctx);

  app.addHook('onClose', (_instance, done) => {
    ctx.webhooks.clear();
    done();
  });
  return { app, ctx };
}

/** A running ComplyAdvantage classic sandbox (docs/providers/ca-classic-sandbox.md). */
export interface CaClassicSandbox {
  /**
   * Scheme, host and port: what CA_CLASSIC_BASE_URL takes. The API (`/searches`, `/users`) and the control
   * routes (`/_sandbox/ca-classic/…`) both live here, e.g. http://127.0.0.1:4014
   */
  url: string;
  port: number;
  /** Same as `POST /_sandbox/ca-classic/reset`. */
  reset(): void;
  settings(): CaClassicSettings;
  close(): Promise<void>;
  /** The internals, for tests that need to look closer. */
  readonly context: CaClassicContext;
}

export async function startCaClassicSandbox(
  options: CaClassicSandboxOptions = {},
): Promise<CaClassicSandbox> {
  const { app, ctx } = buildCaClassicServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    reset: () => resetSandbox(ctx),
    settings: () => ctx.settings,
    close: () => app.close(),
    context: ctx,
  };
}
