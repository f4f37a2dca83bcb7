import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Secret } from '../platform/config/secret';
import type { SignatureFailure } from './signature';

/**
 * ComplyCube signs a delivery with `ComplyCube-Signature`: the hex HMAC-SHA256 of the raw body bytes, keyed
 * with the webhook's secret as UTF-8 text (docs/bridge.md, "ComplyCube route"). It signs no time and no
 * delivery id, so a verified delivery is known only by the event `id` inside the body.
 */
export const COMPLYCUBE_SIGNATURE_HEADER = 'complycube-signature';

export type ComplyCubeSignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export type ComplyCubeSignatureVerifier = (
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
) => ComplyCubeSignatureCheck;

// 32 bytes of HMAC-SHA256 as hex. ComplyCube sends lower case; upper case decodes to the same bytes.
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

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
    const given = Buffer.from(header, 'hex');
    let matched = false;
    for (const key of keys) {
      const expected = createHmac('sha256', key).update(rawBody).digest();
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    return matched ? { ok: true } : { ok: false, reason: 'no-matching-signature' };
  };
}
