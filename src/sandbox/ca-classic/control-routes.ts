import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-routes';
import { webhookUrlProblem } from '../mesh/webhook-configurations';
import type { CaClassicContext } from './context';
import { badRequest, parseBody } from './errors';
import { parseFault } from './faults';
import { monitorChange, monitorChangeSchema } from './monitors';
import { findSearch, renderDetails, updateEntities, updateSearch } from './searches';
import { cloneSettings, settingsPatchSchema } from './settings';
import { RISK_LEVELS, SEARCH_MATCH_STATUSES, isEntityMatchStatus, type SearchRecord } from './store';
import type { CaClassicEventName } from './webhooks';

/**
 * Sandbox-only routes under /_sandbox/ca-classic: no API key, never faulted, counted or logged; local use
 * only. The decision stands for the analyst in the web app, the monitor change for a monitoring run, and the
 * webhook URLs for the account settings page (the classic API has no webhook routes).
 */
export const CA_CLASSIC_CONTROL_PREFIX = '/_sandbox/ca-classic';

const decisionSchema = z
  .object({ match_status: z.enum(SEARCH_MATCH_STATUSES), risk_level: z.enum(RISK_LEVELS).optional() })
  .strict();

/** What `POST /_sandbox/ca-classic/searches/{id}/decision` accepts, for typed control clients. */
export type CaClassicDecisionBody = z.input<typeof decisionSchema>;

const webhooksSchema = z.object({ urls: z.array(z.string()).max(20) }).strict();

/** A search as the control routes list it: what finds a client's searches, `client_ref` and monitoring included. */
export interface CaClassicSandboxSearchSummary {
  id: number;
  ref: string;
  client_ref: string | null;
  search_term: string;
  match_status: string;
  risk_level: string;
  total_hits: number;
  is_monitored: boolean;
  is_suspended: boolean;
  tags: Record<string, string> | [];
  created_at: string;
  updated_at: string;
}

