import type { MeshCustomer } from '../../contracts/customer';
import { pickOnboardingCase } from './cases';
import { customerDiffers, duplicateConflict, screeningFinished, type DuplicateHint } from './duplicates';
import { errorFromStatus, statusLine } from './errors';
import type { MeshHttpResponse } from './http';
import { MeshError, type MeshApi, type MeshCase } from './api';
import { createMeshSession, type MeshClientOptions } from './session';
import type {
  CreateAndScreenInput,
  DuplicateRecovery,
  CustomerRecord,
  RescoreOutcome,
  ScreeningOutcome,
} from '../../contracts/screening-activities';
import {
  caseSchema,
  createAndScreenResponseSchema,
  customerRecordSchema,
  monitoringResponseSchema,
  rescoreResponseSchema,
  type CaseBody,
  type CreateAndScreenResponse,
  type CustomerRecordBody,
} from './response-schemas';

export type { MeshClientOptions } from './session';

/** Fields Mesh adds to a stored customer that are not part of the create/update `customer` body. */
const SERVER_FIELDS = new Set([
  'identifier',
  'customer_identifier',
  'risk_level',
  'risk',
  'monitoring',
  'created_at',
  'updated_at',
  'version',
  'status',
  'customer_type',
  'risk_score',
  'screening_result',
]);

const enc = encodeURIComponent;

/**
 * The Mesh API client: one call per method, a shared token, errors classified once (errors.ts), every
 * 2xx body checked before use. Create it once per process and pass it to the activities.
 */
