import type { SandboxContext } from './context';
import { newId } from './ids';
import { notFound, ProblemError } from './problem-details';
import type { AlertRecord, CaseRecord, CaseStage, CustomerRecord } from './store';
import { nowIso } from './store';

/**
 * Cases and their stages. The stage set mirrors a default Mesh case workflow: New (INITIAL), In Review
 * (REVIEW) and the decision stages, each with the deprecated `case_state` the guide lists
 * (docs/providers/mesh.md, "Cases and decisions").
 */
export const INITIAL_STAGE: CaseStage = {
  identifier: 'stage_new',
  displayName: 'New',
  displayOrder: 1,
  stageType: 'INITIAL',
  decisionType: null,
  caseState: 'CASE_STATE_NOT_STARTED',
};

export const REVIEW_STAGE: CaseStage = {
  identifier: 'stage_in_review',
  displayName: 'In Review',
  displayOrder: 2,
  stageType: 'REVIEW',
  decisionType: null,
  caseState: 'CASE_STATE_IN_PROGRESS',
};

const DECISION_STAGES: Record<string, CaseStage> = {
  POSITIVE: {
    identifier: 'stage_false_positive',
    displayName: 'False Positive',
    displayOrder: 4,
    stageType: 'DECISION',
    decisionType: 'POSITIVE',
    caseState: 'CASE_STATE_POSITIVE_END_STATE',
  },
  NEGATIVE: {
    identifier: 'stage_true_match',
    displayName: 'True Match',
    displayOrder: 5,
    stageType: 'DECISION',
    decisionType: 'NEGATIVE',
    caseState: 'CASE_STATE_NEGATIVE_END_STATE',
  },
  // The guide predates PARTIAL_POSITIVE; its deprecated case_state is not documented. Some matches
  // being true is not a clean result, so the sandbox pairs it with the negative end state.
  PARTIAL_POSITIVE: {
    identifier: 'stage_partial_match',
    displayName: 'Partial Match',
    displayOrder: 3,
    stageType: 'DECISION',
    decisionType: 'PARTIAL_POSITIVE',
    caseState: 'CASE_STATE_NEGATIVE_END_STATE',
  },
};

/** Any other decision string becomes a decision stage of its own, so clients meet unknown values. */
export function decisionStage(decision: string): CaseStage {
  const known = DECISION_STAGES[decision];
  if (known) return known;
  const slug = decision.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return {
    identifier: `stage_${slug}`,
    displayName: decision,
    displayOrder: 6,
    stageType: 'DECISION',
    decisionType: decision,
    caseState: `CASE_STATE_${decision.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_END_STATE`,
  };
}

export function createAlerts(
  ctx: SandboxContext,
  customer: CustomerRecord,
  caseIdentifier: string,
  amlTypes: string[],
  count: number,
): AlertRecord[] {
  const alerts: AlertRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const alert: AlertRecord = {
      identifier: newId('alert'),
      caseIdentifier,
      customerIdentifier: customer.identifier,
      amlTypes,
      profileIdentifier: newId('profile'),
      createdAt: nowIso(),
    };
    ctx.store.alerts.set(alert.identifier, alert);
    alerts.push(alert);
  }
  return alerts;
}

/** Opens a case at the INITIAL stage and fires CASE_CREATED. */
export function openCase(
  ctx: SandboxContext,
  customer: CustomerRecord,
  type: CaseRecord['type'],
  identifier: string,
  alertIdentifiers: string[],
): CaseRecord {
  const now = nowIso();
  const record: CaseRecord = {
    identifier,
    type,
    customerIdentifier: customer.identifier,
    stage: INITIAL_STAGE,
    alertIdentifiers,
    createdAt: now,
    updatedAt: now,
  };
  ctx.store.cases.set(record.identifier, record);
  customer.caseIdentifiers.push(record.identifier);
  emitCaseEvent(ctx, 'created', record, customer);
  return record;
}

export interface TransitionRequest {
  stage: 'IN_REVIEW' | 'DECISION' | 'INITIAL';
  decision?: string | undefined;
  note?: string | undefined;
}

