import type { IncomingHttpHeaders } from 'node:http';
import type { Secret } from '../platform/config/secret';
import { HEX_SHA256, hexHmacMatches, type SignatureFailure } from './signature';

/**
 * ComplyCube signs a delivery with `ComplyCube-Signature`: the hex HMAC-SHA256 of the raw body bytes, keyed
 * with the webhook's secret as UTF-8 text (docs/bridge.md, "ComplyCube route"). It signs no time and no
 * delivery id, so a verified delivery is known only by the event `id` inside the body.
 */
const COMPLYCUBE_SIGNATURE_HEADER = 'complycube-signature';

export type ComplyCubeSignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export type ComplyCubeSignatureVerifier = (
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
) => ComplyCubeSignatureCheck;

/**
 * Verifies the raw bytes against every configured secret (rotation). The header is checked for shape
 * (64 hex characters) before it is decoded, so the constant-time comparison always sees two 32-byte
 * buffers; every secret is tried, so the time taken does not tell which one matched.
 */
export function createComplyCubeSignatureVerifier(secrets: readonly Secret[]): ComplyCubeSignatureVerifier {
  const keys = secrets.map((s) => Buffer.from(s.reveal(), 'utf8'));

  return (rawBody, headers) => {
    const header = headers[COMPLYCUBE_SIGNATURE_HEADER];
    if (header === undefined || header === '') return { ok: false, reason: 'missing-signature' };
    // A header sent twice arrives as a list.
    if (typeof header !== 'string' || !HEX_SHA256.test(header)) {
      return { ok: false, reason: 'malformed-headers' };
    }
    let matched = false;
    // Every secret is tried, so the time taken does not tell which one matched.
    for (const key of keys) if (hexHmacMatches(key, rawBody, header)) matched = true;
    return matched ? { ok: true } : { ok: false, reason: 'no-matching-signature' };
  };
}
