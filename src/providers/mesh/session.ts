import type { z } from 'zod';
import type { MeshConfig } from './config';
import { errorFromStatus, invalidResponse } from './errors';
import {
  createMeshHttp,
  silentLogger,
  systemClock,
  type Clock,
  type MeshHttpRequest,
  type MeshHttpResponse,
  type MeshLogger,
} from './http';
import { MeshError } from './api';
import { LIST_ITEM_KEYS, pageSchema } from './response-schemas';
import { createTokenProvider, type TokenProvider } from './token-provider';

export interface MeshClientOptions {
  config: Pick<MeshConfig, 'baseUrl' | 'credentials' | 'requestTimeoutMs'>;
  /** Share one per worker process; created from `config` when absent. */
  tokenProvider?: TokenProvider;
  logger?: MeshLogger;
  clock?: Clock;
}

/** Lists are read page by page until `next` is absent; the cap only guards against a server that never stops. */
const PAGE_SIZE = 100;
const MAX_PAGES = 50;

/**
 * What every Mesh call shares: the transport, the bearer token, the one re-authentication after a 401,
 * classified failures (errors.ts), 2xx bodies checked before use, and paging. The screening client
 * (client.ts) and the webhook administration (webhooks.ts) are built on one.
 */
export function createMeshSession(options: MeshClientOptions) {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const http = createMeshHttp({
    baseUrl: options.config.baseUrl,
    requestTimeoutMs: options.config.requestTimeoutMs,
    logger,
    clock,
  });
  const tokens =
    options.tokenProvider ?? createTokenProvider({ config: options.config, http, clock, logger });

  /** One authenticated request; a 401 drops the token and repeats the request once with a new one. */
  async function call(request: Omit<MeshHttpRequest, 'bearerToken'>): Promise<MeshHttpResponse> {
    let token = await tokens.getToken();
    let response = await http.send({ ...request, bearerToken: token });
    if (response.status === 401) {
      tokens.invalidate(token);
      logger.info('mesh token refused; fetching a new one and repeating the request once', {
        operation: request.operation,
        route: request.route,
      });
      token = await tokens.getToken();
      response = await http.send({ ...request, bearerToken: token });
      // Still refused: drop this token too, so the next attempt (a Temporal retry) starts afresh.
      if (response.status === 401) tokens.invalidate(token);
    }
    return response;
  }

  /** A 2xx body parsed with `schema`, or the classified failure. */
  function expect<S extends z.ZodType>(
    operation: string,
    response: MeshHttpResponse,
    schema: S,
  ): z.output<S> {
    if (response.redirectedOutside !== undefined) {
      throw new MeshError(
        'INVALID_RESPONSE',
        `Mesh ${operation}: redirected to ${response.redirectedOutside}, outside MESH_BASE_URL; not followed so the token is not sent elsewhere`,
        { status: response.status, retryable: false, operation },
      );
    }
    if (response.status < 200 || response.status > 299) {
      throw errorFromStatus(operation, response.status, response.headers, response.body, clock.now());
    }
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) throw invalidResponse(operation, parsed.error, response.status);
    return parsed.data;
  }

  async function listPages(
    operation: string,
    route: string,
    path: string,
    searchParams: Record<string, string> = {},
  ) {
    const items: unknown[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await call({
        operation,
        method: 'GET',
        route,
        path,
        searchParams: { ...searchParams, page_number: page, page_size: PAGE_SIZE },
      });
      const body = expect(operation, response, pageSchema);
      const pageItems = Array.isArray(body) ? body : itemsOf(body);
      if (pageItems === undefined) {
        // Reading an unrecognised page as "no cases" could turn a match into NO_PROFILES; refuse instead.
        throw new MeshError(
          'INVALID_RESPONSE',
          `Mesh ${operation} answered ${response.status} with a page without an item list (response.items)`,
          { status: response.status, retryable: false, operation },
        );
      }
      items.push(...pageItems);
      const hasNext =
        !Array.isArray(body) && body.next !== undefined && body.next !== null && body.next !== '';
      const total = Array.isArray(body) ? undefined : body.total_count;
      if (!hasNext || pageItems.length === 0 || (total !== undefined && items.length >= total)) break;
    }
    return items;
  }

  /** Every item of a list, each checked with `schema` and converted; a bad item names its index. */
  async function listItems<S extends z.ZodType, T>(
    operation: string,
    route: string,
    path: string,
    schema: S,
    convert: (item: z.output<S>) => T,
    searchParams: Record<string, string> = {},
  ): Promise<T[]> {
    const items = await listPages(operation, route, path, searchParams);
    return items.map((item, index) => {
      const parsed = schema.safeParse(item);
      if (!parsed.success) throw invalidResponse(operation, parsed.error, 200, ['items', index]);
      return convert(parsed.data);
    });
  }

  return { call, expect, listItems, logger, clock };
}

export type MeshSession = ReturnType<typeof createMeshSession>;

/** The page's item array, `[]` for an empty page that names none, undefined when it cannot be found. */
function itemsOf(page: Record<string, unknown>): unknown[] | undefined {
  for (const key of LIST_ITEM_KEYS) {
    const value = page[key];
    if (Array.isArray(value)) return value as unknown[];
  }
  return page.total_count === 0 ? [] : undefined;
}
