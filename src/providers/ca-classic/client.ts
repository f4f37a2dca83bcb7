import type { z } from 'zod';
import { silentLogger, systemClock, type Clock, type ProviderLogger } from '../common/logger';
import {
  CaClassicError,
  type CaClassicApi,
  type CaClassicMonitor,
  type CaClassicSearch,
  type CaClassicSearchQuery,
} from './api';
import { requireCaClassicApiKey, type CaClassicConfig } from './config';
import { errorFromStatus, invalidResponse, unexpectedBody } from './errors';
import { createCaClassicHttp, type CaClassicHttpRequest, type CaClassicHttpResponse } from './http';
import {
  dataSchema,
  envelopeSchema,
  monitorSchema,
  searchSchema,
  type MonitorBody,
  type SearchBody,
} from './response-schemas';

export interface CaClassicClientOptions {
  config: Pick<CaClassicConfig, 'baseUrl' | 'apiKey'>;
  /** Per HTTP request; 10 s by default (CA_CLASSIC_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}

/** The largest `per_page` the API takes. */
export const MAX_PER_PAGE = 100;

const enc = encodeURIComponent;

/** The list filters the client sends; anything else (an `api_key` above all) never reaches the URL. */
const QUERY_KEYS = ['tags', 'search_term', 'date_from', 'per_page', 'page', 'sort_by', 'sort_dir'] as const;

/**
 * The classic API client: one HTTP call per method, the key from the config (a ConfigError naming
 * CA_CLASSIC_API_KEY when unset), errors classified once (errors.ts), every 200 body checked before use.
 * Create it once per process (per account) and pass it to the activities.
 */
export function createCaClassicClient(options: CaClassicClientOptions): CaClassicApi {
  const apiKey = requireCaClassicApiKey(options.config);
  const clock = options.clock ?? systemClock;
  const http = createCaClassicHttp({
    baseUrl: options.config.baseUrl,
    apiKey,
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    logger: options.logger ?? silentLogger,
    clock,
  });

  /** The envelope's `content`, or the classified failure. */
  async function content(request: CaClassicHttpRequest): Promise<unknown> {
    const response = await http.send(request);
    return contentOf(request.operation, response);
  }

  function contentOf(operation: string, response: CaClassicHttpResponse): unknown {
    const { status, body, headers } = response;
    if (status < 200 || status > 299) throw errorFromStatus(operation, status, body, headers, clock.now());
    const envelope = envelopeSchema.safeParse(body);
    const failed =
      typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'failure';
    if (failed) {
      // A failure envelope under a 2xx: classified by its code, as if it had been the status.
      const code = (body as { code?: unknown }).code;
      if (typeof code === 'number' && code >= 400 && code <= 599) {
        throw errorFromStatus(operation, code, body, headers, clock.now());
      }
      throw unexpectedBody(operation, status, 'a failure envelope without an error code');
    }
    if (!envelope.success) throw invalidResponse(operation, envelope.error, status);
    if (envelope.data.status !== undefined && envelope.data.status !== 'success') {
      throw unexpectedBody(operation, status, 'response.status: expected "success"');
    }
    return envelope.data.content;
  }

  function parse<S extends z.ZodType>(
    operation: string,
    schema: S,
    value: unknown,
    path: readonly PropertyKey[],
  ): z.output<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalidResponse(operation, parsed.error, 200, path);
    return parsed.data;
  }

  /** `content.data` as a list: an array, or one object. */
  function searches(operation: string, value: unknown): CaClassicSearch[] {
    const { data } = parse(operation, dataSchema, value, ['content']);
    if (!Array.isArray(data)) return [toSearch(parse(operation, searchSchema, data, ['content', 'data']))];
    return data.map((item, index) =>
      toSearch(parse(operation, searchSchema, item, ['content', 'data', index])),
    );
  }

