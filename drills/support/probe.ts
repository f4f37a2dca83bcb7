import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../../src/sandbox/mesh';
import { WEBHOOK_PATH } from './stack';

export interface ProbeAnswer {
  sentAt: number;
  ms: number;
  /** The HTTP status, or 0 when no answer came (connection refused, reset, 10 s timeout). */
  status: number;
}

/**
 * Sends one signed, valid webhook the way Mesh would: a CASE_TRANSITIONED for a real onboarding's case,
 * moved to "In Review" (no decision), so even an accepted probe changes no outcome.
 */
export async function sendProbe(
  bridgeUrl: string,
  externalIdentifier: string,
  caseIdentifier: string,
): Promise<ProbeAnswer> {
  const id = randomUUID();
  const timestamp = new Date();
  const body = JSON.stringify({
    api_version: 'v2',
    webhook_type: 'CASE_TRANSITIONED',
    case_identifier: caseIdentifier,
    case_type: 'CUSTOMER_ONBOARDING',
    case_state: 'CASE_STATE_IN_PROGRESS',
    customer: { identifier: 'cust_probe', external_identifier: externalIdentifier, version: 1 },
    case_stage: {
      identifier: 'stage_in_review',
      display_name: 'In Review',
      display_order: 2,
      stage_type: 'REVIEW',
      decision_type: null,
    },
  });
  const signature = new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).sign(id, timestamp, body);
  const sentAt = Date.now();
  try {
    const response = await fetch(`${bridgeUrl}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return { sentAt, ms: Date.now() - sentAt, status: response.status };
  } catch {
    return { sentAt, ms: Date.now() - sentAt, status: 0 };
  }
}
