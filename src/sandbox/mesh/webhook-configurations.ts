import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from './context';
import { isObject } from './customer-input';
import { newId } from './ids';
import { paginate } from './pagination';
import { badRequest, notFound, type FieldError } from './problem-details';
import { nowIso, type WebhookConfigRecord } from './store';

/**
 * Webhook configurations (docs/providers/mesh.md, "Webhooks"): create (201), list (?type=), patch; no delete.
 * The real API demands HTTPS and refuses private IPs; the sandbox also takes plain http on loopback
 * (and on hosts named in SANDBOX_WEBHOOK_HTTP_HOSTS) so a local bridge can receive deliveries.
 */
export const WEBHOOK_TYPES = [
  'CASE_CREATED',
  'CASE_TRANSITIONED',
  'CASE_STATE_UPDATED',
  'WORKFLOW_COMPLETED',
  'CASE_ALERT_LIST_UPDATED',
  'CUSTOMER_RISK_SCORE_CHANGED',
  'CUSTOMER_RISK_LEVEL_INCREASED',
  'CUSTOMER_RISK_LEVEL_DECREASED',
] as const;

const PATH = '/v2/notifications/configurations/webhook';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]';
}

function isPrivateAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) {
    const [a, b] = bare.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    );
  }
  if (isIP(bare) === 6) return /^(fc|fd|fe80)/i.test(bare);
  return false;
}

/** The reason a URL is refused, or undefined when it is acceptable. */
export function webhookUrlProblem(raw: unknown, httpHosts: readonly string[]): string | undefined {
  if (typeof raw !== 'string' || !URL.canParse(raw)) return 'must be an absolute URL';
  const url = new URL(raw);
  const host = url.hostname.toLowerCase();
  const allowedHttp = isLoopback(host) || httpHosts.includes(host);
  if (url.protocol === 'http:' && !allowedHttp) {
    return 'must use HTTPS (the sandbox also accepts http:// on loopback for local development)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use HTTPS';
  if (!allowedHttp && isPrivateAddress(host)) return 'must not point to a private IP address';
  return undefined;
}

function render(w: WebhookConfigRecord): Record<string, unknown> {
  return {
    identifier: w.identifier,
    name: w.name,
    type: w.type,
    url: w.url,
    is_active: w.isActive,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

function check(ctx: SandboxContext, body: Record<string, unknown>, partial: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const has = (key: string) => body[key] !== undefined;
  if ((!partial || has('name')) && (typeof body.name !== 'string' || body.name.trim() === '')) {
    errors.push({
      field: 'name',
      reasons: ['is required and must be a non-empty string'],
      rejected: body.name ?? null,
    });
  }
  if ((!partial || has('type')) && !WEBHOOK_TYPES.includes(body.type as (typeof WEBHOOK_TYPES)[number])) {
    errors.push({
      field: 'type',
      reasons: [`must be one of ${WEBHOOK_TYPES.join(', ')}`],
      rejected: body.type ?? null,
    });
  }
  if (!partial || has('url')) {
    const problem = webhookUrlProblem(body.url, ctx.webhookHttpHosts);
    if (problem) errors.push({ field: 'url', reasons: [problem], rejected: body.url ?? null });
  }
  if ((!partial || has('is_active')) && typeof body.is_active !== 'boolean') {
    errors.push({
      field: 'is_active',
      reasons: ['is required and must be true or false'],
      rejected: body.is_active ?? null,
    });
  }
  return errors;
}

export function registerWebhook(
  ctx: SandboxContext,
  input: { name: string; type: string; url: string; isActive: boolean },
): WebhookConfigRecord {
  const now = nowIso();
  const record: WebhookConfigRecord = {
    identifier: newId('webhook'),
    ...input,
    createdAt: now,
    updatedAt: now,
  };
  ctx.store.webhooks.set(record.identifier, record);
  return record;
}

export function registerWebhookConfigurationRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post(PATH, (request, reply) => {
    const body = isObject(request.body) ? request.body : {};
    const errors = check(ctx, body, false);
    if (errors.length > 0) throw badRequest(errors);
    const record = registerWebhook(ctx, {
      name: body.name as string,
      type: body.type as string,
      url: body.url as string,
      isActive: body.is_active as boolean,
    });
    return reply.code(201).send(render(record));
  });

  app.get(PATH, (request) => {
    const type = (request.query as Record<string, unknown>).type;
    const all = [...ctx.store.webhooks.values()].filter((w) => type === undefined || w.type === type);
    return paginate(request, all, render, typeof type === 'string' ? { type } : {});
  });

  app.patch<{ Params: { id: string } }>(`${PATH}/:id`, (request) => {
    const record = ctx.store.webhooks.get(request.params.id);
    if (!record) throw notFound('Webhook configuration', request.params.id);
    const body = isObject(request.body) ? request.body : {};
    const errors = check(ctx, body, true);
    if (errors.length > 0) throw badRequest(errors);
    if (typeof body.name === 'string') record.name = body.name;
    if (typeof body.type === 'string') record.type = body.type;
    if (typeof body.url === 'string') record.url = body.url;
    if (typeof body.is_active === 'boolean') record.isActive = body.is_active;
    record.updatedAt = nowIso();
    return render(record);
  });

  /** Sends one signed TEST event to the URL; the result shows up in /_sandbox/deliveries. */
  app.post(`${PATH}/test`, (request, reply) => {
    const body = isObject(request.body) ? request.body : {};
    const problem = webhookUrlProblem(body.url, ctx.webhookHttpHosts);
    if (problem) throw badRequest([{ field: 'url', reasons: [problem], rejected: body.url ?? null }]);
    const webhookId = ctx.webhooks.send({
      url: body.url as string,
      subscriptionType: 'TEST',
      payload: { api_version: 'v2', webhook_type: 'TEST', message: 'Test webhook from the Mesh sandbox' },
    });
    return reply.code(202).send({ webhook_id: webhookId });
  });
}
