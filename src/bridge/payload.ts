import { z } from 'zod';
import type { DecisionType } from '../contracts/case-decision';

/**
 * The parts of a Mesh case webhook the bridge acts on (docs/providers/mesh.md,
 * "Webhooks"). Everything else in the payload (notes, subjects, names) is dropped
 * unread: it is personal data the bridge has no use for. The sender's sets of webhook types, case
 * types and decision types are open, so unknown values are accepted and reported, never refused.
 */
export const KNOWN_WEBHOOK_TYPES = [
  'CASE_TRANSITIONED',
  'CASE_STAGE_UPDATED',
  'CASE_STATE_UPDATED',
  'CASE_CREATED',
] as const;
export type KnownWebhookType = (typeof KNOWN_WEBHOOK_TYPES)[number];

export const KNOWN_CASE_TYPES = ['CUSTOMER_ONBOARDING', 'CUSTOMER_MONITORING'] as const;
export type KnownCaseType = (typeof KNOWN_CASE_TYPES)[number];

/** Events that report a case moving: these must say where it is (a stage or the deprecated state). */
const DECISION_BEARING: ReadonlySet<string> = new Set([
  'CASE_TRANSITIONED',
  'CASE_STAGE_UPDATED',
  'CASE_STATE_UPDATED',
]);

export interface CaseEvent {
  kind: 'case-event';
  webhookType: KnownWebhookType;
  caseType: KnownCaseType;
  caseIdentifier: string;
  externalIdentifier: string;
  /** Mesh's `customer.identifier`, when present. */
  customerIdentifier?: string;
  /** null while the case is still in progress; unknown strings are passed through for the workflow to review. */
  decisionType: DecisionType | null;
  stageIdentifier?: string;
  stageName?: string;
}

export interface IgnoredEvent {
  kind: 'ignored';
  reason: 'api-version' | 'webhook-type' | 'case-type';
  apiVersion: string | undefined;
  webhookType: string | undefined;
  caseType: string | undefined;
}

export type WebhookEvent = CaseEvent | IgnoredEvent;

/** A payload the bridge cannot act on; `field` is the JSON path the sender should look at. */
export class PayloadError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${field}: ${expected}`);
    this.name = 'PayloadError';
  }
}

// Identifiers become workflow IDs: printable, bounded, no whitespace or control characters.
const identifier = z.string().regex(/^[^\s\p{Cc}]{1,255}$/u);

const envelopeSchema = z.object({
  api_version: z.string().optional(),
  webhook_type: z.string().min(1),
  case_type: z.string().min(1),
});

const caseSchema = z.object({
  case_identifier: identifier,
  // Mesh's own customer id is a convenience (it saves the offboarding a lookup), so a bad one is dropped, not refused.
  customer: z.object({ external_identifier: identifier, identifier: identifier.optional().catch(undefined) }),
  case_stage: z
    .object({
      identifier: z.string().optional(),
      display_name: z.string().optional(),
      decision_type: z.string().nullish(),
    })
    .nullish(),
  case_state: z.string().nullish(),
});

const EXPECTED: Record<string, string> = {
  webhook_type: 'required, a string such as CASE_TRANSITIONED',
  case_type: 'required, a string such as CUSTOMER_ONBOARDING',
  api_version: 'expected a string such as v2',
  case_identifier: 'required, a non-empty identifier without spaces (at most 255 characters)',
  'customer.external_identifier': 'required, a non-empty identifier without spaces (at most 255 characters)',
  case_stage: 'expected an object with decision_type',
  'case_stage.decision_type': 'expected POSITIVE, NEGATIVE, PARTIAL_POSITIVE or null',
  'case_stage.identifier': 'expected a string',
  'case_stage.display_name': 'expected a string',
  case_state: 'expected a string such as CASE_STATE_POSITIVE_END_STATE',
};

function firstIssue(error: z.ZodError): PayloadError {
  const issue = error.issues[0];
  let field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  // A missing customer object is reported as the field the bridge actually needs from it.
  if (field === 'customer') field = 'customer.external_identifier';
  return new PayloadError(field, EXPECTED[field] ?? 'unexpected value');
}

/**
 * `case_stage.decision_type` is the current source of truth; only when `case_stage` is absent does the
 * deprecated `case_state` count (docs/providers/mesh.md, "Cases and decisions"). Both end states map to
 * a decision, anything else is in progress.
 */
function decisionOf(
  stage: z.infer<typeof caseSchema>['case_stage'],
  state: string | null | undefined,
): DecisionType | null {
  if (stage !== undefined && stage !== null) {
    const decision = stage.decision_type;
    return decision === undefined || decision === null || decision === '' ? null : decision;
  }
  switch (state?.replace(/^CASE_STATE_/, '')) {
    case 'POSITIVE_END_STATE':
      return 'POSITIVE';
    case 'NEGATIVE_END_STATE':
      return 'NEGATIVE';
    default:
      return null;
  }
}

/** Parses an already verified JSON body. Throws `PayloadError` naming the field that is missing or wrong. */
export function parseWebhookPayload(json: unknown): WebhookEvent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadError('body', 'expected a JSON object');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw firstIssue(envelope.error);
  const { api_version: apiVersion, webhook_type: webhookType, case_type: caseType } = envelope.data;
  const ignored = (reason: IgnoredEvent['reason']): IgnoredEvent => ({
    kind: 'ignored',
    reason,
    apiVersion,
    webhookType,
    caseType,
  });

  // Some events come twice, as v1 and v2: only v2 is acted on (docs/providers/mesh.md). An absent version is
  // read as v2, the current format, rather than risk dropping a real decision.
  if (apiVersion !== undefined && apiVersion !== 'v2') return ignored('api-version');
  if (!isKnown(KNOWN_WEBHOOK_TYPES, webhookType)) return ignored('webhook-type');
  if (!isKnown(KNOWN_CASE_TYPES, caseType)) return ignored('case-type');

  const parsed = caseSchema.safeParse(json);
  if (!parsed.success) throw firstIssue(parsed.error);
  const body = parsed.data;
  const hasStage = body.case_stage !== undefined && body.case_stage !== null;
  const hasState = body.case_state !== undefined && body.case_state !== null;
  if (DECISION_BEARING.has(webhookType) && !hasStage && !hasState) {
    throw new PayloadError(
      'case_stage.decision_type',
      `required for ${webhookType}: a case_stage object (decision_type POSITIVE, NEGATIVE, PARTIAL_POSITIVE or null) or the deprecated case_state`,
    );
  }

  return {
    kind: 'case-event',
    webhookType,
    caseType,
    caseIdentifier: body.case_identifier,
    externalIdentifier: body.customer.external_identifier,
    ...(body.customer.identifier !== undefined && { customerIdentifier: body.customer.identifier }),
    decisionType: decisionOf(body.case_stage, body.case_state),
    ...(body.case_stage?.identifier !== undefined && { stageIdentifier: body.case_stage.identifier }),
    ...(body.case_stage?.display_name !== undefined && { stageName: body.case_stage.display_name }),
  };
}

function isKnown<T extends string>(known: readonly T[], value: string): value is T {
  return (known as readonly string[]).includes(value);
}
