import type { FastifyInstance } from 'fastify';
import type { RiskSandboxContext } from './context';
import { parseBody, RiskSandboxError } from './errors';
import { riskCheckRequestSchema } from './request-schema';
import { scoreOf } from './scoring';
import { caseIdFor, customerIdFor, type StoredRiskCustomer } from './state';

/** The check's path, as the vendor's reference names it. */
export const RISK_CHECK_ROUTE = '/v2/customer-checks/check';

/** The answer of a check (docs/providers/risk.md, "Sandbox"): the fields the reference names, and timestamps. */
export interface RiskCheckAnswer {
  customerId: string;
  caseId?: string;
  caseStatus: string;
  riskLevel: string;
  riskPoints: number;
  riskFactors: { factor: string; points: number; detail: string }[];
  createdAt: string;
  updatedAt: string;
  nonStrictParsingMode: false;
}

export function registerCheckRoutes(app: FastifyInstance, ctx: RiskSandboxContext): void {
  app.post(RISK_CHECK_ROUTE, (request, reply) => {
    const body = parseBody(riskCheckRequestSchema, request.body);
    const { externalId } = body;
    if (body.customerId !== undefined && body.customerId !== customerIdFor(externalId)) {
      throw new RiskSandboxError(
        404,
        'customer_not_found',
        'No customer with this customerId for this externalId',
      );
    }

    const nowMs = Date.now();
    const known: StoredRiskCustomer | undefined = ctx.store.customers.get(externalId);
    const last = known?.lastCheckAtMs;
    if (last !== undefined && ctx.settings.tooEarlyMs > 0 && nowMs - last < ctx.settings.tooEarlyMs) {
      ctx.stats.tooEarly += 1;
      throw new RiskSandboxError(
        425,
        'too_early',
        'Another check of this customer arrived less than 1 s ago: wait at least 1 s, then retry',
      );
    }

    // The stored customer is replaced by the body, never merged: what a call leaves out is blanked.
    const customer = ctx.store.customer(externalId);
    customer.record = body;
    customer.checks += 1;
    customer.lastCheckAtMs = nowMs;
    customer.updatedAt = new Date(nowMs).toISOString();

    if (ctx.faults.take('accepted', externalId)) {
      ctx.stats.faultInjected('accepted');
      ctx.stats.accepted += 1;
      return reply
        .code(202)
        .send({ status: 'accepted', message: 'Accepted; the result follows by callback' });
    }

    const score = scoreOf(body);
    if (customer.case === undefined && score.caseStatus === 'open') {
      customer.case = { caseId: caseIdFor(externalId), status: 'open' };
    }
    const answer: RiskCheckAnswer = {
      customerId: customer.customerId,
      ...(customer.case !== undefined && { caseId: customer.case.caseId }),
      caseStatus: customer.case?.status ?? 'not-opened',
      riskLevel: customer.riskLevelOverride ?? score.riskLevel,
      riskPoints: customer.riskPointsOverride ?? score.riskPoints,
      riskFactors: score.riskFactors,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
      nonStrictParsingMode: false,
    };
    return reply.code(200).send(answer);
  });
}
