import type { FastifyInstance } from 'fastify';
import { renderAlert, renderCase } from './cases';
import type { SandboxContext } from './context';
import { isObject } from './customer-input';
import { paginate } from './pagination';
import { badRequest, notFound } from './problem-details';
import { nowIso, type CustomerRecord } from './store';

/**
 * Customer, monitoring, case and alert reads (docs/providers/mesh.md, "Customers and monitoring", "Cases
 * and decisions").
 */

/**
 * The stored customer object (either layout, as last sent) with the record's own fields on top; a
 * client merging before update-and-rescore may send it back, the sandbox drops the rendered-only keys.
 */
export function renderCustomer(c: CustomerRecord): Record<string, unknown> {
  return {
    ...c.data,
    identifier: c.identifier,
    external_identifier: c.externalIdentifier,
    customer_type: c.kind,
    version: c.version,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    risk_level: c.riskLevel,
    risk_score: { overall_level: c.riskLevel, overall_value: c.riskValue },
    ...(c.screeningResult === undefined ? {} : { screening_result: c.screeningResult }),
    monitoring: { entity_screening: { enabled: c.monitoringEnabled, updated_at: c.monitoringUpdatedAt } },
  };
}

/**
 * The monitoring answer in the guide's shape, `monitoring` wrapper included (docs/providers/mesh.md,
 * "Customers and monitoring").
 */
function renderMonitoring(c: CustomerRecord): Record<string, unknown> {
  return {
    customer_identifier: c.identifier,
    external_identifier: c.externalIdentifier,
    monitoring: { entity_screening: { enabled: c.monitoringEnabled, updated_at: c.monitoringUpdatedAt } },
  };
}

export function registerCustomerRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const customer = (id: string): CustomerRecord => {
    const c = ctx.store.customers.get(id);
    if (!c) throw notFound('Customer', id);
    return c;
  };

  app.get<{ Params: { id: string } }>('/v2/customers/:id', (request) =>
    renderCustomer(customer(request.params.id)),
  );

  app.get<{ Params: { external: string } }>('/v2/customers/external/:external', (request, reply) => {
    const c = ctx.store.customersByExternalId.get(request.params.external);
    if (!c) throw notFound('Customer with external identifier', request.params.external);
    return reply
      .code(308)
      .header('location', `/v2/customers/${encodeURIComponent(c.identifier)}`)
      .send();
  });

  app.get<{ Params: { id: string } }>('/v2/customers/:id/monitor', (request) =>
    renderMonitoring(customer(request.params.id)),
  );

  app.patch<{ Params: { id: string } }>('/v2/customers/:id/monitor', (request) => {
    const c = customer(request.params.id);
    const body = request.body;
    const entity = isObject(body) && isObject(body.entity_screening) ? body.entity_screening : undefined;
    if (typeof entity?.enabled !== 'boolean') {
      throw badRequest([
        {
          field: 'entity_screening.enabled',
          reasons: ['is required and must be true or false'],
          rejected: entity?.enabled ?? null,
        },
      ]);
    }
    c.monitoringEnabled = entity.enabled;
    c.monitoringUpdatedAt = nowIso();
    return renderMonitoring(c);
  });

  app.get<{ Params: { id: string } }>('/v2/customers/:id/cases', (request) => {
    const c = customer(request.params.id);
    const cases = c.caseIdentifiers.flatMap((id) => {
      const record = ctx.store.cases.get(id);
      return record ? [record] : [];
    });
    return paginate(request, cases, (record) => renderCase(record, c));
  });

  app.get<{ Params: { id: string } }>('/v2/cases/:id', (request) => {
    const record = ctx.store.cases.get(request.params.id);
    if (!record) throw notFound('Case', request.params.id);
    return renderCase(record, ctx.store.customers.get(record.customerIdentifier));
  });

  app.get<{ Params: { id: string } }>('/v2/cases/:id/alerts', (request) => {
    const record = ctx.store.cases.get(request.params.id);
    if (!record) throw notFound('Case', request.params.id);
    const alerts = record.alertIdentifiers.flatMap((id) => {
      const alert = ctx.store.alerts.get(id);
      return alert ? [alert] : [];
    });
    return paginate(request, alerts, renderAlert);
  });
}
