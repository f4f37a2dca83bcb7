import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { webhookUrlProblem } from '../mesh/webhook-configurations';
import type { ComplyCubeContext } from './context';
import { invalidRequest, notFound, parseBody } from './errors';
import { newId, newWebhookSecret } from './ids';
import { paged } from './lists';
import { newestFirst, nowIso, type WebhookRecord } from './store';

/**
 * Webhook registrations: create (201, the only answer that shows `secret`), list, read, update (POST),
 * delete. ComplyCube demands HTTPS; like the Mesh sandbox this one also takes plain http on loopback
 * and on the configured hosts, so a local bridge can receive deliveries. Event names are not checked
 * against a list: ComplyCube has more than the sandbox raises.
 */
const eventsSchema = z
  .array(z.string().min(1).max(100))
  .min(1)
  .refine((events) => !events.includes('*') || events.length === 1, {
    error: 'must be ["*"] or a list of event names',
  });

const createSchema = z
  .object({
    url: z.string(),
    enabled: z.boolean(),
    events: eventsSchema,
    description: z.string().max(500).optional(),
  })
  .strict();

const updateSchema = createSchema.partial().strict();

export function renderWebhook(w: WebhookRecord): Record<string, unknown> {
  return {
    id: w.id,
    url: w.url,
    enabled: w.enabled,
    events: [...w.events],
    ...(w.description === undefined ? {} : { description: w.description }),
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

function checkUrl(ctx: ComplyCubeContext, url: string): void {
  const problem = webhookUrlProblem(url, ctx.webhookHttpHosts);
  if (problem !== undefined) throw invalidRequest(`"url" ${problem}`, 'url');
}

export function registerWebhook(
  ctx: ComplyCubeContext,
  input: { url: string; enabled: boolean; events: string[]; description?: string; secret: string },
): WebhookRecord {
  const now = nowIso();
  const record: WebhookRecord = {
    id: newId(),
    ...input,
    createdAt: now,
    updatedAt: now,
    seq: ctx.store.nextSeq(),
  };
  ctx.store.webhooks.set(record.id, record);
  return record;
}

/** The `webhookUrls` option: every event, signed with the start secret (the documented dev secret by default). */
export function registerStartWebhooks(ctx: ComplyCubeContext): void {
  for (const url of ctx.webhookUrls) {
    registerWebhook(ctx, {
      url,
      enabled: true,
      events: ['*'],
      description: 'registered by the sandbox at start',
      secret: ctx.startWebhookSecret,
    });
  }
}

export function registerWebhookRoutes(app: FastifyInstance, ctx: ComplyCubeContext): void {
  const webhook = (id: string): WebhookRecord => {
    const w = ctx.store.webhooks.get(id);
    if (!w) throw notFound('Webhook', id);
    return w;
  };

  app.post('/v1/webhooks', (request, reply) => {
    const body = parseBody(createSchema, request.body);
    checkUrl(ctx, body.url);
    const record = registerWebhook(ctx, {
      url: body.url,
      enabled: body.enabled,
      events: body.events,
      ...(body.description === undefined ? {} : { description: body.description }),
      secret: newWebhookSecret(),
    });
    return reply.code(201).send({ ...renderWebhook(record), secret: record.secret });
  });

  app.get('/v1/webhooks', (request) =>
    paged(request.query as Record<string, unknown>, newestFirst(ctx.store.webhooks.values()), renderWebhook),
  );

  app.get<{ Params: { id: string } }>('/v1/webhooks/:id', (request) =>
    renderWebhook(webhook(request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/v1/webhooks/:id', (request) => {
    const w = webhook(request.params.id);
    const body = parseBody(updateSchema, request.body);
    if (body.url !== undefined) checkUrl(ctx, body.url);
    if (body.url !== undefined) w.url = body.url;
    if (body.enabled !== undefined) w.enabled = body.enabled;
    if (body.events !== undefined) w.events = body.events;
    if (body.description !== undefined) w.description = body.description;
    w.updatedAt = nowIso();
    return renderWebhook(w);
  });

  app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', (request, reply) => {
    ctx.store.webhooks.delete(webhook(request.params.id).id);
    return reply.code(204).send();
  });
}
