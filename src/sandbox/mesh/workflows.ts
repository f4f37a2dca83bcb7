import type { FastifyInstance, FastifyReply } from 'fastify';
import { createAlerts, openCase } from './cases';
import type { SandboxContext } from './context';
import {
  isObject,
  parseCreateAndScreen,
  parseUpdate,
  type CreateAndScreenInput,
  type JsonObject,
} from './customer-input';
import { newId } from './ids';
import { badRequest, notFound, ProblemError } from './problem-details';
import { ruleFor, type ScreeningRule } from './screening-rules';
import { duplicateErrorMessage } from './settings';
import { canonicalJson, nowIso, type CustomerRecord, type StepStatus, type WorkflowRecord } from './store';

/**
 * The create-and-screen and update-and-rescore workflows (docs/providers/mesh.md, "Create and screen" and
 * "Update and re-score"): hyphenated statuses, the skip rules, and a `case-creation` step.
 */
type SyncMode = 'SCREENING' | 'ALERTING' | 'ASYNC';

function setStep(
  wf: WorkflowRecord,
  name: string,
  status: StepStatus,
  output?: JsonObject,
  errorMessage?: string,
): void {
  const step = wf.steps.get(name) ?? { identifier: newId('step'), status };
  step.status = status;
  if (output !== undefined) step.output = output;
  if (errorMessage !== undefined) step.errorMessage = errorMessage;
  wf.steps.set(name, step);
}

export function workflowStatus(wf: WorkflowRecord): StepStatus {
  let done = true;
  for (const step of wf.steps.values()) {
    if (step.status === 'ERRORED') return 'ERRORED';
    if (step.status !== 'COMPLETED' && step.status !== 'SKIPPED') done = false;
  }
  return done ? 'COMPLETED' : 'IN-PROGRESS';
}

export function renderWorkflow(wf: WorkflowRecord): Record<string, unknown> {
  const stepDetails: Record<string, unknown> = {};
  for (const [name, step] of wf.steps) {
    stepDetails[name] = {
      identifier: step.identifier,
      status: step.status,
      ...(step.output === undefined ? {} : { step_output: step.output }),
      ...(step.errorMessage === undefined ? {} : { error_message: step.errorMessage }),
    };
  }
  return {
    workflow_instance_identifier: wf.identifier,
    status: workflowStatus(wf),
    step_details: stepDetails,
  };
}

function newWorkflow(kind: WorkflowRecord['kind'], customerIdentifier?: string): WorkflowRecord {
  return {
    identifier: newId('wf'),
    kind,
    steps: new Map(),
    ...(customerIdentifier === undefined ? {} : { customerIdentifier }),
    createdAt: nowIso(),
  };
}

/** Alerting, then case creation: synchronous for ALERTING, in the background otherwise. */
function runAlerting(
  ctx: SandboxContext,
  wf: WorkflowRecord,
  customer: CustomerRecord,
  rule: ScreeningRule,
): void {
  if (rule.profileCount === 0) {
    setStep(wf, 'alerting', 'COMPLETED', { alerts: [] });
    setStep(wf, 'case-creation', 'SKIPPED');
    return;
  }
  const caseIdentifier = newId('case');
  const alerts = createAlerts(ctx, customer, caseIdentifier, rule.amlTypes, rule.profileCount);
  setStep(wf, 'alerting', 'COMPLETED', { alerts: alerts.map((a) => ({ identifier: a.identifier })) });
  const createCase = () => {
    openCase(
      ctx,
      customer,
      'CUSTOMER_ONBOARDING',
      caseIdentifier,
      alerts.map((a) => a.identifier),
    );
    setStep(wf, 'case-creation', 'COMPLETED', { case_identifier: caseIdentifier });
  };
  const delay = ctx.settings.caseCreationDelayMs;
  if (delay > 0) {
    setStep(wf, 'case-creation', 'IN-PROGRESS');
    ctx.scheduler.after(delay, createCase);
  } else {
    createCase();
  }
}

