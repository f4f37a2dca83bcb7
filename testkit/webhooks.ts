/**
 * The sender's side of Mesh's webhooks, for tests, benchmarks and drills: signed the way Mesh signs
 * them (Standard Webhooks v1, and the legacy HMAC header; docs/providers/mesh.md, "Webhooks"), with case
 * webhook bodies shaped like the guide's Appendix C example (about 750 bytes).
 *
 * Signing uses node:crypto, not the library the bridge verifies with: an independent implementation of
 * the scheme, and cheap enough for a load generator.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/** A fresh signing secret in the form WEBHOOK_SECRET takes (base64 of 32 random bytes). */
export function newSecret(): string {
  return randomBytes(32).toString('base64');
}

function signingKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/** As the library signs: over `id.timestamp.body`, a Buffer body taken as its UTF-8 text. */
function sign(key: Buffer, id: string, timestamp: number, body: string | Buffer): string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const hmac = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`);
  return `v1,${hmac.digest('base64')}`;
}

export interface SignOptions {
  secret: string;
  body: string | Buffer;
  /** Default: a fresh `msg_<uuid>`. */
  id?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of one delivery. */
export function standardWebhookHeaders(options: SignOptions): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(signingKey(options.secret), id, timestamp, options.body),
  };
}

export interface WebhookSigner {
  /** Content type and signature headers for one delivery of `body`; `id` must be unique per delivery. */
  headers(id: string, body: string): Record<string, string>;
}

/** Signs many deliveries with one secret (the key decoded once): for load generators. */
export function webhookSigner(secret: string): WebhookSigner {
  const key = signingKey(secret);
  return {
    headers(id, body) {
      const timestamp = Math.floor(Date.now() / 1000);
      return {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(key, id, timestamp, body),
      };
    },
  };
}

/** The legacy `X-ComplyAdvantage-Signature`: hex HMAC-SHA256 of the body. */
export function legacySignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface CasePayloadOptions {
  apiVersion?: string;
  webhookType?: string;
  caseType?: string;
  caseIdentifier?: string;
  externalIdentifier?: string;
  /** Mesh's customer identifier (default the guide's `cust_abc789`). */
  customerIdentifier?: string;
  /** Default POSITIVE; null: the case moved to a stage without a decision (the run keeps waiting). */
  decisionType?: string | null;
  stageIdentifier?: string;
}

/** A v2 case webhook shaped like the guide's Appendix C example, its values those of the example by default. */
export function casePayload(o: CasePayloadOptions = {}): Record<string, unknown> {
  const externalIdentifier = o.externalIdentifier ?? 'CUST-12345';
  const customerIdentifier = o.customerIdentifier ?? 'cust_abc789';
  const decisionType = o.decisionType === undefined ? 'POSITIVE' : o.decisionType;
  return {
    api_version: o.apiVersion ?? 'v2',
    webhook_type: o.webhookType ?? 'CASE_TRANSITIONED',
    case_identifier: o.caseIdentifier ?? 'case_xyz123',
    case_state: decisionType === null ? 'CASE_STATE_IN_PROGRESS' : 'CASE_STATE_POSITIVE_END_STATE',
    case_type: o.caseType ?? 'CUSTOMER_ONBOARDING',
    customer: { identifier: customerIdentifier, external_identifier: externalIdentifier, version: 1 },
    note: { contents: 'Confirmed false positive - different individual with same name' },
    case_stage: {
      identifier: o.stageIdentifier ?? 'stage_def456',
      display_name: decisionType === null ? 'Under Investigation' : 'False Positive',
      display_order: 4,
      stage_type: decisionType === null ? 'IN_PROGRESS' : 'DECISION',
      decision_type: decisionType,
    },
    subjects: [
      {
        type: 'CUSTOMER',
        identifier: customerIdentifier,
        external_identifier: externalIdentifier,
        version: '1',
      },
    ],
  };
}

/** A case webhook (`casePayload(options)`) as Mesh delivers it: its JSON body and signature headers. */
export function signedCaseWebhook(
  secret: string,
  options: CasePayloadOptions = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(casePayload(options));
  return { body, headers: standardWebhookHeaders({ secret, body }) };
}
