import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CORE_EVENT_NAMES } from '../../contracts/core-banking';
import { webhookUrlProblem } from '../mesh/webhook-configurations';
import type { CosContext } from './context';
import { badRequest, CosError, notFound, parseBody, titleFor } from './errors';
import type { CosStartRegistration } from './settings';
import type { RegistrationRecord } from './store';
import { recordTimestamp } from './time';

/**
 * Webhook registrations (docs/providers/cos-sandbox.md, "Webhooks"): one per event name. The tutorial
 * names the kind `registrationType`, the API reference `type`: either is accepted (both must agree when
 * both are sent). A Push registration needs a `callbackUrl`, HTTPS (plain http on loopback and on the
 * configured hosts, for a local bridge). A Poll registration is kept, and its events queue, but the
 * sandbox serves no poll route.
 */
const registrationSchema = z
  .looseObject({
    partnerId: z
      .string()
      .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
        error: 'must be a GUID',
      }),
    eventName: z.string().trim().min(1).max(200),
    type: z.enum(['Push', 'Poll']).optional(),
    registrationType: z.enum(['Push', 'Poll']).optional(),
    callbackUrl: z.string().optional(),
    format: z.enum(['Basic', 'Extended']).default('Basic'),
    authUsername: z.string().min(1).max(200).optional(),
    authPassword: z.string().max(200).optional(),
  })
  .superRefine((body, issues) => {
    if (body.type === undefined && body.registrationType === undefined) {
      issues.addIssue({ code: 'custom', path: ['type'], message: 'is required', input: undefined });
    }
    if (
      body.type !== undefined &&
      body.registrationType !== undefined &&
      body.type !== body.registrationType
    ) {
      issues.addIssue({ code: 'custom', path: ['registrationType'], message: 'must match type' });
    }
    if ((body.type ?? body.registrationType) === 'Push' && body.callbackUrl === undefined) {
      issues.addIssue({ code: 'custom', path: ['callbackUrl'], message: 'is required', input: undefined });
    }
    if (body.authPassword !== undefined && body.authUsername === undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['authUsername'],
        message: 'is required with authPassword',
        input: undefined,
      });
    }
  });

/** The password is never answered. */
export function renderRegistration(r: RegistrationRecord): Record<string, unknown> {
  return {
    id: r.id,
    partnerId: r.partnerId,
    eventName: r.eventName,
    type: r.type,
    format: r.format,
    ...(r.callbackUrl === undefined ? {} : { callbackUrl: r.callbackUrl }),
    ...(r.authUsername === undefined ? {} : { authUsername: r.authUsername }),
    state: r.state,
    createdAt: r.createdAt,
    lastModifiedAt: r.lastModifiedAt,
  };
}

function addRegistration(
  ctx: CosContext,
  input: Pick<RegistrationRecord, 'partnerId' | 'eventName' | 'type' | 'format'> &
    Partial<Pick<RegistrationRecord, 'callbackUrl' | 'authUsername' | 'authPassword'>>,
): RegistrationRecord {
  const now = recordTimestamp();
  const record: RegistrationRecord = {
    id: randomUUID(),
    ...input,
    state: 'Active',
    createdAt: now,
    lastModifiedAt: now,
    queue: [],
    delivering: false,
  };
  ctx.store.registrations.set(record.id, record);
  return record;
}

/** The `webhookRegistrations` option: both event names the project routes, Push, with their credentials. */
export function registerStartRegistrations(ctx: CosContext, registrations: CosStartRegistration[]): void {
  for (const start of registrations) {
    for (const eventName of CORE_EVENT_NAMES) {
      if ([...ctx.store.registrations.values()].some((r) => r.eventName === eventName)) {
        throw new Error(`COS sandbox: more than one start registration for ${eventName}`);
      }
      addRegistration(ctx, {
        partnerId: ctx.partnerId,
        eventName,
        type: 'Push',
        format: 'Basic',
        callbackUrl: start.callbackUrl,
        ...(start.username === undefined ? {} : { authUsername: start.username }),
        ...(start.password === undefined ? {} : { authPassword: start.password }),
      });
    }
  }
}

export function findRegistration(ctx: CosContext, id: string): RegistrationRecord {
  const registration = ctx.store.registrations.get(id.toLowerCase());
  if (!registration) throw notFound('Registration', id);
  return registration;
}

export function registerRegistrationRoutes(app: FastifyInstance, ctx: CosContext): void {
  app.post('/webhooks/v1/registrations', (request, reply) => {
    const body = parseBody(registrationSchema, request.body);
    if (body.callbackUrl !== undefined) {
      const problem = webhookUrlProblem(body.callbackUrl, ctx.webhookHttpHosts);
      if (problem !== undefined) throw badRequest('callbackUrl', problem);
    }
    const existing = [...ctx.store.registrations.values()].find((r) => r.eventName === body.eventName);
    if (existing) {
      throw new CosError(
        409,
        titleFor(409),
        `A registration for ${body.eventName} already exists (${existing.id}): one per event name`,
      );
    }
    const record = addRegistration(ctx, {
      partnerId: body.partnerId,
      eventName: body.eventName,
      type: body.type ?? body.registrationType ?? 'Push',
      format: body.format,
      ...(body.callbackUrl === undefined ? {} : { callbackUrl: body.callbackUrl }),
      ...(body.authUsername === undefined ? {} : { authUsername: body.authUsername }),
      ...(body.authPassword === undefined ? {} : { authPassword: body.authPassword }),
    });
    return reply.code(201).send(renderRegistration(record));
  });

  app.get('/webhooks/v1/registrations', () => [...ctx.store.registrations.values()].map(renderRegistration));

  app.get<{ Params: { id: string } }>('/webhooks/v1/registrations/:id', (request) =>
    renderRegistration(findRegistration(ctx, request.params.id)),
  );

  app.put<{ Params: { id: string } }>('/webhooks/v1/registrations/:id/ping', (request) => {
    const registration = findRegistration(ctx, request.params.id);
    const event = ctx.events.ping(registration);
    return { ...renderRegistration(registration), pingEventId: event.id };
  });

  app.put<{ Params: { id: string } }>('/webhooks/v1/registrations/:id/restart', (request) => {
    const registration = findRegistration(ctx, request.params.id);
    ctx.events.restart(registration);
    return renderRegistration(registration);
  });
}
