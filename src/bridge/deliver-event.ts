import type { CaseDecision } from '../contracts/case-decision';
import type { CaseEvent, WebhookEvent } from './payload';
import type { Signaller } from './signaller';

/** What happened to one delivery; becomes the log line and the `status` of the 200 answer. */
export type DeliveryOutcome =
  | { status: 'signalled'; workflow: 'onboarding' | 'monitoring-case' | 'complycube-check' }
  /** No running onboarding for that customer (never started, or already finished): acknowledged. */
  | { status: 'no-running-workflow'; workflow: 'onboarding' }
  /** The monitoring case's review already ended; it is never re-opened. */
  | { status: 'case-closed'; workflow: 'monitoring-case' }
  /** `event-type`: a ComplyCube event that is not about a check (src/bridge/complycube-route.ts). */
  | { status: 'ignored'; reason: 'api-version' | 'webhook-type' | 'case-type' | 'event-type' };

export interface DeliveryContext {
  /**
   * The key a repeat of this delivery is recognised by: the signed Standard Webhooks `webhook-id`, or, for
   * the legacy scheme, which signs no id, `legacy-sha256:<hex SHA-256 of the raw body>`. It travels as
   * `CaseDecision.webhookId` (the name is kept: it is in recorded histories), so the workflows drop a
   * replayed legacy delivery exactly as they drop a repeated `webhook-id`.
   */
  webhookId: string;
  receivedAt: Date;
}

function toDecision(event: CaseEvent, context: DeliveryContext): CaseDecision {
  return {
    caseIdentifier: event.caseIdentifier,
    decisionType: event.decisionType,
    caseType: event.caseType,
    ...(event.stageIdentifier !== undefined && { stageIdentifier: event.stageIdentifier }),
    ...(event.stageName !== undefined && { stageName: event.stageName }),
    source: 'webhook',
    webhookId: context.webhookId,
    receivedAt: context.receivedAt.toISOString(),
  };
}

/**
 * Routes a parsed event to its workflow. In-progress events (no decision yet) are signalled too: the
 * workflow records the stage and the case identifier (a CASE_CREATED can be the first place an onboarding
 * learns it), and the signal is cheap. Every monitoring event goes through signal-with-start, not only
 * CASE_CREATED: deliveries can arrive out of order, and a decision that overtakes its CASE_CREATED must
 * still reach a review rather than be dropped; the late CASE_CREATED then finds the case closed.
 */
export async function deliverEvent(
  event: WebhookEvent,
  signaller: Signaller,
  context: DeliveryContext,
): Promise<DeliveryOutcome> {
  if (event.kind === 'ignored') return { status: 'ignored', reason: event.reason };

  const decision = toDecision(event, context);
  switch (event.caseType) {
    case 'CUSTOMER_ONBOARDING': {
      const result = await signaller.signalOnboarding(event.externalIdentifier, decision);
      return result === 'signalled'
        ? { status: 'signalled', workflow: 'onboarding' }
        : { status: 'no-running-workflow', workflow: 'onboarding' };
    }
    case 'CUSTOMER_MONITORING': {
      const review = {
        caseIdentifier: event.caseIdentifier,
        externalIdentifier: event.externalIdentifier,
        ...(event.customerIdentifier !== undefined && { customerIdentifier: event.customerIdentifier }),
      };
      const result = await signaller.signalMonitoringCase(review, decision);
      return result === 'signalled'
        ? { status: 'signalled', workflow: 'monitoring-case' }
        : { status: 'case-closed', workflow: 'monitoring-case' };
    }
  }
}
