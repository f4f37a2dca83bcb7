import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Secret } from '../config/mesh';

/** How an accepted delivery was authenticated; only Standard Webhooks carries a signed delivery id. */
export type VerifiedDelivery = { scheme: 'standard-webhooks'; webhookId: string } | { scheme: 'legacy' };

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
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const WHSEC_PREFIX = 'whsec_';

/**
 * Verifies a delivery against the raw request bytes, before anything parses them (mesh-api-notes.md,
 * "Webhooks"): Standard Webhooks v1 with any of the configured secrets (rotation), and, only when
 * `legacySecret` is set, the guide's `x-complyadvantage-signature` hex HMAC (Appendix C). The guide's
 * example re-serialises the parsed JSON, which breaks on any whitespace or key-order difference: here
 * the HMAC always covers the bytes as received.
 */
export function createSignatureVerifier(secrets: SignatureSecrets): SignatureVerifier {
  const webhooks = secrets.webhookSecrets.map((s) => new NativeHmacWebhook(s.reveal()));
  const legacyKey = secrets.legacySecret?.reveal();

  return (rawBody, headers) => {
    // Node lower-cases incoming header names, so `Webhook-Signature` and `webhook-signature` are one header.
    const standard = {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
    };
    const legacy = headers[LEGACY_HEADER];
    const hasStandard =
      standard.id !== undefined || standard.timestamp !== undefined || standard.signature !== undefined;

    let failure: SignatureFailure = 'missing-signature';
    if (webhooks.length > 0 && hasStandard) {
      const result = verifyStandard(webhooks, rawBody, standard);
      if (result.ok) return result;
      failure = result.reason;
    }
    if (legacyKey !== undefined && legacy !== undefined) {
      if (verifyLegacy(legacyKey, rawBody, legacy)) return { ok: true, delivery: { scheme: 'legacy' } };
      if (failure === 'missing-signature') failure = 'no-matching-signature';
    }
    return { ok: false, reason: failure };
  };
}

type StandardHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

/**
 * The library's verifier with two costs taken out (bench/bridge-throughput.ts):
 * - its HMAC-SHA256 runs in JavaScript (fast-sha256), about a tenth of the bridge's CPU per webhook; `sign`
 *   takes the same bytes from Node's OpenSSL (test/bridge/signature.test.ts checks that both sign alike);
 * - it reports a mismatch by throwing an error that sets its prototype twice and captures two stack
 *   traces, about 5 µs per forged request, most of the cost of a refusal. `check` therefore compares the
 *   header's `v1,` entries with the expected signature first (constant time, the same way the library
 *   splits them) and refuses on its own when none matches.
 * Every acceptance is still the library's: header handling, the 5-minute timestamp window and its own
 * comparison run on every delivery the pre-check lets through, and the pre-check's HMAC is handed to the
 * library's `sign` call for that delivery rather than computed twice. The pre-check can only refuse more,
 * never accept more; a test holds it to the library's verdict on the same inputs.
 */
export class NativeHmacWebhook extends Webhook {
  private readonly hmacKey: Buffer;
  /** The signature `check` computed, for the library's `sign` call on the same delivery straight after. */
  private computed: { msgId: string; seconds: number; payload: Buffer; signature: string } | undefined;

  constructor(secret: string) {
    // The library decodes (and rejects) the secret first; for valid base64 Node decodes the same bytes.
    super(secret);
    this.hmacKey = Buffer.from(
      secret.startsWith(WHSEC_PREFIX) ? secret.slice(WHSEC_PREFIX.length) : secret,
      'base64',
    );
  }

  override sign(msgId: string, timestamp: Date, payload: string | Buffer): string {
    const seconds = Math.floor(timestamp.getTime() / 1000);
    const computed = this.computed;
    if (
      computed !== undefined &&
      computed.payload === payload &&
      computed.msgId === msgId &&
      computed.seconds === seconds
    ) {
      return computed.signature;
    }
    return `v1,${this.hmac(msgId, seconds, payload)}`;
  }

  /** Verifies one delivery whose headers are present and well-formed: undefined when accepted, else why not. */
  check(payload: Buffer, headers: StandardHeaders): SignatureFailure | undefined {
    const msgId = headers['webhook-id'];
    // The library reads the timestamp with parseInt too; the caller has already checked it is all digits.
    const seconds = parseInt(headers['webhook-timestamp'], 10);
    const expected = this.hmac(msgId, seconds, payload);
    if (!anyV1EntryMatches(headers['webhook-signature'], expected)) return 'no-matching-signature';

    this.computed = { msgId, seconds, payload, signature: `v1,${expected}` };
    try {
      withoutStackTraces(() => this.verify(payload, headers, { jsonParse: false }));
      return undefined;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      if (err.message.includes('too old')) return 'stale-timestamp';
      if (err.message.includes('too new')) return 'future-timestamp';
      return 'no-matching-signature';
    } finally {
      this.computed = undefined;
    }
  }

  private hmac(msgId: string, seconds: number, payload: string | Buffer): string {
    return createHmac('sha256', this.hmacKey).update(`${msgId}.${seconds}.`).update(payload).digest('base64');
  }
}

/** The library's reading of the header: space-separated `version,signature` entries, only `v1` counts. */
function anyV1EntryMatches(header: string, expected: string): boolean {
  const want = Buffer.from(expected);
  let matched = false;
  for (const entry of header.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) continue;
    const given = Buffer.from(signature);
    // Every entry is compared, so the time taken does not depend on which one matched.
    if (given.length === want.length && timingSafeEqual(given, want)) matched = true;
  }
  return matched;
}

/**
 * The library's error captures two stack traces (and, with source maps on, maps them). A refusal is an
 * answer, not a bug, so no stack is captured while the library runs.
 */
function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function verifyStandard(
  webhooks: readonly NativeHmacWebhook[],
  rawBody: Buffer,
  h: {
    id: string | string[] | undefined;
    timestamp: string | string[] | undefined;
    signature: string | string[] | undefined;
  },
): SignatureCheck {
  const { id, timestamp, signature } = h;
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    return {
      ok: false,
      reason:
        id === undefined || timestamp === undefined || signature === undefined
          ? 'missing-signature'
          : 'malformed-headers',
    };
  }
  if (!WEBHOOK_ID.test(id) || !TIMESTAMP.test(timestamp) || signature.trim() === '') {
    return { ok: false, reason: 'malformed-headers' };
  }
  // The library signs `payload.toString()`; for valid UTF-8 that is exactly the received bytes, for
  // anything else it would be a lossy decoding, so such bodies are refused rather than half-verified.
  if (!isUtf8(rawBody)) return { ok: false, reason: 'body-not-utf8' };

  const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  for (const webhook of webhooks) {
    const failure = webhook.check(rawBody, headers);
    if (failure === undefined) return { ok: true, delivery: { scheme: 'standard-webhooks', webhookId: id } };
    // The timestamp verdict is the same for every secret: no point trying the others.
    if (failure !== 'no-matching-signature') return { ok: false, reason: failure };
  }
  return { ok: false, reason: 'no-matching-signature' };
}

function verifyLegacy(key: string, rawBody: Buffer, header: string | string[]): boolean {
  if (typeof header !== 'string' || !HEX_SHA256.test(header)) return false;
  const expected = createHmac('sha256', key).update(rawBody).digest();
  const given = Buffer.from(header, 'hex');
  // Both are 32 bytes (the regex pins the length), which timingSafeEqual requires.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
