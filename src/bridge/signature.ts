import { isUtf8 } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Secret } from '../platform/config/secret';

/** Standard Webhooks refuses timestamps further off than this, either way (docs/providers/mesh.md). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * An accepted delivery: how it was authenticated, and the key its repeats are recognised by. For
 * Standard Webhooks that is the signed `webhook-id`; the legacy scheme signs neither an id nor a time,
 * so its key is the body's SHA-256 (`legacy-sha256:<hex>`) and an identical body counts as a repeat.
 */
export interface VerifiedDelivery {
  scheme: 'standard-webhooks' | 'legacy';
  webhookId: string;
}

/** Why a delivery was refused: for logs and metrics only, the sender just gets a plain 401. */
export type SignatureFailure =
  | 'missing-signature'
  | 'malformed-headers'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'body-not-utf8'
  | 'no-matching-signature';

export type SignatureCheck =
  { ok: true; delivery: VerifiedDelivery } | { ok: false; reason: SignatureFailure };

export type SignatureVerifier = (rawBody: Buffer, headers: IncomingHttpHeaders) => SignatureCheck;

export interface SignatureSecrets {
  webhookSecrets: readonly Secret[];
  legacySecret: Secret | undefined;
}

const LEGACY_HEADER = 'x-complyadvantage-signature';
// Unix seconds. The library's own parseInt would accept "1700000000abc"; anything but digits is malformed.
const TIMESTAMP = /^\d{1,12}$/;
const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;
/** 32 bytes of HMAC-SHA256 as hex (either case decodes to the same bytes). */
export const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Verifies a delivery against the raw request bytes, before anything parses them (docs/providers/mesh.md,
 * "Webhooks"): Standard Webhooks v1 with any of the configured secrets (rotation), checked by the
 * `standardwebhooks` library (constant-time comparison included); and, only when `legacySecret` is set
 * and the delivery carries no Standard Webhooks header at all, the guide's `x-complyadvantage-signature`
 * hex HMAC. The guide's example re-serialises the parsed JSON, which breaks on any
 * whitespace or key-order difference: here the HMAC always covers the bytes as received.
 */
export function createSignatureVerifier(secrets: SignatureSecrets): SignatureVerifier {
  // The library decodes each secret here, so one that is not base64 fails at start, not per request.
  const webhooks = secrets.webhookSecrets.map((s) => signerOf(s.reveal()));
  const legacyKey = secrets.legacySecret?.reveal();

  return (rawBody, headers) => {
    // Node lower-cases incoming header names, so `Webhook-Signature` and `webhook-signature` are one header.
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    // A delivery with any Standard Webhooks header is judged by that scheme alone. Falling back to the
    // legacy signature would let anyone holding a captured delivery strip or garble its timestamped
    // headers and replay it on the legacy HMAC, which never expires.
    if (id !== undefined || timestamp !== undefined || signature !== undefined) {
      return verifyStandard(webhooks, rawBody, { id, timestamp, signature });
    }
    const legacy = headers[LEGACY_HEADER];
    if (legacyKey === undefined || legacy === undefined) return refused('missing-signature');
    if (!verifyLegacy(legacyKey, rawBody, legacy)) return refused('no-matching-signature');
    return { ok: true, delivery: { scheme: 'legacy', webhookId: legacyDeliveryKey(rawBody) } };
  };
}

function refused(reason: SignatureFailure): SignatureCheck {
  return { ok: false, reason };
}

/** A secret as the library holds it, and its key bytes for the constant-time pre-check. */
interface Signer {
  webhook: Webhook;
  key: Buffer;
}

const WHSEC_PREFIX = 'whsec_';

function signerOf(secret: string): Signer {
  // The library decodes the same way (optional `whsec_` prefix, then base64) and refuses what it cannot.
  const webhook = new Webhook(secret);
  const key = Buffer.from(
    secret.startsWith(WHSEC_PREFIX) ? secret.slice(WHSEC_PREFIX.length) : secret,
    'base64',
  );
  return { webhook, key };
}

