import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ComplyCubeContext } from './context';
import { ComplyCubeError, invalidRequest, notFound, parseBody } from './errors';
import { completedEventTypes, raiseCheckEvent } from './events';
import { newId } from './ids';
import { dateRule, equals, filterFrom, paged, type FilterRule } from './lists';
import {
  entityNameOf,
  isScreeningType,
  OTHER_CHECK_TYPES,
  outcomeAfterValidation,
  screen,
  SCREENING_CHECK_TYPES,
} from './screening';
import { newestFirst, nowIso, type CheckRecord, type MatchStatus } from './store';

/**
 * Checks (docs/sandbox.md, "ComplyCube sandbox"): created `pending`, completed `checkDelayMs` later with
 * a result decided by the client's name; monitoring updates; match validation.
 */
const SCREENING_CLASSIFICATIONS = [
  'pepLevel1',
  'pepLevel2',
  'pepLevel3',
  'pepLevel4',
  'watchlistSanctionsLists',
  'watchlistOtherOfficialLists',
  'watchlistWarCrimes',
  'watchlistTerror',
  'watchlistOtherExclusionLists',
  'watchlistSanctionsControlAndOwnership',
  'adverseMediaEnvironmentProduction',
  'adverseMediaSocialLabour',
  'adverseMediaCompetitiveFinancial',
  'adverseMediaRegulatory',
  'otherListsAssociatedEntity',
  'otherListsOrganisedCrime',
  'otherListsFinancialCrime',
  'otherListsTaxCrime',
  'otherListsCorruption',
  'otherListsTrafficking',
] as const;

/** The reference's options object; stored and echoed, not applied (every list is "searched"). */
const optionsSchema = z
  .object({
    screeningListsScope: z
      .object({
        mode: z.enum(['inclusion', 'exclusion']).default('inclusion'),
        lists: z.array(z.string().min(1)),
      })
      .strict(),
    screeningNameSearchMode: z.enum(['fuzzy', 'precise']),
    screeningClassification: z.array(z.enum(SCREENING_CLASSIFICATIONS)).min(1),
  })
  .partial()
  .strict();

const createSchema = z
  .object({
    clientId: z.string().min(1),
    type: z.enum([...SCREENING_CHECK_TYPES, ...OTHER_CHECK_TYPES]),
    enableMonitoring: z.boolean().default(false),
    options: optionsSchema.optional(),
  })
  .strict();

const updateSchema = z.object({ enableMonitoring: z.boolean() }).strict();

/** `attention` in current pages, `pending` in v1.7.2: both put a match back to needing a decision. */
export const VALIDATION_OUTCOMES = ['confirmed', 'rejected', 'attention', 'pending'] as const;
export type ValidationOutcome = (typeof VALIDATION_OUTCOMES)[number];

const validateSchema = z
  .object({
    outcome: z.enum(VALIDATION_OUTCOMES),
    matchId: z.string().min(1),
    comment: z.string().max(4_000).optional(),
  })
  .strict();

