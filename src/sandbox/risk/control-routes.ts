import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-routes';
import type { RiskSandboxContext } from './context';
import { parseBody, RiskSandboxError } from './errors';
import { riskFaultSchema } from './faults';
import type { RiskCheckBody } from './request-schema';
import { cloneSettings, settingsPatchSchema } from './settings';
import { caseIdFor, type StoredRiskCustomer } from './state';

/**
 * Sandbox-only routes under /_sandbox/risk: no auth, never faulted, counted or logged; local use only.
 * Setting a case's status stands for what an analyst does in the vendor's case manager.
 */
export const RISK_CONTROL_PREFIX = '/_sandbox/risk';

const caseSchema = z
  .object({
    /** Any non-empty value (an open set); `not-opened` removes the case. */
    caseStatus: z.string().trim().min(1),
    /** Overrides the name table for this customer; null clears the override. */
    riskLevel: z.string().trim().min(1).nullable().optional(),
    riskPoints: z.number().finite().nullable().optional(),
  })
  .strict();

/** What `POST /_sandbox/risk/customers/{externalId}/case` accepts, for typed control clients. */
export type RiskCaseBody = z.input<typeof caseSchema>;

/** A customer as the control routes show it (the record included: this is a local test tool). */
export interface RiskSandboxCustomer {
  externalId: string;
  customerId: string;
  caseId: string | null;
  caseStatus: string;
  riskLevelOverride: string | null;
  riskPointsOverride: number | null;
  checks: number;
  createdAt: string;
  updatedAt: string;
  /** The last body a check sent, as received; null before the first check. */
  record: RiskCheckBody | null;
}

function view(c: StoredRiskCustomer): RiskSandboxCustomer {
  return {
    externalId: c.externalId,
    customerId: c.customerId,
    caseId: c.case?.caseId ?? null,
    caseStatus: c.case?.status ?? 'not-opened',
    riskLevelOverride: c.riskLevelOverride ?? null,
    riskPointsOverride: c.riskPointsOverride ?? null,
    checks: c.checks,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    record: c.record ?? null,
  };
}

export function resetRiskSandbox(ctx: RiskSandboxContext): void {
  ctx.store.clear();
  ctx.faults.clear();
  ctx.stats.clear();
  ctx.requests.clear();
  ctx.settings = cloneSettings(ctx.startSettings);
}

export function registerControlRoutes(app: FastifyInstance, ctx: RiskSandboxContext): void {
  const P = RISK_CONTROL_PREFIX;

  registerCommonControlRoutes(app, P, ctx, {
    reset: () => resetRiskSandbox(ctx),
    parseSettingsPatch: (body) => parseBody(settingsPatchSchema, body ?? {}),
    parseFault: (body) => parseBody(riskFaultSchema, body),
    statsSnapshot: () => ctx.stats.snapshot(ctx.store.customers.size),
  });

  app.get<{ Params: { externalId: string } }>(`${P}/customers/:externalId`, (request) => {
    const customer = ctx.store.customers.get(request.params.externalId);
    if (customer === undefined)
      throw new RiskSandboxError(404, 'not_found', 'No customer with this externalId');
    return view(customer);
  });

  /** The analyst acts on the customer's case; a customer never checked yet is created with it. */
  app.post<{ Params: { externalId: string } }>(`${P}/customers/:externalId/case`, (request) => {
    const { externalId } = request.params;
    const body = parseBody(caseSchema, request.body);
    const customer = ctx.store.customer(externalId);
    if (body.caseStatus === 'not-opened') delete customer.case;
    else customer.case = { caseId: customer.case?.caseId ?? caseIdFor(externalId), status: body.caseStatus };
    if (body.riskLevel === null) delete customer.riskLevelOverride;
    else if (body.riskLevel !== undefined) customer.riskLevelOverride = body.riskLevel;
    if (body.riskPoints === null) delete customer.riskPointsOverride;
    else if (body.riskPoints !== undefined) customer.riskPointsOverride = body.riskPoints;
    customer.updatedAt = new Date().toISOString();
    return view(customer);
  });

  app.get(`${P}/requests`, (request) => {
    const q = request.query as Record<string, unknown>;
    return ctx.requests.list(typeof q.externalId === 'string' ? { externalId: q.externalId } : {});
  });
}