export function createMeshClient(options: MeshClientOptions): MeshApi {
  const { call, expect, listItems, logger, clock } = createMeshSession(options);

  /** `/v2/customers/{id}`, or `/v2/customers/external/{id}`, which answers 308 to it (http.ts follows it with the token, same origin). */
  async function readCustomer(
    by: { customerIdentifier: string } | { externalIdentifier: string },
    operation: string,
  ): Promise<CustomerRecord> {
    const response = await call(
      'customerIdentifier' in by
        ? {
            operation,
            method: 'GET',
            route: '/v2/customers/{customer_identifier}',
            path: `v2/customers/${enc(by.customerIdentifier)}`,
          }
        : {
            operation,
            method: 'GET',
            route: '/v2/customers/external/{external_identifier}',
            path: `v2/customers/external/${enc(by.externalIdentifier)}`,
          },
    );
    const requested = 'customerIdentifier' in by ? by.customerIdentifier : undefined;
    return toCustomerRecord(
      operation,
      response,
      expect(operation, response, customerRecordSchema),
      requested,
    );
  }

  function listCustomerCases(
    customerIdentifier: string,
    operation = 'listCustomerCases',
  ): Promise<MeshCase[]> {
    return listItems(
      operation,
      '/v2/customers/{customer_identifier}/cases',
      `v2/customers/${enc(customerIdentifier)}/cases`,
      caseSchema,
      (body) => toCase(operation, body),
    );
  }

  /**
   * An earlier attempt (a lost response) or an earlier onboarding already created this customer: read
   * it back and learn as much of its screening as can be proven. The customer record does not carry
   * the screening result, so, in order of strength: the original workflow when the answer names it and
   * its screening finished; an onboarding case (Mesh opens one exactly when screening found profiles);
   * otherwise nothing, and the outcome says `unknown` without a screening result. The absence of a case
   * never means "no profiles": the first attempt's case may still be being created.
   */
  async function recoverDuplicate(
    request: CreateAndScreenInput,
    hint: DuplicateHint,
  ): Promise<ScreeningOutcome> {
    const operation = 'createAndScreen';
    logger.info('mesh external identifier already in use; recovering the existing customer', {
      operation,
      shape: hint.shape,
      ...(hint.customerIdentifier !== undefined && { customerIdentifier: hint.customerIdentifier }),
      ...(hint.workflowIdentifier !== undefined && { workflowIdentifier: hint.workflowIdentifier }),
    });
    const record = await existingCustomer(request.customer.external_identifier, hint.customerIdentifier);
    const storedCustomerDiffers = customerDiffers(request.customer, record.customer, SERVER_FIELDS);
    const recovery = (outcome: DuplicateRecovery['outcome']): DuplicateRecovery => ({
      shape: hint.shape,
      outcome,
      storedCustomerDiffers,
    });

    if (hint.workflowIdentifier !== undefined) {
      const original = await originalWorkflow(hint.workflowIdentifier, record);
      if (original !== undefined) {
        return { ...original, recoveredFromDuplicate: true, recovery: recovery('original-workflow') };
      }
    }

    const cases = await listCustomerCases(record.customerIdentifier, operation);
    const chosen = pickOnboardingCase(cases, { includeUntyped: true });
    const known = {
      customerIdentifier: record.customerIdentifier,
      externalIdentifier: record.externalIdentifier,
      // PROHIBITED rejects without a screening result: reporting it is the safe direction.
      ...(record.riskLevel !== undefined && { riskLevel: record.riskLevel }),
      amlTypes: [],
      alertIdentifiers: [],
      recoveredFromDuplicate: true,
    };
    if (chosen !== undefined) {
      return {
        ...known,
        workflowStatus: 'COMPLETED',
        screeningResult: 'HAS_PROFILES',
        caseIdentifier: chosen.caseIdentifier,
        recovery: recovery('case-found'),
      };
    }
    logger.info('mesh duplicate recovered without a screening result; the outcome is unknown', {
      operation,
      customerIdentifier: record.customerIdentifier,
    });
    return { ...known, workflowStatus: 'UNKNOWN', recovery: recovery('unknown') };
  }

  /**
   * The customer a duplicate answer refers to. A 404 here contradicts the answer: the first attempt's
   * creation may still be committing, so the call is retried later rather than the run failed.
   */
  async function existingCustomer(
    externalIdentifier: string,
    customerIdentifier: string | undefined,
  ): Promise<CustomerRecord> {
    const operation = 'createAndScreen';
    try {
      return customerIdentifier !== undefined
        ? await readCustomer({ customerIdentifier }, operation)
        : await readCustomer({ externalIdentifier }, operation);
    } catch (err) {
      if (!(err instanceof MeshError) || err.kind !== 'NOT_FOUND') throw err;
      throw new MeshError(
        'CONFLICT',
        `Mesh ${operation}: a duplicate external identifier was reported but the existing customer is not readable yet (${statusLine(err.details.status ?? 404)}); retrying`,
        { status: err.details.status ?? 404, retryable: true, operation },
      );
    }
  }

  /**
   * The create-and-screen workflow an earlier attempt started, when the duplicate answer names it: its
   * steps are the real outcome. Undefined when it cannot be read, belongs to another customer or has not
   * finished screening (then the caller infers what it can). Only transient failures are thrown.
   */
  async function originalWorkflow(
    workflowIdentifier: string,
    record: CustomerRecord,
  ): Promise<Omit<ScreeningOutcome, 'recoveredFromDuplicate'> | undefined> {
    const operation = 'createAndScreen';
    const response = await call({
      operation,
      method: 'GET',
      route: '/v2/workflows/{workflow_instance_identifier}',
      path: `v2/workflows/${enc(workflowIdentifier)}`,
    });
    const transient = response.status === 401 || response.status === 429 || response.status >= 500;
    if (transient) {
      throw errorFromStatus(operation, response.status, response.headers, response.body, clock.now());
    }
    if (response.status < 200 || response.status > 299 || response.redirectedOutside !== undefined) {
      return undefined;
    }
    const parsed = createAndScreenResponseSchema.safeParse(response.body);
    if (!parsed.success) return undefined;
    const creation = parsed.data.step_details['customer-creation'];
    const sameCustomer =
      creation.status === 'COMPLETED' &&
      creation.step_output?.customer_identifier === record.customerIdentifier &&
      (creation.step_output.external_identifier ?? record.externalIdentifier) === record.externalIdentifier;
    if (!sameCustomer || !screeningFinished(parsed.data)) return undefined;
    logger.info('mesh external identifier already in use; using the original workflow', {
      operation,
      customerIdentifier: record.customerIdentifier,
    });
    const { recoveredFromDuplicate: _first, ...outcome } = toScreeningOutcome(
      operation,
      parsed.data,
      record.externalIdentifier,
      response.status,
    );
    return outcome;
  }

  return {
    async createAndScreen(request: CreateAndScreenInput): Promise<ScreeningOutcome> {
      const operation = 'createAndScreen';
      const externalIdentifier = request.customer.external_identifier;
      const response = await call({
        operation,
        method: 'POST',
        route: '/v2/workflows/sync/create-and-screen',
        path: 'v2/workflows/sync/create-and-screen',
        // ALERTING: answer only once the alerts exist (docs/providers/mesh.md, "Create and screen").
        searchParams: { last_sync_step: 'ALERTING' },
        json: {
          customer: request.customer,
          configuration: { screening_configuration_identifier: request.screeningConfigurationIdentifier },
          monitoring: { entity_screening: { enabled: request.monitoringEnabled } },
        },
      });

      // Any 409 here is a duplicate external identifier, whatever its body says.
      if (response.status === 409) return recoverDuplicate(request, duplicateConflict(response.body));
      const body = expect(operation, response, createAndScreenResponseSchema);
      const creation = body.step_details['customer-creation'];
      if (creation.status === 'ERRORED') {
        // The reference's duplicate (docs/providers/mesh.md, "Duplicate external identifiers"): creation
        // ERRORED yet naming a customer. Its message differs
        // between accounts, so the structure alone decides.
        const existing = creation.step_output?.customer_identifier;
        if (existing !== undefined) {
          return recoverDuplicate(request, { shape: 'errored-200', customerIdentifier: existing });
        }
        throw new MeshError(
          'BAD_REQUEST',
          `Mesh ${operation}: the customer-creation step ERRORED without naming a customer`,
          { status: response.status, retryable: false, operation },
        );
      }
      return toScreeningOutcome(operation, body, externalIdentifier, response.status);
    },

    getCustomer: (customerIdentifier) => readCustomer({ customerIdentifier }, 'getCustomer'),
    getCustomerByExternalIdentifier: (externalIdentifier) =>
      readCustomer({ externalIdentifier }, 'getCustomerByExternalIdentifier'),
    listCustomerCases: (customerIdentifier) => listCustomerCases(customerIdentifier),

    async getCase(caseIdentifier: string): Promise<MeshCase> {
      const operation = 'getCase';
      const response = await call({
        operation,
        method: 'GET',
        route: '/v2/cases/{case_identifier}',
        path: `v2/cases/${enc(caseIdentifier)}`,
      });
      return toCase(operation, expect(operation, response, caseSchema), caseIdentifier);
    },

    async setMonitoring(customerIdentifier: string, enabled: boolean): Promise<{ enabled: boolean }> {
      const operation = 'setMonitoring';
      const response = await call({
        operation,
        method: 'PATCH',
        route: '/v2/customers/{customer_identifier}/monitor',
        path: `v2/customers/${enc(customerIdentifier)}/monitor`,
        json: { entity_screening: { enabled } },
      });
      const body = expect(operation, response, monitoringResponseSchema.optional());
      // A 2xx means Mesh accepted the setting; an answer without the flag still confirms it.
      return {
        enabled: body?.monitoring?.entity_screening?.enabled ?? body?.entity_screening?.enabled ?? enabled,
      };
    },

    async updateAndRescore(customerIdentifier: string, customer: MeshCustomer): Promise<RescoreOutcome> {
      const operation = 'updateAndRescore';
      const request = {
        operation,
        route: '/v2/customers/{customer_identifier}/workflows/sync/update-and-rescore',
        path: `v2/customers/${enc(customerIdentifier)}/workflows/sync/update-and-rescore`,
        json: { customer },
      };
      // The reference says POST, the guide PATCH, and accounts differ: try POST, and PATCH once on 405
      // (docs/providers/mesh.md, "Update and re-score").
      let response = await call({ ...request, method: 'POST' });
      if (response.status === 405) {
        logger.info('mesh update-and-rescore refused POST (405); repeating with PATCH', {
          operation,
          route: request.route,
        });
        response = await call({ ...request, method: 'PATCH' });
      }
      const body = expect(operation, response, rescoreResponseSchema);
      const scoring = body.step_details?.['risk-scoring']?.step_output;
      return {
        customerIdentifier:
          body.step_details?.['customer-update']?.step_output?.customer_identifier ?? customerIdentifier,
        ...(scoring?.overall_level !== undefined && { riskLevel: scoring.overall_level }),
        ...(scoring?.overall_value !== undefined && { riskValue: scoring.overall_value }),
      };
    },
  };
}

