import { timingSafeEqual } from 'node:crypto';

/** The key arrives as the `api-key` header (the vendor's v1 page; assumed for v2). */
export function validApiKey(header: string | string[] | undefined, apiKey: string): boolean {
  if (typeof header !== 'string' || header.trim() === '') return false;
  const given = Buffer.from(header.trim());
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
