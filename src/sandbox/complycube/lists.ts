import { invalidRequest } from './errors';

/**
 * ComplyCube's lists: newest first, `page` (from 1) and `pageSize` (at most 100, the default), answered
 * as `{page, pageSize, totalItems, pages, items}`. Filters are query parameters combined with AND.
 */
export const MAX_PAGE_SIZE = 100;

export interface PageAnswer {
  page: number;
  pageSize: number;
  totalItems: number;
  pages: number;
  items: unknown[];
}

type Query = Record<string, unknown>;

function whole(query: Query, key: string, fallback: number, max: number): number {
  const raw = query[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1 || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'of at least 1' : `from 1 to ${max}`;
    throw invalidRequest(`"${key}" must be a whole number ${range}`, key);
  }
  return n;
}

export function paged<T>(query: Query, all: readonly T[], render: (item: T) => unknown): PageAnswer {
  const page = whole(query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const pageSize = whole(query, 'pageSize', MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const start = (page - 1) * pageSize;
  return {
    page,
    pageSize,
    totalItems: all.length,
    pages: Math.ceil(all.length / pageSize),
    items: all.slice(start, start + pageSize).map(render),
  };
}

/**
 * The characters a filter value may hold: letters, digits, `$ - _ * .` and space; `+` arrives only
 * URL-encoded, so a decoded `+` is allowed too. Anything else is "badly formatted".
 */
const FILTER_VALUE = /^[A-Za-z0-9$\-_*. +]*$/;
/** An e-mail filter could never match with the rule as written, so `@` is allowed there (our reading). */
const EMAIL_FILTER_VALUE = /^[A-Za-z0-9$\-_*. +@]*$/;
const DATE_VALUE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

export type Predicate<T> = (item: T) => boolean;

/**
 * What one query parameter does: a predicate, `ignore` (it is dropped), or `unsupported` (the list answers
 * 200 with no items, as ComplyCube does for a badly formatted filter or an unsupported one).
 */
export type FilterRule<T> = Predicate<T> | 'ignore' | 'unsupported';

/** Equality on one string field, after the value passed the character rule. */
export function equals<T>(value: string, field: (item: T) => unknown, allowed = FILTER_VALUE): FilterRule<T> {
  if (!allowed.test(value)) return 'unsupported';
  return (item) => {
    const actual = field(item);
    return (
      (typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean') &&
      String(actual) === value
    );
  };
}

export function emailEquals<T>(value: string, field: (item: T) => unknown): FilterRule<T> {
  return equals(value, field, EMAIL_FILTER_VALUE);
}

/** `createdAfter`, `createdBefore`, `updatedAfter`, `updatedBefore`, which every list takes. */
export function dateRule<T extends { createdAt: string; updatedAt: string }>(
  key: string,
  value: string,
): FilterRule<T> | undefined {
  const m = /^(created|updated)(After|Before)$/.exec(key);
  if (!m) return undefined;
  const at = DATE_VALUE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return 'unsupported';
  const field = m[1] === 'created' ? 'createdAt' : 'updatedAt';
  return m[2] === 'After' ? (item) => Date.parse(item[field]) > at : (item) => Date.parse(item[field]) < at;
}

/**
 * The AND of every filter in the query, or null when one of them makes the list answer no items.
 * `page` and `pageSize` are not filters.
 */
export function filterFrom<T>(
  query: Query,
  ruleFor: (key: string, value: string) => FilterRule<T>,
): Predicate<T> | null {
  const predicates: Predicate<T>[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (key === 'page' || key === 'pageSize') continue;
    // A parameter given twice arrives as a list: not a value ComplyCube documents.
    if (typeof raw !== 'string') return null;
    const rule = ruleFor(key, raw);
    if (rule === 'unsupported') return null;
    if (rule !== 'ignore') predicates.push(rule);
  }
  return (item) => predicates.every((p) => p(item));
}