function summary(s: SearchRecord): CaClassicSandboxSearchSummary {
  return {
    id: s.id,
    ref: s.ref,
    client_ref: s.clientRef ?? null,
    search_term: s.searchTerm,
    match_status: s.matchStatus,
    risk_level: s.riskLevel,
    total_hits: s.totalHits,
    is_monitored: s.isMonitored,
    is_suspended: s.isSuspended,
    tags: Object.keys(s.tags).length === 0 ? [] : { ...s.tags },
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** The full search (its details), with `client_ref` whatever the settings say, and its monitoring. */
export function controlView(ctx: CaClassicContext, s: SearchRecord): Record<string, unknown> {
  return {
    ...renderDetails(ctx, s, { clientRef: true }),
    client_ref: s.clientRef ?? null,
    is_monitored: s.isMonitored,
    is_suspended: s.isSuspended,
  };
}

export function resetSandbox(ctx: CaClassicContext): void {
  ctx.webhooks.clear();
  ctx.store.clear();
  ctx.faults.clear();
  ctx.stats.clear();
  ctx.limiter.clear();
  ctx.settings = cloneSettings(ctx.startSettings);
}

/**
 * The analyst decides a search in the web app: its `match_status` (and `risk_level`) change, which sends
 * `search_status_updated`; an entity-level status (`no_match`, `false_positive`, `potential_match`,
 * `true_positive`, `unknown`) is also given to every hit, each change sending `match_status_updated` (and
 * `false_positive` whitelisting the hits for the search's `client_ref`). Entity events go first.
 */
export function decide(
  ctx: CaClassicContext,
  s: SearchRecord,
  decision: z.output<typeof decisionSchema>,
): CaClassicEventName[] {
  const events: CaClassicEventName[] = [];
  const status = decision.match_status;
  if (isEntityMatchStatus(status) && s.hits.length > 0) {
    events.push(
      ...updateEntities(
        ctx,
        s,
        s.hits.map((h) => h.doc.id),
        { match_status: status },
      ),
    );
  }
  events.push(
    ...updateSearch(ctx, s, {
      match_status: status,
      ...(decision.risk_level === undefined ? {} : { risk_level: decision.risk_level }),
    }),
  );
  return events;
}

export function registerControlRoutes(app: FastifyInstance, ctx: CaClassicContext): void {
  const p = CA_CLASSIC_CONTROL_PREFIX;
  const held = () => {
    let monitored = 0;
    for (const s of ctx.store.searches.values()) if (s.isMonitored) monitored += 1;
    return { searches: ctx.store.searches.size, monitored };
  };

  registerCommonControlRoutes(app, p, ctx, {
    reset: () => resetSandbox(ctx),
    parseSettingsPatch: (body) => parseBody(settingsPatchSchema, body),
    parseFault,
    statsSnapshot: () => ctx.stats.snapshot(held()),
  });

  app.get(`${p}/webhooks`, () => ({ urls: ctx.webhooks.configuredUrls() }));

  /** The account settings page: every event goes to every one of these URLs from now on. */
  app.put(`${p}/webhooks`, (request) => {
    const { urls } = parseBody(webhooksSchema, request.body);
    urls.forEach((url, i) => {
      const problem = webhookUrlProblem(url, ctx.webhookHttpHosts);
      if (problem !== undefined) throw badRequest(`urls.${i} ${problem}`);
    });
    ctx.webhooks.setUrls(urls);
    return { urls: ctx.webhooks.configuredUrls() };
  });

  /** Searches oldest first, those of one `client_ref` with `?client_ref=` (the API cannot filter by it). */
  app.get(`${p}/searches`, (request) => {
    const q = request.query as Record<string, unknown>;
    const clientRef = typeof q.client_ref === 'string' ? q.client_ref : undefined;
    return [...ctx.store.searches.values()]
      .filter((s) => clientRef === undefined || s.clientRef === clientRef)
      .sort((a, b) => a.id - b.id)
      .map(summary);
  });

  app.get<{ Params: { id: string } }>(`${p}/searches/:id`, (request) =>
    controlView(ctx, findSearch(ctx, request.params.id)),
  );

  app.post<{ Params: { id: string } }>(`${p}/searches/:id/decision`, (request) => {
    const search = findSearch(ctx, request.params.id);
    const events = decide(ctx, search, parseBody(decisionSchema, request.body));
    return { search: controlView(ctx, search), events };
  });

  app.post<{ Params: { id: string } }>(`${p}/searches/:id/monitor-change`, (request) => {
    const search = findSearch(ctx, request.params.id);
    const event = monitorChange(ctx, search, parseBody(monitorChangeSchema, request.body));
    return { search: controlView(ctx, search), event };
  });

  /** The whitelist: for each `client_ref`, the entity ids marked false positive and unchanged since. */
  app.get(`${p}/whitelist`, () =>
    Object.fromEntries([...ctx.store.whitelist].map(([clientRef, ids]) => [clientRef, [...ids]])),
  );

  app.get(`${p}/events`, (request) => {
    const q = request.query as Record<string, string | undefined>;
    return ctx.webhooks
      .eventLog()
      .filter(
        (e) =>
          (q.event === undefined || e.event === q.event) &&
          (q.searchId === undefined || String(e.searchId) === q.searchId),
      );
  });

  app.get(`${p}/deliveries`, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    // Deliveries run after the handler that raised them answered: wait for those already started.
    if (q.settled === 'true') await ctx.webhooks.settled();
    return ctx.webhooks
      .deliveryLog()
      .filter(
        (e) =>
          (q.event === undefined || e.event === q.event) &&
          (q.searchId === undefined || String(e.searchId) === q.searchId) &&
          (q.url === undefined || e.url === q.url),
      );
  });

  app.get(`${p}/requests`, (request) => {
    const q = request.query as Record<string, string | undefined>;
    return ctx.store.requests.filter(
      (e) =>
        (q.method === undefined || e.method === q.method.toUpperCase()) &&
        (q.path === undefined || e.path.startsWith(q.path)) &&
        (q.queryKey === undefined || String(e.queryKey) === q.queryKey),
    );
  });
}
