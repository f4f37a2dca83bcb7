import type { FastifyRequest } from 'fastify';
import { badRequest } from './problem-details';

/**
 * The reference's list shape: `{first, self, next, prev, total_count, items}`, pages from 1 via
 * `page_number` and `page_size` (docs/providers/mesh.md, "Lists"). Links are absolute URLs;
 * next/prev are null at the ends.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

function positiveInt(query: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const raw = query[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badRequest([{ field: key, reasons: [`must be a whole number from 1 to ${max}`], rejected: raw }]);
  }
  return n;
}

export function paginate<T>(
  request: FastifyRequest,
  all: readonly T[],
  render: (item: T) => unknown,
  extraQuery: Record<string, string> = {},
): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const pageNumber = positiveInt(query, 'page_number', 1, Number.MAX_SAFE_INTEGER);
  const pageSize = positiveInt(query, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const lastPage = Math.max(1, Math.ceil(all.length / pageSize));
  const path = request.url.split('?')[0] ?? '';
  const link = (n: number) => {
    const params = new URLSearchParams({
      ...extraQuery,
      page_number: String(n),
      page_size: String(pageSize),
    });
    return `${request.protocol}://${request.host}${path}?${params.toString()}`;
  };
  const start = (pageNumber - 1) * pageSize;
  return {
    first: link(1),
    self: link(pageNumber),
    next: pageNumber < lastPage ? link(pageNumber + 1) : null,
    prev: pageNumber > 1 ? link(Math.min(pageNumber - 1, lastPage)) : null,
    total_count: all.length,
    items: all.slice(start, start + pageSize).map(render),
  };
}
