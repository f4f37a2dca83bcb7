import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-routes';
import { findCheck, renderCheck, validateMatch } from './checks';
import type { ComplyCubeContext } from './context';
import { ComplyCubeError, parseBody } from './errors';
import { raiseCheckEvent } from './events';
import { parseFault } from './faults';
import { newId } from './ids';
import { cloneSettings, settingsPatchSchema } from './settings';
import { nowIso } from './store';
import { registerStartWebhooks } from './webhooks';

/**
 * Sandbox-only routes under /_sandbox/complycube: no auth, never rate limited, faulted or counted; local
 * use only. The analyst's decision stands for the validation an analyst makes in ComplyCube's portal.
 */
export const CONTROL_PREFIX = '/_sandbox/complycube';

const decideSchema = z
  .object({ decision: z.enum(['clear', 'match_confirmed']), comment: z.string().max(4_000).optional() })
  .strict();

const monitoringSchema = z
  .object({
    /** Raise it although monitoring is off for the check (the real API would not). */
    force: z.boolean().default(false),
    /** Also add a new match needing a decision, which puts the check's outcome back to attention. */
    newMatch: z.boolean().default(false),
  })
  .strict();

export function resetSandbox(ctx: ComplyCubeContext): void {
  ctx.scheduler.cancelAll();
  ctx.webhooks.clear();
  ctx.store.clear();
  ctx.faults.clear();
  ctx.stats.clear();
  ctx.limiter.clear();
  ctx.settings = cloneSettings(ctx.startSettings);
  registerStartWebhooks(ctx);
}

export function registerControlRoutes(app: FastifyInstance, ctx: ComplyCubeContext): void {
  registerCommonControlRoutes(app, CONTROL_PREFIX, ctx, {
    reset: () => resetSandbox(ctx),
    parseSettingsPatch: (body) => parseBody(settingsPatchSchema, body),
    parseFault,
    statsSnapshot: () =>
      ctx.stats.snapshot({ clients: ctx.store.clients.size, checks: ctx.store.checks.size }),
  });

  /** Validates every match of the check rejected (`clear`) or confirmed, one by one, like the API would. */
  app.post<{ Params: { id: string } }>(`${CONTROL_PREFIX}/checks/:id/decide`, (request) => {
    const check = findCheck(ctx, request.params.id);
    const body = parseBody(decideSchema, request.body);
    if (check.status === 'pending') {
      throw new ComplyCubeError(
        422,
        'pending_check_unmodifiable',
        'The check is still pending and cannot be modified',
      );
    }
    const matches = check.result?.breakdown?.matches ?? [];
    if (matches.length === 0) {
      throw new ComplyCubeError(409, 'conflict', `Check '${check.id}' has no matches to decide`);
    }
    const outcome = body.decision === 'clear' ? 'rejected' : 'confirmed';
    for (const match of matches) validateMatch(ctx, check, match.id, outcome, body.comment);
    return renderCheck(check);
  });

  app.post<{ Params: { id: string } }>(`${CONTROL_PREFIX}/checks/:id/monitoring-attention`, (request) => {
    const check = findCheck(ctx, request.params.id);
    const body = parseBody(monitoringSchema, request.body);
    if (!check.enableMonitoring && !body.force) {
      throw new ComplyCubeError(
        409,
        'conflict',
        'Monitoring is off for this check, so it raises no monitoring events (send force: true to raise one anyway)',
      );
    }
    const breakdown = check.result?.breakdown;
    if (body.newMatch) {
      if (!breakdown)
        throw new ComplyCubeError(
          409,
          'conflict',
          `Check '${check.id}' has no screening result to add a match to`,
        );
      breakdown.matches.push({
        id: newId(),
        score: 95,
        status: 'attention',
        details: {
          entityName: check.entityName,
          entityType: ctx.store.clients.get(check.clientId)?.type ?? 'person',
          names: [{ type: 'primary', entityName: check.entityName }],
          classifications: { watchlist: ['sanctionsLists'] },
          countries: [],
          dates: [],
          addresses: [],
          references: [{ source: 'Sandbox Monitoring Update' }],
          identifications: [],
          images: [],
        },
        breakdown: [],
      });
      check.result!.outcome = 'attention';
      check.updatedAt = nowIso();
    }
    raiseCheckEvent(ctx, 'check.monitoring.attention', check);
    return renderCheck(check);
  });

  app.get(`${CONTROL_PREFIX}/deliveries`, (request) => {
    const q = request.query as Record<string, unknown>;
    return ctx.webhooks
      .log()
      .filter(
        (e) =>
          (q.type === undefined || e.type === q.type) &&
          (q.webhookId === undefined || e.webhookId === q.webhookId) &&
          (q.resourceId === undefined || e.resourceId === q.resourceId),
      );
  });
}