function createCustomer(
  ctx: SandboxContext,
  input: CreateAndScreenInput,
  fingerprint: string,
  rule: ScreeningRule,
  wf: WorkflowRecord,
): CustomerRecord {
  const now = nowIso();
  const customer: CustomerRecord = {
    identifier: newId('cust'),
    externalIdentifier: input.externalIdentifier,
    kind: input.kind,
    data: input.customer,
    version: 1,
    createdAt: now,
    updatedAt: now,
    riskLevel: rule.overallLevel,
    riskValue: rule.overallValue,
    ...(rule.screeningResult === undefined || rule.screeningError !== undefined
      ? {}
      : { screeningResult: rule.screeningResult }),
    monitoringEnabled: input.monitoringEnabled,
    screeningConfigurationIdentifier: input.screeningConfigurationIdentifier,
    monitoringUpdatedAt: now,
    createFingerprint: fingerprint,
    createWorkflowIdentifier: wf.identifier,
    caseIdentifiers: [],
  };
  ctx.store.addCustomer(customer);
  return customer;
}

function runCreateAndScreen(
  ctx: SandboxContext,
  input: CreateAndScreenInput,
  fingerprint: string,
  mode: SyncMode,
): WorkflowRecord {
  const rule = ruleFor(input.nameCandidates);
  const wf = newWorkflow('create-and-screen');
  const customer = createCustomer(ctx, input, fingerprint, rule, wf);
  wf.customerIdentifier = customer.identifier;
  ctx.store.workflows.set(wf.identifier, wf);
  setStep(wf, 'customer-creation', 'COMPLETED', {
    customer_identifier: customer.identifier,
    external_identifier: customer.externalIdentifier,
  });
  setStep(wf, 'initial-risk-scoring', 'COMPLETED', {
    overall_level: rule.overallLevel,
    overall_value: rule.overallValue,
  });
  if (rule.overallLevel === 'PROHIBITED') {
    for (const name of ['customer-screening', 'alerting', 'case-creation']) setStep(wf, name, 'SKIPPED');
    return wf;
  }
  if (rule.screeningError !== undefined) {
    setStep(wf, 'customer-screening', 'ERRORED', undefined, rule.screeningError);
    setStep(wf, 'alerting', 'SKIPPED');
    setStep(wf, 'case-creation', 'SKIPPED');
    return wf;
  }
  setStep(wf, 'customer-screening', 'COMPLETED', {
    screening_result: rule.screeningResult,
    aml_types: rule.amlTypes,
  });
  if (mode === 'ALERTING') {
    runAlerting(ctx, wf, customer, rule);
  } else {
    setStep(wf, 'alerting', 'IN-PROGRESS');
    setStep(wf, 'case-creation', 'NOT-STARTED');
    ctx.scheduler.after(ctx.settings.backgroundStepDelayMs, () => runAlerting(ctx, wf, customer, rule));
  }
  return wf;
}

/**
 * The reference's duplicate shape: 200, workflow ERRORED, the existing customer in customer-creation,
 * with the `duplicateErrorMessage` wording (the published one by default, another one, or none).
 */
function erroredDuplicate(ctx: SandboxContext, existing: CustomerRecord): WorkflowRecord {
  const wf = newWorkflow('create-and-screen', existing.identifier);
  setStep(
    wf,
    'customer-creation',
    'ERRORED',
    { customer_identifier: existing.identifier, external_identifier: existing.externalIdentifier },
    duplicateErrorMessage(ctx.settings, existing.externalIdentifier, existing.identifier),
  );
  for (const name of ['initial-risk-scoring', 'customer-screening', 'alerting', 'case-creation'])
    setStep(wf, name, 'SKIPPED');
  ctx.store.workflows.set(wf.identifier, wf);
  return wf;
}

function answer(reply: FastifyReply, wf: WorkflowRecord, mode: SyncMode): unknown {
  void reply.code(200);
  return mode === 'ASYNC' ? { workflow_instance_identifier: wf.identifier } : renderWorkflow(wf);
}