export { duplicateConflict } from './duplicates';

function toScreeningOutcome(
  operation: string,
  body: CreateAndScreenResponse,
  externalIdentifier: string,
  status: number,
): ScreeningOutcome {
  const steps = body.step_details;
  const customerIdentifier = steps['customer-creation'].step_output?.customer_identifier;
  if (customerIdentifier === undefined) {
    throw new MeshError(
      'INVALID_RESPONSE',
      `Mesh ${operation} answered ${status} without response.step_details.customer-creation.step_output.customer_identifier`,
      { status, retryable: false, operation },
    );
  }
  const risk = steps['initial-risk-scoring']?.step_output;
  const screening = steps['customer-screening']?.step_output;
  const caseCreation = steps['case-creation'];
  // A case still being created (status IN-PROGRESS, case-creation NOT-STARTED) has no identifier yet;
  // the caller finds it later with listCustomerCases (docs/providers/mesh.md, "Create and screen").
  const caseIdentifier =
    caseCreation?.status === 'COMPLETED' ? caseCreation.step_output?.case_identifier : undefined;
  return {
    customerIdentifier,
    externalIdentifier: steps['customer-creation'].step_output?.external_identifier ?? externalIdentifier,
    workflowStatus: body.status,
    ...(risk?.overall_level !== undefined && { riskLevel: risk.overall_level }),
    ...(risk?.overall_value !== undefined && { riskValue: risk.overall_value }),
    ...(screening?.screening_result !== undefined && { screeningResult: screening.screening_result }),
    amlTypes: screening?.aml_types ?? [],
    alertIdentifiers: (steps.alerting?.step_output?.alerts ?? []).map((a) => a.identifier),
    ...(caseIdentifier !== undefined && { caseIdentifier }),
    recoveredFromDuplicate: false,
  };
}

