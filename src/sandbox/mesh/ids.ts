import { randomBytes } from 'node:crypto';

/** Identifiers in the guide's style (`cust_xyz789abc`, `case_xyz123`): a type prefix and random hex. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