function createAndScreen(ctx: SandboxContext, body: unknown, mode: SyncMode, reply: FastifyReply): unknown {
  const input = parseCreateAndScreen(body);
  const fingerprint = canonicalJson(body);
  const existing = ctx.store.customersByExternalId.get(input.externalIdentifier);
  if (!existing) return answer(reply, runCreateAndScreen(ctx, input, fingerprint, mode), mode);

  // The reference calls sync create-and-screen idempotent for identical bodies: a retry of the very
  // same request (e.g. after a lost response) gets the original workflow back.
  if (ctx.settings.identicalRetry === 'replay' && existing.createFingerprint === fingerprint) {
    const original = ctx.store.workflows.get(existing.createWorkflowIdentifier);
    if (original) return answer(reply, original, mode);
  }
  switch (ctx.settings.duplicateShape) {
    case 'conflict-problem':
      throw new ProblemError(
        409,
        'Conflict',
        `A workflow with id ${existing.createWorkflowIdentifier} already exists for this customer`,
      );
    case 'conflict-guide':
      void reply.code(409);
      return {
        error: 'DUPLICATE_EXTERNAL_IDENTIFIER',
        message: `A customer with external_identifier '${existing.externalIdentifier}' already exists`,
        existing_customer_identifier: existing.identifier,
      };
    case 'errored-200':
      return answer(reply, erroredDuplicate(ctx, existing), mode);
  }
}

/** Keys the sandbox adds when rendering a customer; dropped if a client sends a GET response back. */
const RENDERED_ONLY_KEYS = [
  'identifier',
  'customer_identifier',
  'customer_type',
  'version',
  'created_at',
  'updated_at',
  'risk_level',
  'risk_score',
  'screening_result',
  'monitoring',
];

function updateAndRescore(
  ctx: SandboxContext,
  customerIdentifier: string,
  body: unknown,
): Record<string, unknown> {
  const customer = ctx.store.customers.get(customerIdentifier);
  if (!customer) throw notFound('Customer', customerIdentifier);
  const input = parseUpdate(body, customer);
  // The reference: update-and-rescore REPLACES the record, so fields left out are gone.
  const data: JsonObject = { ...input.customer, external_identifier: customer.externalIdentifier };
  for (const key of RENDERED_ONLY_KEYS) delete data[key];
  const rule = ruleFor(input.nameCandidates);
  const now = nowIso();
  customer.data = data;
  customer.riskLevel = rule.overallLevel;
  customer.riskValue = rule.overallValue;
  customer.version += 1;
  customer.updatedAt = now;
  // Monitoring stays as it was unless the request says otherwise (docs/providers/mesh.md).
  const monitoring = isObject(body) && isObject(body.monitoring) ? body.monitoring : undefined;
  const enabled = isObject(monitoring?.entity_screening) ? monitoring.entity_screening.enabled : undefined;
  if (typeof enabled === 'boolean') {
    customer.monitoringEnabled = enabled;
    customer.monitoringUpdatedAt = now;
  }
  const wf = newWorkflow('update-and-rescore', customer.identifier);
  setStep(wf, 'customer-update', 'COMPLETED', { customer_identifier: customer.identifier });
  setStep(wf, 'risk-scoring', 'COMPLETED', {
    overall_level: rule.overallLevel,
    overall_value: rule.overallValue,
  });
  ctx.store.workflows.set(wf.identifier, wf);
  return renderWorkflow(wf);
}

export function registerWorkflowRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post('/v2/workflows/sync/create-and-screen', (request, reply) => {
    const step = (request.query as Record<string, unknown>).last_sync_step ?? 'SCREENING';
    if (step !== 'SCREENING' && step !== 'ALERTING') {
      throw badRequest([
        { field: 'last_sync_step', reasons: ['must be SCREENING or ALERTING'], rejected: step },
      ]);
    }
    return createAndScreen(ctx, request.body, step, reply);
  });

  app.post('/v2/workflows/create-and-screen', (request, reply) =>
    createAndScreen(ctx, request.body, 'ASYNC', reply),
  );

  app.get<{ Params: { id: string } }>('/v2/workflows/:id', (request) => {
    const wf = ctx.store.workflows.get(request.params.id);
    if (!wf) throw notFound('Workflow', request.params.id);
    return renderWorkflow(wf);
  });

  app.post<{ Params: { id: string } }>('/v2/customers/:id/workflows/sync/update-and-rescore', (request) => {
    if (!ctx.settings.updateAndRescoreAcceptsPost) {
      throw new ProblemError(405, 'Method Not Allowed', 'Use PATCH for update-and-rescore', [], {
        Allow: 'PATCH',
      });
    }
    return updateAndRescore(ctx, request.params.id, request.body);
  });

  app.patch<{ Params: { id: string } }>('/v2/customers/:id/workflows/sync/update-and-rescore', (request) =>
    updateAndRescore(ctx, request.params.id, request.body),
  );
}
