import { timingSafeEqual } from 'node:crypto';

/**
 * The classic API takes the key two ways (the reference's Authentication section): the header
 * `Authorization: Token <key>`, or the query parameter `?api_key=<key>`. Either valid one admits the
 * request. The project's adapter sends the header only; how each request came is logged, so a test can
 * prove a key never travelled in a URL.
 */
export type KeyVia = 'header' | 'query' | 'both' | 'none';

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key of a `Token` Authorization header (the scheme in any case); undefined for any other header. */
function headerKey(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Token\s+(\S+)\s*$/i.exec(header)?.[1];
}

export interface KeyCheck {
  /** How a key came (a header with another scheme counts as none). */
  via: KeyVia;
  /** The query string named `api_key` at all. */
  queryKey: boolean;
  valid: boolean;
  /** The 401 message when not valid. */
  problem?: string;
}

export function checkApiKey(
  authorization: string | string[] | undefined,
  query: URLSearchParams,
  apiKey: string,
): KeyCheck {
  const fromHeader = headerKey(authorization);
  const queryKey = query.has('api_key');
  const fromQuery = query.get('api_key') ?? undefined;
  const via: KeyVia =
    fromHeader !== undefined && queryKey
      ? 'both'
      : fromHeader !== undefined
        ? 'header'
        : queryKey
          ? 'query'
          : 'none';
  const valid =
    (fromHeader !== undefined && same(fromHeader, apiKey)) ||
    (fromQuery !== undefined && fromQuery !== '' && same(fromQuery, apiKey));
  if (valid) return { via, queryKey, valid };
  if (via === 'none') {
    const problem =
      authorization === undefined
        ? 'No API key provided: send Authorization: Token <key> or ?api_key=<key>'
        : 'The Authorization header must be "Token <key>"';
    return { via, queryKey, valid, problem };
  }
  return { via, queryKey, valid, problem: 'Invalid API key' };
}
