import { randomBytes } from 'node:crypto';

/**
 * Identifiers shaped like ComplyCube's (`5ebe587ffd7de4000876118e`): 24 hex characters, a seconds
 * timestamp then random bytes, so they sort roughly by creation like the real ones.
 */
export function newId(): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `${seconds}${randomBytes(8).toString('hex')}`;
}

/** A webhook secret for an API-created webhook: shown once, in the create answer. */
export function newWebhookSecret(): string {
  return randomBytes(24).toString('base64url');
}