/** The analyst: moves a case and fires CASE_TRANSITIONED / CASE_STAGE_UPDATED per registration. */
export function transitionCase(
  ctx: SandboxContext,
  caseIdentifier: string,
  request: TransitionRequest,
): CaseRecord {
  const record = ctx.store.cases.get(caseIdentifier);
  if (!record) throw notFound('Case', caseIdentifier);
  const customer = ctx.store.customers.get(record.customerIdentifier);
  if (!customer) throw notFound('Customer', record.customerIdentifier);
  let stage: CaseStage;
  if (request.stage === 'DECISION') {
    if (request.decision === undefined || request.decision === '') {
      throw new ProblemError(400, 'Bad Request', 'decision is required when stage is DECISION', [
        {
          field: 'decision',
          reasons: ['is required when stage is DECISION'],
          rejected: request.decision ?? null,
        },
      ]);
    }
    stage = decisionStage(request.decision);
  } else {
    stage = request.stage === 'INITIAL' ? INITIAL_STAGE : REVIEW_STAGE;
  }
  record.stage = stage;
  record.updatedAt = nowIso();
  if (request.note !== undefined) record.note = request.note;
  else delete record.note;
  emitCaseEvent(ctx, 'transitioned', record, customer);
  return record;
}

function stageJson(stage: CaseStage): Record<string, unknown> {
  return {
    identifier: stage.identifier,
    display_name: stage.displayName,
    display_order: stage.displayOrder,
    stage_type: stage.stageType,
    decision_type: stage.decisionType,
  };
}

/** GET /v2/cases/{id} (docs/providers/mesh.md, "Cases and decisions"), plus the deprecated case_state. */
export function renderCase(
  record: CaseRecord,
  customer: CustomerRecord | undefined,
): Record<string, unknown> {
  return {
    identifier: record.identifier,
    type: record.type,
    stage: stageJson(record.stage),
    case_state: record.stage.caseState,
    customer: {
      identifier: record.customerIdentifier,
      external_identifier: customer?.externalIdentifier ?? null,
      risk_level: customer?.riskLevel ?? null,
    },
    alert_count: record.alertIdentifiers.length,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export function renderAlert(alert: AlertRecord): Record<string, unknown> {
  return {
    identifier: alert.identifier,
    case_identifier: alert.caseIdentifier,
    customer_identifier: alert.customerIdentifier,
    aml_types: alert.amlTypes,
    profile: { identifier: alert.profileIdentifier },
    created_at: alert.createdAt,
  };
}

/** The guide's example payload (v2, docs/providers/mesh.md "Webhooks"), or the older, stage-less v1 twin. */
export function casePayload(
  apiVersion: 'v1' | 'v2',
  webhookType: string,
  record: CaseRecord,
  customer: CustomerRecord,
): { api_version: string; webhook_type: string; case_identifier: string } & Record<string, unknown> {
  const base = {
    api_version: apiVersion,
    webhook_type: webhookType,
    case_identifier: record.identifier,
    case_state: record.stage.caseState,
    case_type: record.type,
  };
  if (apiVersion === 'v1') {
    return {
      ...base,
      customer: { identifier: customer.identifier, external_identifier: customer.externalIdentifier },
    };
  }
  return {
    ...base,
    customer: {
      identifier: customer.identifier,
      external_identifier: customer.externalIdentifier,
      version: customer.version,
    },
    ...(record.note === undefined ? {} : { note: { contents: record.note } }),
    case_stage: stageJson(record.stage),
    // As in the guide's example: the subject's version is a string, the customer's a number.
    subjects: [
      {
        type: 'CUSTOMER',
        identifier: customer.identifier,
        external_identifier: customer.externalIdentifier,
        version: String(customer.version),
      },
    ],
  };
}

/**
 * Which registrations get which payload: CASE_CREATED for a new case; a move goes to CASE_TRANSITIONED
 * registrations as webhook_type CASE_TRANSITIONED and to deprecated CASE_STATE_UPDATED registrations as
 * CASE_STAGE_UPDATED, the guide's example payload (the payload type can differ from the subscribed one).
 */
export function emitCaseEvent(
  ctx: SandboxContext,
  event: 'created' | 'transitioned',
  record: CaseRecord,
  customer: CustomerRecord,
): void {
  for (const hook of ctx.store.webhooks.values()) {
    if (!hook.isActive) continue;
    let webhookType: string | undefined;
    if (event === 'created' && hook.type === 'CASE_CREATED') webhookType = 'CASE_CREATED';
    if (event === 'transitioned' && hook.type === 'CASE_TRANSITIONED') webhookType = 'CASE_TRANSITIONED';
    if (event === 'transitioned' && hook.type === 'CASE_STATE_UPDATED') webhookType = 'CASE_STAGE_UPDATED';
    if (webhookType === undefined) continue;
    if (ctx.settings.webhookV1Twin) {
      ctx.webhooks.send({
        url: hook.url,
        subscriptionType: hook.type,
        payload: casePayload('v1', webhookType, record, customer),
      });
    }
    ctx.webhooks.send({
      url: hook.url,
      subscriptionType: hook.type,
      payload: casePayload('v2', webhookType, record, customer),
    });
  }
}
