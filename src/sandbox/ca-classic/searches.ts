import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CaClassicContext } from './context';
import { screen } from './entities';
import { badRequest, parseBody, searchNotFound } from './errors';
import {
  ENTITY_MATCH_STATUSES,
  RISK_LEVELS,
  SEARCH_MATCH_STATUSES,
  dayOf,
  isDay,
  newSearchRef,
  newShareKey,
  searchTimestamp,
  type EntityMatchStatus,
  type HitRecord,
  type RiskLevel,
  type SearchMatchStatus,
  type SearchRecord,
} from './store';
import { API_USER_ID, renderUser, userById } from './users';
import type { CaClassicEventName } from './webhooks';

/**
 * The `/searches` routes (docs/providers/ca-classic-sandbox.md): create (synchronous), list with the
 * documented filters, overview, details, the case fields and the entities' statuses. Answers use the
 * reference's envelope, `{status: "success", content: {data}}` (an object for one search, an array for the
 * list). Unknown body fields are refused (400), so a misspelt one shows; unknown query parameters are
 * ignored, `client_ref` on the list included (it is not a documented filter).
 */

/** The reference's `filters.types` values. */
export const SEARCH_TYPES = [
  'sanction',
  'warning',
  'fitness-probity',
  'pep',
  'pep-class-1',
  'pep-class-2',
  'pep-class-3',
  'pep-class-4',
  'adverse-media',
  'adverse-media-financial-crime',
  'adverse-media-violent-crime',
  'adverse-media-sexual-crime',
  'adverse-media-terrorism',
  'adverse-media-fraud',
  'adverse-media-narcotics',
  'adverse-media-general',
] as const;

const nameText = z.string().trim().min(1).max(255);

const filtersSchema = z
  .object({
    types: z.array(z.enum(SEARCH_TYPES)).min(1).optional(),
    /** An integer in the reference's table, a string in its samples: both are taken and echoed as sent. */
    birth_year: z
      .union([z.number().int().min(1800).max(2100), z.string().regex(/^\d{4}$/)], {
        error: 'must be a year (an integer, or a string of 4 digits)',
      })
      .optional(),
    remove_deceased: z
      .union([z.enum(['0', '1']), z.literal(0), z.literal(1)], { error: 'must be "1" or "0"' })
      .optional(),
    country_codes: z
      .array(z.string().regex(/^[A-Za-z]{2}$/, { error: 'must be ISO 3166-1 alpha-2 codes' }))
      .optional(),
  })
  .strict();

const tagsSchema = z.record(
  z.string().min(1).max(100),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);

const createSchema = z
  .object({
    search_term: z.unknown(),
    client_ref: nameText.optional(),
    search_profile: nameText.optional(),
    fuzziness: z.number().min(0).max(1).optional(),
    /** Named by the reference's text ("overridden by exact_match") though not in its parameter table. */
    exact_match: z.boolean().optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(100, { error: 'must be at most 100' }).optional(),
    filters: filtersSchema.optional(),
    tags: tagsSchema.optional(),
    share_url: z.union([z.literal(0), z.literal(1), z.boolean()], { error: 'must be 0 or 1' }).optional(),
  })
  .strict();

const nameObjectSchema = z
  .object({ first_name: nameText.optional(), middle_names: nameText.optional(), last_name: nameText })
  .strict();

const updateSchema = z
  .object({
    match_status: z.enum(SEARCH_MATCH_STATUSES).optional(),
    risk_level: z.enum(RISK_LEVELS).optional(),
    assignee_id: z.number().int().positive().optional(),
    tags: tagsSchema.optional(),
  })
  .strict();

const entitiesSchema = z
  .object({
    entities: z.array(z.string().min(1).max(100)).min(1),
    match_status: z.enum(ENTITY_MATCH_STATUSES).optional(),
    risk_level: z.enum(RISK_LEVELS).optional(),
    is_whitelisted: z.boolean().optional(),
  })
  .strict();

export type SearchUpdate = z.output<typeof updateSchema>;
export type EntityUpdate = Omit<z.output<typeof entitiesSchema>, 'entities'>;