export function renderCheck(c: CheckRecord): Record<string, unknown> {
  return {
    id: c.id,
    entityName: c.entityName,
    type: c.type,
    clientId: c.clientId,
    status: c.status,
    enableMonitoring: c.enableMonitoring,
    ...(c.options === undefined ? {} : { options: c.options }),
    ...(c.result === undefined
      ? {}
      : {
          result: {
            outcome: c.result.outcome,
            ...(c.result.breakdown === undefined
              ? {}
              : {
                  breakdown: {
                    summary: c.result.breakdown.summary,
                    matches: c.result.breakdown.matches.map(({ comment: _comment, ...m }) => m),
                  },
                }),
          },
        }),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** Screens the client as it was when the check was created, then raises the completion events. */
function complete(ctx: ComplyCubeContext, check: CheckRecord, snapshot: Parameters<typeof screen>[1]): void {
  // The client (and its checks) may have been deleted meanwhile.
  if (ctx.store.checks.get(check.id) !== check) return;
  const { status, result } = screen(check.type, snapshot);
  check.status = status;
  if (result !== undefined) check.result = result;
  check.updatedAt = nowIso();
  if (status === 'failed') {
    raiseCheckEvent(ctx, 'check.failed', check);
    return;
  }
  for (const type of completedEventTypes(ctx, result!.outcome)) raiseCheckEvent(ctx, type, check);
}

function checkRule(key: string, value: string): FilterRule<CheckRecord> {
  if (key === 'clientId' || key === 'type' || key === 'status') return equals(value, (c) => c[key]);
  if (key === 'result.outcome') return equals(value, (c) => c.result?.outcome);
  return dateRule<CheckRecord>(key, value) ?? 'unsupported';
}

export function findCheck(ctx: ComplyCubeContext, id: string): CheckRecord {
  const c = ctx.store.checks.get(id);
  if (!c) throw notFound('Check', id);
  return c;
}

/** Matches can be validated once the check is complete; a pending one has none yet. */
function assertDecidable(check: CheckRecord): void {
  if (check.status === 'pending') {
    throw new ComplyCubeError(
      422,
      'pending_check_unmodifiable',
      'The check is still pending and cannot be modified',
    );
  }
}

/**
 * Sets one match's status and the check's outcome after it, then raises `check.updated` and
 * `check.completed.<outcome>` (both are plausible readings of the docs, so a receiver meets both).
 */
export function validateMatch(
  ctx: ComplyCubeContext,
  check: CheckRecord,
  matchId: string,
  outcome: ValidationOutcome,
  comment?: string,
): void {
  assertDecidable(check);
  const matches = check.result?.breakdown?.matches ?? [];
  const match = matches.find((m) => m.id === matchId);
  if (!match) throw invalidRequest(`"matchId" is not a match of check '${check.id}'`, 'matchId');
  const status: MatchStatus = outcome === 'confirmed' || outcome === 'rejected' ? outcome : 'attention';
  match.status = status;
  if (comment !== undefined) match.comment = comment;
  check.result!.outcome = outcomeAfterValidation(matches);
  check.updatedAt = nowIso();
  raiseCheckEvent(ctx, 'check.updated', check);
  raiseCheckEvent(ctx, completedEventTypes(ctx, check.result!.outcome)[1], check);
}

export function registerCheckRoutes(app: FastifyInstance, ctx: ComplyCubeContext): void {
  app.post('/v1/checks', (request, reply) => {
    const body = parseBody(createSchema, request.body);
    const client = ctx.store.clients.get(body.clientId);
    if (!client) throw notFound('Client', body.clientId);
    const now = nowIso();
    const check: CheckRecord = {
      id: newId(),
      clientId: client.id,
      entityName: entityNameOf(client),
      type: body.type,
      status: 'pending',
      enableMonitoring: body.enableMonitoring,
      ...(body.options === undefined ? {} : { options: body.options }),
      createdAt: now,
      updatedAt: now,
      seq: ctx.store.nextSeq(),
    };
    ctx.store.checks.set(check.id, check);
    raiseCheckEvent(ctx, 'check.pending', check);
    const snapshot = structuredClone(client);
    ctx.scheduler.after(ctx.settings.checkDelayMs, () => complete(ctx, check, snapshot));
    return reply.code(201).send(renderCheck(check));
  });

  app.get('/v1/checks', (request) => {
    const query = request.query as Record<string, unknown>;
    const keep = filterFrom<CheckRecord>(query, checkRule);
    const all = keep === null ? [] : newestFirst(ctx.store.checks.values()).filter(keep);
    return paged(query, all, renderCheck);
  });

  app.get<{ Params: { id: string } }>('/v1/checks/:id', (request) =>
    renderCheck(findCheck(ctx, request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/v1/checks/:id', (request) => {
    const check = findCheck(ctx, request.params.id);
    const body = parseBody(updateSchema, request.body);
    if (!isScreeningType(check.type)) {
      throw new ComplyCubeError(
        422,
        'invalid_check_update',
        `A check of type ${check.type} cannot be updated`,
      );
    }
    assertDecidable(check);
    check.enableMonitoring = body.enableMonitoring;
    check.updatedAt = nowIso();
    return renderCheck(check);
  });

  app.post<{ Params: { id: string } }>('/v1/checks/:id/validate', (request) => {
    const check = findCheck(ctx, request.params.id);
    const body = parseBody(validateSchema, request.body);
    validateMatch(ctx, check, body.matchId, body.outcome, body.comment);
    return renderCheck(check);
  });
}
