import { timingSafeEqual } from 'node:crypto';

/**
 * ComplyCube authenticates with the bare API key in `Authorization` (no `Bearer` prefix). A client that
 * adds one is refused like a wrong key, which is what the real API does with a key it does not know.
 */
export type KeyVerdict = 'valid' | 'missing' | 'wrong';

export function checkApiKey(header: string | string[] | undefined, apiKey: string): KeyVerdict {
  if (typeof header !== 'string' || header.trim() === '') return 'missing';
  const given = Buffer.from(header.trim());
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'wrong';
}

export const UNAUTHORIZED_MESSAGE: Record<Exclude<KeyVerdict, 'valid'>, string> = {
  missing: 'No API key was provided in the Authorization header',
  wrong: 'The API key provided is not valid',
};