/**
 * Whether any `v1,` entry of the header is the HMAC of this delivery under `key`, compared in constant
 * time. Only a delivery that passes goes to the library, which alone decides acceptance: a forged
 * delivery is refused here without the library's exception (two stack traces each), so a flood of
 * forgeries costs little.
 */
function anyEntryMatches(
  key: Buffer,
  id: string,
  timestamp: string,
  rawBody: Buffer,
  header: string,
): boolean {
  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest('base64'),
  );
  let matched = false;
  for (const entry of header.split(' ')) {
    const [version, given] = entry.split(',');
    if (version !== 'v1' || given === undefined) continue;
    const bytes = Buffer.from(given);
    // Every entry is compared, so the time taken does not tell which one matched.
    if (bytes.length === expected.length && timingSafeEqual(bytes, expected)) matched = true;
  }
  return matched;
}

function verifyStandard(
  webhooks: readonly Signer[],
  rawBody: Buffer,
  h: {
    id: string | string[] | undefined;
    timestamp: string | string[] | undefined;
    signature: string | string[] | undefined;
  },
): SignatureCheck {
  const { id, timestamp, signature } = h;
  if (id === undefined || timestamp === undefined || signature === undefined) {
    return refused('missing-signature');
  }
  // A header sent twice arrives as a list.
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    return refused('malformed-headers');
  }
  if (!WEBHOOK_ID.test(id) || !TIMESTAMP.test(timestamp) || signature.trim() === '') {
    return refused('malformed-headers');
  }
  // The library signs `payload.toString()`; for valid UTF-8 that is exactly the received bytes, for
  // anything else it would be a lossy decoding, so such bodies are refused rather than half-verified.
  if (!isUtf8(rawBody)) return refused('body-not-utf8');

  // The same window the library applies, judged here from the header so the reason never depends on the
  // library's error messages. (At the very edge of the window the library, reading the clock a moment
  // later, may still refuse: that delivery is then reported as no-matching-signature.)
  const age = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (age > SIGNATURE_TOLERANCE_SECONDS) return refused('stale-timestamp');
  if (age < -SIGNATURE_TOLERANCE_SECONDS) return refused('future-timestamp');

  const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  for (const { webhook, key } of webhooks) {
    if (!anyEntryMatches(key, id, timestamp, rawBody, signature)) continue;
    try {
      // jsonParse off: the library only verifies; parsing (and its 400) is the handler's.
      webhook.verify(rawBody, headers, { jsonParse: false });
      return { ok: true, delivery: { scheme: 'standard-webhooks', webhookId: id } };
    } catch (err) {
      // Signed with another secret (rotation), or not by us at all: try the next one.
      if (!(err instanceof WebhookVerificationError)) throw err;
    }
  }
  return refused('no-matching-signature');
}

function verifyLegacy(key: string, rawBody: Buffer, header: string | string[]): boolean {
  if (typeof header !== 'string' || !HEX_SHA256.test(header)) return false;
  return hexHmacMatches(key, rawBody, header);
}

/**
 * Whether `hexHeader` (already checked against HEX_SHA256) is the HMAC-SHA256 of the raw bytes under
 * `key`, compared in constant time: the legacy Mesh scheme and ComplyCube's sign the same way.
 */
export function hexHmacMatches(key: string | Buffer, rawBody: Buffer, hexHeader: string): boolean {
  const expected = createHmac('sha256', key).update(rawBody).digest();
  const given = Buffer.from(hexHeader, 'hex');
  // Both are 32 bytes (the regex pins the length), which timingSafeEqual requires.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a legacy delivery is recognised by when it comes again: the SHA-256 of its exact bytes. */
export function legacyDeliveryKey(rawBody: Buffer): string {
  return `legacy-sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}