  /** `content.data` as one search: an object, or an array of exactly one. */
  function oneSearch(operation: string, value: unknown): CaClassicSearch {
    const list = searches(operation, value);
    if (list.length !== 1) {
      throw unexpectedBody(operation, 200, `content.data: expected one search, got ${list.length}`);
    }
    return list[0]!;
  }

  async function search(request: CaClassicHttpRequest): Promise<CaClassicSearch> {
    return oneSearch(request.operation, await content(request));
  }

  async function monitor(request: CaClassicHttpRequest): Promise<CaClassicMonitor> {
    const value = await content(request);
    return toMonitor(parse(request.operation, monitorSchema, value, ['content']));
  }

  return {
    createSearch: (body) =>
      search({
        operation: 'createSearch',
        method: 'POST',
        route: '/searches',
        path: 'searches',
        json: { ...body },
      }),

    getSearch: (searchId) =>
      search({
        operation: 'getSearch',
        method: 'GET',
        route: '/searches/{id}',
        path: `searches/${enc(searchId)}`,
      }),

    getSearchDetails: (searchId) =>
      search({
        operation: 'getSearchDetails',
        method: 'GET',
        route: '/searches/{id}/details',
        path: `searches/${enc(searchId)}/details`,
      }),

    async listSearches(query: CaClassicSearchQuery) {
      const searchParams: Record<string, string | number> = {};
      for (const key of QUERY_KEYS) {
        const value = query[key];
        if (value !== undefined) searchParams[key] = value;
      }
      if (query.per_page !== undefined) searchParams.per_page = Math.min(query.per_page, MAX_PER_PAGE);
      const request: CaClassicHttpRequest = {
        operation: 'listSearches',
        method: 'GET',
        route: '/searches',
        path: 'searches',
        searchParams,
      };
      return searches(request.operation, await content(request));
    },

    patchMonitors: (searchId, isMonitored) =>
      monitor({
        operation: 'patchMonitors',
        method: 'PATCH',
        route: '/searches/{id}/monitors',
        path: `searches/${enc(searchId)}/monitors`,
        json: { is_monitored: isMonitored },
      }),

    getMonitors: (searchId) =>
      monitor({
        operation: 'getMonitors',
        method: 'GET',
        route: '/searches/{id}/monitors',
        path: `searches/${enc(searchId)}/monitors`,
      }),
  };
}

function toSearch(body: SearchBody): CaClassicSearch {
  return {
    id: body.id,
    ...(body.ref !== undefined && { ref: body.ref }),
    ...(body.match_status !== undefined && { matchStatus: body.match_status }),
    ...(body.risk_level !== undefined && { riskLevel: body.risk_level }),
    ...(body.search_term !== undefined && { searchTerm: termOf(body.search_term) }),
    ...(body.client_ref !== undefined && { clientRef: body.client_ref }),
    ...(body.total_hits !== undefined && { totalHits: body.total_hits }),
    tags: body.tags ?? {},
    ...(body.created_at !== undefined && { createdAt: body.created_at }),
    ...(body.filters?.entity_type !== undefined && { entityType: body.filters.entity_type }),
    ...(body.search_profile !== undefined && { searchProfile: body.search_profile }),
    ...(body.hits !== undefined && { hits: body.hits }),
  };
}

function termOf(term: NonNullable<SearchBody['search_term']>): CaClassicSearch['searchTerm'] & {} {
  if (typeof term === 'string') return term;
  return {
    ...(term.first_name !== undefined && { first_name: term.first_name }),
    ...(term.middle_names !== undefined && { middle_names: term.middle_names }),
    ...(term.last_name !== undefined && { last_name: term.last_name }),
  };
}

function toMonitor(body: MonitorBody): CaClassicMonitor {
  return {
    ...(body.search_id !== undefined && { searchId: body.search_id }),
    ...(body.is_monitored !== undefined && { isMonitored: body.is_monitored }),
  };
}

export { CaClassicError };