/** `{status: "success", content}`: every 200 answer of the API. */
export function success(content: unknown): { status: 'success'; content: unknown } {
  return { status: 'success', content };
}

/** The search term as searched and as submitted, and how it came (a string or the name object). */
function termOf(raw: unknown): { term: string; submitted: string; kind: 'string' | 'object' } {
  if (raw === undefined || raw === null) throw badRequest('search_term is required');
  if (typeof raw === 'string') {
    if (raw.trim() === '') throw badRequest('search_term is required');
    if (raw.length > 255) throw badRequest('search_term is invalid: at most 255 characters');
    return { term: raw.trim().replace(/\s+/g, ' '), submitted: raw, kind: 'string' };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw badRequest('search_term is invalid: must be a string or {first_name?, middle_names?, last_name}');
  }
  const name = parseBody(z.object({ search_term: nameObjectSchema }).strict(), {
    search_term: raw,
  }).search_term;
  const parts = [name.first_name, name.middle_names, name.last_name].filter((p) => p !== undefined);
  return { term: parts.join(' ').replace(/\s+/g, ' '), submitted: parts.join(' '), kind: 'object' };
}

/** Tags must name tag names set up in the web app (the `tagNames` setting); values are kept as text. */
function checkedTags(ctx: CaClassicContext, tags: z.output<typeof tagsSchema>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(tags)) {
    if (!ctx.settings.tagNames.includes(name)) {
      throw badRequest(`tags: the tag name "${name}" does not exist (tag names are set up in the web app)`);
    }
    out[name] = String(value);
  }
  return out;
}