function riskLevelOf(value: CustomerRecordBody['risk_level']): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : (value.overall_level ?? value.level);
}

function toCustomerRecord(
  operation: string,
  response: MeshHttpResponse,
  body: CustomerRecordBody,
  requestedIdentifier: string | undefined,
): CustomerRecord {
  const customerIdentifier = body.identifier ?? body.customer_identifier ?? requestedIdentifier;
  if (customerIdentifier === undefined) {
    throw new MeshError(
      'INVALID_RESPONSE',
      `Mesh ${operation} answered ${response.status} without response.identifier`,
      {
        status: response.status,
        retryable: false,
        operation,
      },
    );
  }
  const riskLevel = riskLevelOf(body.risk_level) ?? riskLevelOf(body.risk);
  const monitoringEnabled = body.monitoring?.entity_screening?.enabled ?? body.monitoring?.enabled;
  const customer = Object.fromEntries(
    Object.entries(body).filter(([key]) => !SERVER_FIELDS.has(key)),
  ) as MeshCustomer;
  return {
    customerIdentifier,
    externalIdentifier: body.external_identifier,
    ...(riskLevel !== undefined && { riskLevel }),
    ...(monitoringEnabled !== undefined && { monitoringEnabled }),
    customer,
  };
}

function toCase(operation: string, body: CaseBody, requestedIdentifier?: string): MeshCase {
  const caseIdentifier = body.identifier ?? body.case_identifier ?? requestedIdentifier;
  if (caseIdentifier === undefined) {
    throw new MeshError('INVALID_RESPONSE', `Mesh ${operation}: a case without identifier`, {
      retryable: false,
      operation,
    });
  }
  const stage = body.stage ?? body.case_stage ?? undefined;
  const caseType = body.type ?? body.case_type;
  const customerIdentifier = body.customer?.identifier ?? body.customer?.customer_identifier;
  const externalIdentifier = body.customer?.external_identifier;
  const riskLevel = body.customer?.risk_level;
  return {
    caseIdentifier,
    ...(caseType !== undefined && { caseType }),
    ...(stage !== undefined && {
      stage: {
        ...(stage.identifier !== undefined && { identifier: stage.identifier }),
        ...(stage.display_name !== undefined && { displayName: stage.display_name }),
        ...(stage.stage_type !== undefined && { stageType: stage.stage_type }),
        decisionType: stage.decision_type ?? null,
      },
    }),
    ...(body.case_state !== undefined && { caseState: body.case_state }),
    ...(customerIdentifier !== undefined && { customerIdentifier }),
    ...(externalIdentifier !== undefined && { externalIdentifier }),
    ...(riskLevel !== undefined && { riskLevel }),
  };
}
