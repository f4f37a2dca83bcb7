import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Test-side sender: signs deliveries the way Mesh does (mesh-api-notes.md, "Webhooks"). */

export function newSecret(): string {
  return randomBytes(32).toString('base64');
}

export interface SignOptions {
  secret: string;
  body: string | Buffer;
  id?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

export function standardWebhookHeaders(options: SignOptions): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(options.secret).sign(
    id,
    new Date(timestamp * 1000),
    Buffer.from(options.body),
  );
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

export function legacySignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface CasePayloadOptions {
  apiVersion?: string;
  webhookType?: string;
  caseType?: string;
  caseIdentifier?: string;
  externalIdentifier?: string;
  decisionType?: string | null;
}

/** A v2 case webhook shaped like the guide's Appendix C example. */
export function casePayload(o: CasePayloadOptions = {}): Record<string, unknown> {
  return {
    api_version: o.apiVersion ?? 'v2',
    webhook_type: o.webhookType ?? 'CASE_TRANSITIONED',
    case_identifier: o.caseIdentifier ?? 'case_xyz123',
    case_state: 'CASE_STATE_POSITIVE_END_STATE',
    case_type: o.caseType ?? 'CUSTOMER_ONBOARDING',
    customer: {
      identifier: 'cust_abc789',
      external_identifier: o.externalIdentifier ?? 'CUST-12345',
      version: 1,
    },
    note: { contents: 'Confirmed false positive - different individual with same name' },
    case_stage: {
      identifier: 'stage_def456',
      display_name: 'False Positive',
      display_order: 4,
      stage_type: 'DECISION',
      decision_type: o.decisionType === undefined ? 'POSITIVE' : o.decisionType,
    },
    subjects: [
      { type: 'CUSTOMER', identifier: 'cust_abc789', external_identifier: 'CUST-12345', version: '1' },
    ],
  };
}