/** A slug as a profile name: `my-usa-profile-1` → `My Usa Profile 1`. */
function profileName(slug: string): string {
  return slug
    .split(/[-_\s]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

function tagsOf(s: SearchRecord): Record<string, string> | [] {
  return Object.keys(s.tags).length === 0 ? [] : { ...s.tags };
}

/** A hit as the API shows it; `match_status` and `risk_level` once an analyst set them. */
export function renderHit(h: HitRecord): Record<string, unknown> {
  return {
    doc: structuredClone(h.doc),
    match_types: [...h.matchTypes],
    score: h.score,
    ...(h.matchStatus === undefined ? {} : { match_status: h.matchStatus }),
    ...(h.riskLevel === undefined ? {} : { risk_level: h.riskLevel }),
    is_whitelisted: h.isWhitelisted,
  };
}

/** A search as `GET /searches` lists it: the reference's list sample, field for field (no `client_ref`). */
export function renderListItem(s: SearchRecord): Record<string, unknown> {
  return {
    id: s.id,
    ref: s.ref,
    searcher_id: s.searcherId,
    assignee_id: s.assigneeId,
    filters: structuredClone(s.filters),
    match_status: s.matchStatus,
    risk_level: s.riskLevel,
    search_term: s.searchTerm,
    total_hits: s.totalHits,
    updated_at: s.updatedAt,
    created_at: s.createdAt,
  };
}

export interface RenderOptions {
  /** Include `client_ref` (when the search has one) whatever `readsClientRef` says. */
  clientRef?: boolean;
  /** The share URL to show, when asked for (`share_url=1`). */
  shareUrl?: string;
}

/** The overview (`GET /searches/{id}`, `PATCH /searches/{id}`). */
export function renderOverview(
  ctx: CaClassicContext,
  s: SearchRecord,
  options: RenderOptions = {},
): Record<string, unknown> {
  const showClientRef = options.clientRef ?? ctx.settings.readsClientRef;
  return {
    id: s.id,
    ref: s.ref,
    searcher_id: s.searcherId,
    assignee_id: s.assigneeId,
    ...(s.searchProfile === undefined ? {} : { search_profile: { ...s.searchProfile } }),
    filters: structuredClone(s.filters),
    match_status: s.matchStatus,
    risk_level: s.riskLevel,
    search_term: s.searchTerm,
    submitted_term: s.submittedTerm,
    ...(showClientRef && s.clientRef !== undefined ? { client_ref: s.clientRef } : {}),
    total_hits: s.totalHits,
    updated_at: s.updatedAt,
    created_at: s.createdAt,
    tags: tagsOf(s),
    ...(options.shareUrl === undefined ? {} : { share_url: options.shareUrl }),
  };
}

/** The full search with its hits (`POST /searches`, `GET /searches/{id}/details`, `PATCH …/entities`). */
export function renderDetails(
  ctx: CaClassicContext,
  s: SearchRecord,
  options: RenderOptions = {},
): Record<string, unknown> {
  const { share_url: shareUrl, ...overview } = renderOverview(ctx, s, options);
  return {
    ...overview,
    limit: s.limit,
    offset: s.offset,
    ...(shareUrl === undefined ? {} : { share_url: shareUrl }),
    searcher: renderUser(s.searcherId),
    assignee: renderUser(s.assigneeId),
    hits: s.hits.map(renderHit),
  };
}

export function shareUrlOf(request: FastifyRequest, s: SearchRecord): string {
  return `${request.protocol}://${request.host}/public/search/${s.ref}/${s.shareKey}`;
}

/** `?share_url=1` on a read. */
function wantsShareUrl(request: FastifyRequest): boolean {
  const value = (request.query as Record<string, unknown>).share_url;
  return value === '1' || value === 'true';
}

export function findSearch(ctx: CaClassicContext, raw: string): SearchRecord {
  const search = /^\d{1,15}$/.test(raw) ? ctx.store.searches.get(Number(raw)) : undefined;
  if (!search) throw searchNotFound(raw);
  return search;
}

function touch(s: SearchRecord, now = new Date()): void {
  s.updatedAt = searchTimestamp(now);
  s.updatedMs = now.getTime();
}

/** A search's `match_status` and `risk_level` from its hits: any open hit → to review; else none to report. */
function outcomeOf(
  hits: HitRecord[],
  riskLevel: RiskLevel,
): { matchStatus: SearchMatchStatus; riskLevel: RiskLevel } {
  return hits.some((h) => !h.isWhitelisted)
    ? { matchStatus: 'potential_match', riskLevel }
    : { matchStatus: 'no_match', riskLevel: 'low' };
}

export function createSearch(
  ctx: CaClassicContext,
  body: z.output<typeof createSchema>,
  term: ReturnType<typeof termOf>,
): SearchRecord {
  if (body.search_profile !== undefined && body.filters?.types !== undefined) {
    throw badRequest('search_profile and filters.types are mutually exclusive: send one of them');
  }
  const tags = body.tags === undefined ? {} : checkedTags(ctx, body.tags);
  const filters = body.filters ?? {};
  const birthYear = filters.birth_year === undefined ? undefined : Number(filters.birth_year);
  const countryCodes = filters.country_codes?.map((c) => c.toUpperCase());
  const removeDeceased = filters.remove_deceased === undefined ? 0 : Number(filters.remove_deceased);
  const fuzziness = body.fuzziness ?? 1;
  const exactMatch = body.exact_match ?? false;
  const screened = screen({
    term: term.term,
    termKind: term.kind,
    ...(birthYear === undefined ? {} : { birthYear }),
    ...(filters.types === undefined ? {} : { types: filters.types }),
    ...(countryCodes === undefined ? {} : { countryCodes }),
    removeDeceased: removeDeceased === 1,
    exact: exactMatch || fuzziness === 0,
  });
  const clientRef = body.client_ref;
  const allHits: HitRecord[] = screened.hits.map((h) => ({
    doc: h.doc,
    matchTypes: h.matchTypes,
    score: h.score,
    isWhitelisted: ctx.store.whitelisted(clientRef, h.doc.id),
  }));
  const limit = body.limit ?? 100;
  const offset = body.offset ?? 0;
  const hits = allHits.slice(offset, offset + limit);
  const outcome = outcomeOf(allHits, screened.rule?.riskLevel ?? 'low');
  const now = new Date();
  const monitored = ctx.settings.monitorNewSearches;
  const search: SearchRecord = {
    id: ctx.store.nextSearchId(),
    ref: newSearchRef(now.getTime()),
    searcherId: API_USER_ID,
    assigneeId: API_USER_ID,
    ...(body.search_profile === undefined
      ? {}
      : { searchProfile: { name: profileName(body.search_profile), slug: body.search_profile } }),
    filters: {
      ...(filters.birth_year === undefined ? {} : { birth_year: filters.birth_year }),
      country_codes: countryCodes ?? [],
      remove_deceased: removeDeceased,
      ...(filters.types === undefined ? {} : { types: [...filters.types] }),
      exact_match: exactMatch,
      fuzziness,
    },
    matchStatus: outcome.matchStatus,
    riskLevel: outcome.riskLevel,
    searchTerm: term.term,
    submittedTerm: term.submitted,
    termKind: term.kind,
    ...(clientRef === undefined ? {} : { clientRef }),
    totalHits: allHits.length,
    limit,
    offset,
    tags,
    createdAt: searchTimestamp(now),
    updatedAt: searchTimestamp(now),
    createdMs: now.getTime(),
    updatedMs: now.getTime(),
    shareKey: newShareKey(),
    hits,
    isMonitored: monitored,
    ...(monitored
      ? {
          monitor: {
            monitoredBy: API_USER_ID,
            createdAt: searchTimestamp(now),
            updatedAt: searchTimestamp(now),
          },
        }
      : {}),
    isSuspended: false,
    differences: [],
  };
  ctx.store.searches.set(search.id, search);
  return search;
}

/**
 * Sets a search's case fields as `PATCH /searches/{id}` (or the analyst in the web app) does; when one
 * changed, raises `search_status_updated` with what changed (`assignee_id` as `assigned_user`, as the
 * reference's sample names it). Answers the event names raised.
 */
export function updateSearch(
  ctx: CaClassicContext,
  s: SearchRecord,
  update: SearchUpdate,
): CaClassicEventName[] {
  if (update.assignee_id !== undefined && !userById(update.assignee_id)) {
    throw badRequest('assignee_id is not a user of this account');
  }
  const tags = update.tags === undefined ? undefined : checkedTags(ctx, update.tags);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const change = (key: string, from: unknown, to: unknown) => {
    if (JSON.stringify(from) === JSON.stringify(to)) return;
    before[key] = from;
    after[key] = to;
  };
  if (update.match_status !== undefined) {
    change('match_status', s.matchStatus, update.match_status);
    s.matchStatus = update.match_status;
  }
  if (update.risk_level !== undefined) {
    change('risk_level', s.riskLevel, update.risk_level);
    s.riskLevel = update.risk_level;
  }
  if (update.assignee_id !== undefined) {
    change('assigned_user', s.assigneeId, update.assignee_id);
    s.assigneeId = update.assignee_id;
  }
  if (tags !== undefined) {
    // Tags are added (an existing name takes the new value), never removed.
    const merged = { ...s.tags, ...tags };
    change('tags', tagsOf(s), Object.keys(merged).length === 0 ? [] : merged);
    s.tags = merged;
  }
  touch(s);
  if (Object.keys(after).length === 0) return [];
  ctx.webhooks.raise({
    event: 'search_status_updated',
    data: {
      changes: { before, after },
      ref: s.ref,
      search_id: s.id,
      terms: [{ name: s.searchTerm, hits: s.totalHits }],
      filters: structuredClone(s.filters),
    },
  });
  return ['search_status_updated'];
}

/**
 * Sets entities' status, risk and whitelisting as `PATCH /searches/{id}/entities` does. An entity marked
 * `false_positive` in a search with a `client_ref` is whitelisted for that client (`is_whitelisted` sent
 * explicitly wins); any other status takes it off the whitelist. Raises `match_status_updated` for each
 * entity whose status changed. Answers the event names raised.
 */
export function updateEntities(
  ctx: CaClassicContext,
  s: SearchRecord,
  entityIds: readonly string[],
  update: EntityUpdate,
): CaClassicEventName[] {
  const hits = entityIds.map((id) => {
    const hit = s.hits.find((h) => h.doc.id === id);
    if (!hit) throw badRequest(`entities: ${id} is not an entity of search ${s.id}`);
    return hit;
  });
  const changed: { id: string; status: EntityMatchStatus }[] = [];
  for (const hit of new Set(hits)) {
    if (update.match_status !== undefined) {
      const before = hit.matchStatus ?? 'potential_match';
      hit.matchStatus = update.match_status;
      if (before !== update.match_status) changed.push({ id: hit.doc.id, status: update.match_status });
    }
    if (update.risk_level !== undefined) hit.riskLevel = update.risk_level;
    if (update.is_whitelisted !== undefined) hit.isWhitelisted = update.is_whitelisted;
    else if (update.match_status !== undefined) {
      hit.isWhitelisted = update.match_status === 'false_positive' && s.clientRef !== undefined;
    }
    if (s.clientRef !== undefined) ctx.store.setWhitelisted(s.clientRef, hit.doc.id, hit.isWhitelisted);
  }
  touch(s);
  for (const { id, status } of changed) {
    ctx.webhooks.raise({
      event: 'match_status_updated',
      data: {
        search_id: s.id,
        client_ref: s.clientRef ?? null,
        entity_id: id,
        entity_match_status: status,
        tags: tagsOf(s),
      },
    });
  }
  return changed.map(() => 'match_status_updated');
}

// ---- GET /searches -------------------------------------------------------------------------------------

const SORT_KEYS = {
  id: (s: SearchRecord) => s.id,
  created_at: (s: SearchRecord) => s.createdMs,
  updated_at: (s: SearchRecord) => s.updatedMs,
  assignee_id: (s: SearchRecord) => s.assigneeId,
  searcher_id: (s: SearchRecord) => s.searcherId,
} as const;

function queryText(q: Record<string, unknown>, key: string): string | undefined {
  const value = q[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${key} must be given once`);
  return value;
}

function commaList(
  q: Record<string, unknown>,
  key: string,
  allowed: readonly string[],
): string[] | undefined {
  const text = queryText(q, key);
  if (text === undefined) return undefined;
  const values = text.split(',').map((v) => v.trim());
  for (const v of values) {
    if (!allowed.includes(v))
      throw badRequest(`${key} must be a comma-separated list of ${allowed.join(', ')}`);
  }
  return values;
}

function idList(q: Record<string, unknown>, key: string): number[] | undefined {
  const text = queryText(q, key);
  if (text === undefined) return undefined;
  const values = text.split(',').map((v) => v.trim());
  if (!values.every((v) => /^\d{1,15}$/.test(v)))
    throw badRequest(`${key} must be a user id (or ids, comma-separated)`);
  return values.map(Number);
}

function dayParam(q: Record<string, unknown>, key: string): string | undefined {
  const text = queryText(q, key);
  if (text === undefined) return undefined;
  if (!isDay(text)) throw badRequest(`${key} must be a date as yyyy-mm-dd`);
  return text;
}

function positiveInt(q: Record<string, unknown>, key: string, fallback: number, max?: number): number {
  const text = queryText(q, key);
  if (text === undefined) return fallback;
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1) || (max !== undefined && n > max)) {
    throw badRequest(`${key} must be a whole number from 1${max === undefined ? '' : ` to ${max}`}`);
  }
  return n;
}

/** `GET /searches`: the documented filters (AND-combined), sorting and pages; other parameters are ignored. */
export function listSearches(ctx: CaClassicContext, q: Record<string, unknown>): SearchRecord[] {
  const assignees = idList(q, 'assignee_id');
  const searchers = idList(q, 'searcher_id');
  const risks = commaList(q, 'risk_level', RISK_LEVELS);
  const statuses = commaList(q, 'match_status', ENTITY_MATCH_STATUSES);
  const submitted = queryText(q, 'submitted_term')?.toLowerCase();
  const term = queryText(q, 'search_term');
  if (term !== undefined && term.trim().length < 3)
    throw badRequest('search_term must be at least 3 characters');
  const from = dayParam(q, 'date_from');
  const to = dayParam(q, 'date_to');
  const tagText = queryText(q, 'tags');
  const tags = tagText?.split(',').map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw badRequest("tags must be comma-separated 'name:value' pairs");
    return [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()] as const;
  });
  const sortBy = queryText(q, 'sort_by') ?? 'id';
  if (!(sortBy in SORT_KEYS)) throw badRequest(`sort_by must be one of ${Object.keys(SORT_KEYS).join(', ')}`);
  const sortDir = (queryText(q, 'sort_dir') ?? 'desc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest("sort_dir must be 'ASC' or 'DESC'");
  const perPage = positiveInt(q, 'per_page', 100, 100);
  const page = positiveInt(q, 'page', 1);

  const wantedTerm = term?.trim().toLowerCase();
  const kept = [...ctx.store.searches.values()].filter((s) => {
    if (assignees && !assignees.includes(s.assigneeId)) return false;
    if (searchers && !searchers.includes(s.searcherId)) return false;
    if (risks && !risks.includes(s.riskLevel)) return false;
    if (statuses && !statuses.includes(s.matchStatus)) return false;
    if (submitted !== undefined && !s.submittedTerm.toLowerCase().includes(submitted)) return false;
    if (wantedTerm !== undefined && !s.searchTerm.toLowerCase().includes(wantedTerm)) return false;
    const day = dayOf(new Date(s.createdMs));
    if (from !== undefined && day < from) return false;
    if (to !== undefined && day > to) return false;
    if (tags && !tags.every(([name, value]) => s.tags[name] === value)) return false;
    return true;
  });
  const key = SORT_KEYS[sortBy as keyof typeof SORT_KEYS];
  const sign = sortDir === 'asc' ? 1 : -1;
  kept.sort((a, b) => sign * (key(a) - key(b) || a.id - b.id));
  return kept.slice((page - 1) * perPage, page * perPage);
}

export function registerSearchRoutes(app: FastifyInstance, ctx: CaClassicContext): void {
  app.post('/searches', (request) => {
    const body = parseBody(createSchema, request.body);
    const term = termOf(body.search_term);
    const search = createSearch(ctx, body, term);
    const share = body.share_url === 1 || body.share_url === true;
    return success({
      data: renderDetails(ctx, search, {
        clientRef: true,
        ...(share ? { shareUrl: shareUrlOf(request, search) } : {}),
      }),
    });
  });

  app.get('/searches', (request) => {
    const searches = listSearches(ctx, request.query as Record<string, unknown>);
    return success({ data: searches.map(renderListItem) });
  });

  app.get<{ Params: { id: string } }>('/searches/:id', (request) => {
    const search = findSearch(ctx, request.params.id);
    return success({
      data: renderOverview(
        ctx,
        search,
        wantsShareUrl(request) ? { shareUrl: shareUrlOf(request, search) } : {},
      ),
    });
  });

  app.get<{ Params: { id: string } }>('/searches/:id/details', (request) => {
    const search = findSearch(ctx, request.params.id);
    return success({
      data: renderDetails(
        ctx,
        search,
        wantsShareUrl(request) ? { shareUrl: shareUrlOf(request, search) } : {},
      ),
    });
  });

  app.patch<{ Params: { id: string } }>('/searches/:id', (request) => {
    const search = findSearch(ctx, request.params.id);
    const body = parseBody(updateSchema, request.body);
    if (Object.values(body).every((v) => v === undefined)) {
      throw badRequest('send one or more of match_status, risk_level, assignee_id, tags');
    }
    updateSearch(ctx, search, body);
    return success({ data: renderOverview(ctx, search) });
  });

  app.patch<{ Params: { id: string } }>('/searches/:id/entities', (request) => {
    const search = findSearch(ctx, request.params.id);
    const { entities, ...update } = parseBody(entitiesSchema, request.body);
    if (Object.values(update).every((v) => v === undefined)) {
      throw badRequest('send one or more of match_status, risk_level, is_whitelisted with entities');
    }
    updateEntities(ctx, search, entities, update);
    return success({ data: renderDetails(ctx, search) });
  });
}
