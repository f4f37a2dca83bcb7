import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createAlerts, openCase, renderCase, transitionCase } from './cases';
import type { SandboxContext } from './context';
import { faultSchema } from './faults';
import { newId } from './ids';
import { badRequest, notFound, ProblemError } from './problem-details';
import { applySettingsPatch, settingsPatchSchema, type SandboxSettings } from './settings';
import { registerWebhook } from './webhook-configurations';

/**
 * Sandbox-only routes under /_sandbox: no auth, never rate limited or faulted, local use only
 * (docs/sandbox.md documents them, with curl examples).
 */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw badRequest(
    result.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join('.') : 'body',
      reasons: [issue.message],
      rejected: issue.path.reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
        body,
      ),
    })),
  );
}

const transitionSchema = z
  .object({
    stage: z
      .enum(['IN_REVIEW', 'REVIEW', 'DECISION', 'INITIAL'])
      .transform((s) => (s === 'REVIEW' ? 'IN_REVIEW' : s)),
    decision: z.string().min(1).optional(),
    note: z.string().optional(),
  })
  .strict();

const monitoringCaseSchema = z
  .object({
    aml_types: z.array(z.string().min(1)).min(1).default(['ADVERSE_MEDIA']),
    alert_count: z.number().int().min(1).max(50).default(1),
    /** Open it even though monitoring is disabled (the real API would not). */
    force: z.boolean().default(false),
  })
  .strict();

export function cloneSettings(s: SandboxSettings): SandboxSettings {
  return { ...s, latencyMs: { ...s.latencyMs }, webhookRetryDelaysMs: [...s.webhookRetryDelaysMs] };
}

/** Pre-registers the configured URLs for the two case events the onboarding needs. */
export function registerStartWebhooks(ctx: SandboxContext): void {
  for (const url of ctx.webhookUrls) {
    for (const type of ['CASE_CREATED', 'CASE_TRANSITIONED']) {
      registerWebhook(ctx, { name: `sandbox start ${type}`, type, url, isActive: true });
    }
  }
}

export function resetSandbox(ctx: SandboxContext): void {
  ctx.scheduler.cancelAll();
  ctx.webhooks.clear();
  ctx.store.clear();
  ctx.faults.clear();
  ctx.stats.clear();
  ctx.limiter.clear();
  ctx.settings = cloneSettings(ctx.startSettings);
  registerStartWebhooks(ctx);
}

export function registerControlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/_sandbox/reset', () => {
    resetSandbox(ctx);
    return { reset: true, settings: ctx.settings };
  });

  app.get('/_sandbox/settings', () => ctx.settings);

  app.patch('/_sandbox/settings', (request) => {
    ctx.settings = applySettingsPatch(ctx.settings, parse(settingsPatchSchema, request.body), Date.now());
    return ctx.settings;
  });

  app.post('/_sandbox/faults', (request, reply) => {
    const fault = ctx.faults.add(parse(faultSchema, request.body));
    return reply.code(201).send({ id: fault.id });
  });

  app.get('/_sandbox/faults', () => ctx.faults.list());

  app.delete('/_sandbox/faults', () => {
    ctx.faults.clear();
    return { cleared: true };
  });

  app.post<{ Params: { id: string } }>('/_sandbox/cases/:id/transition', (request) => {
    const body = parse(transitionSchema, request.body);
    const record = transitionCase(ctx, request.params.id, body);
    return renderCase(record, ctx.store.customers.get(record.customerIdentifier));
  });

  app.post<{ Params: { id: string } }>('/_sandbox/customers/:id/monitoring-cases', (request, reply) => {
    const body = parse(monitoringCaseSchema, request.body);
    const customer = ctx.store.customers.get(request.params.id);
    if (!customer) throw notFound('Customer', request.params.id);
    if (!customer.monitoringEnabled && !body.force) {
      throw new ProblemError(
        409,
        'Conflict',
        'Ongoing monitoring is disabled for this customer, so no monitoring case can open (send force: true to open one anyway)',
      );
    }
    const caseIdentifier = newId('case');
    const alerts = createAlerts(ctx, customer, caseIdentifier, body.aml_types, body.alert_count);
    const record = openCase(
      ctx,
      customer,
      'CUSTOMER_MONITORING',
      caseIdentifier,
      alerts.map((a) => a.identifier),
    );
    return reply.code(201).send(renderCase(record, customer));
  });

  app.get('/_sandbox/customers', (request) => {
    const external = (request.query as Record<string, unknown>).external_identifier;
    const all =
      typeof external === 'string'
        ? [ctx.store.customersByExternalId.get(external)].filter((c) => c !== undefined)
        : [...ctx.store.customers.values()];
    return {
      count: all.length,
      customers: all.map((c) => ({
        identifier: c.identifier,
        external_identifier: c.externalIdentifier,
        customer_type: c.kind,
        risk_level: c.riskLevel,
        screening_result: c.screeningResult ?? null,
        monitoring_enabled: c.monitoringEnabled,
        screening_configuration_identifier: c.screeningConfigurationIdentifier ?? null,
        version: c.version,
        case_identifiers: c.caseIdentifiers,
        created_at: c.createdAt,
      })),
    };
  });

  app.get('/_sandbox/deliveries', (request) => {
    const q = request.query as Record<string, unknown>;
    return ctx.webhooks
      .log()
      .filter(
        (e) =>
          (q.webhook_id === undefined || e.webhookId === q.webhook_id) &&
          (q.case_identifier === undefined || e.caseIdentifier === q.case_identifier) &&
          (q.type === undefined || e.type === q.type),
      );
  });

  app.get('/_sandbox/stats', () => ctx.stats.snapshot());
}
