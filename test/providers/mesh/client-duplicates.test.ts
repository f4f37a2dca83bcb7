import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../../src/providers/mesh/config';
import { createMeshClient } from '../../../src/providers/mesh/client';
import { MeshError } from '../../../src/providers/mesh/api';
import type { ScreeningOutcome } from '../../../src/contracts/screening-activities';
import type { TokenProvider } from '../../../src/providers/mesh/token-provider';
import type { MeshCustomer } from '../../../src/contracts/customer';

/**
 * Duplicate recovery against answers scripted per route: the shapes and wordings the sandbox does not
 * give (unrelated 409 prose, structured workflow identifiers, an original workflow still screening).
 * The sandbox-backed tests are in client-duplicates.sandbox.test.ts.
 */
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type Routes = Record<string, Answer | ((req: IncomingMessage) => Answer)>;

const EXT = 'EXT-1';
const CUSTOMER: MeshCustomer = {
  external_identifier: EXT,
  person: { first_name: 'Victor', last_name: 'Bout' },
  nationality: ['RU'],
};
const REQUEST = { customer: CUSTOMER, screeningConfigurationIdentifier: 'cfg', monitoringEnabled: true };
const STORED = {
  identifier: 'cust_1',
  external_identifier: EXT,
  person: { first_name: 'Victor', last_name: 'Bout' },
  nationality: ['RU'],
  risk_level: 'MEDIUM-RISK',
  created_at: '2026-01-01T00:00:00Z',
  monitoring: { entity_screening: { enabled: true } },
};
const CREATE = 'POST /v2/workflows/sync/create-and-screen?last_sync_step=ALERTING';
const fixedToken: TokenProvider = { getToken: () => Promise.resolve('tok'), invalidate: () => undefined };

/** Workflow steps as Mesh renders them; `over` replaces whole steps. */
function workflow(status: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workflow_instance_identifier: 'wf_1',
    status,
    step_details: {
      'customer-creation': {
        status: 'COMPLETED',
        step_output: { customer_identifier: 'cust_1', external_identifier: EXT },
      },
      'initial-risk-scoring': {
        status: 'COMPLETED',
        step_output: { overall_level: 'MEDIUM-RISK', overall_value: 45 },
      },
      'customer-screening': {
        status: 'COMPLETED',
        step_output: { screening_result: 'HAS_PROFILES', aml_types: ['SANCTION'] },
      },
      alerting: { status: 'COMPLETED', step_output: { alerts: [{ identifier: 'alert_1' }] } },
      'case-creation': { status: 'IN-PROGRESS' },
      ...over,
    },
  };
}

/** The reference's duplicate: 200, creation ERRORED naming the customer, whatever the message. */
function erroredDuplicate(errorMessage?: string): Answer {
  return {
    status: 200,
    body: {
      workflow_instance_identifier: 'wf_2',
      status: 'ERRORED',
      step_details: {
        'customer-creation': {
          status: 'ERRORED',
          step_output: { customer_identifier: 'cust_1', external_identifier: EXT },
          ...(errorMessage !== undefined && { error_message: errorMessage }),
        },
        'initial-risk-scoring': { status: 'SKIPPED' },
        'customer-screening': { status: 'SKIPPED' },
        alerting: { status: 'SKIPPED' },
        'case-creation': { status: 'SKIPPED' },
      },
    },
  };
}

const noCases: Answer = { status: 200, body: { items: [], total_count: 0 } };
const cases = (...items: unknown[]): Answer => ({
  status: 200,
  body: { items, total_count: items.length },
});
const onboardingCase = (identifier: string, decision: string | null) => ({
  identifier,
  type: 'CUSTOMER_ONBOARDING',
  stage: { stage_type: decision === null ? 'REVIEW' : 'DECISION', decision_type: decision },
});

/** Everything the customer lookups answer by default: the stored record, reachable by id and externally. */
function customerRoutes(over: Routes = {}): Routes {
  return {
    'GET /v2/customers/cust_1': { status: 200, body: STORED },
    'GET /v2/customers/external/EXT-1': { status: 308, headers: { location: '/v2/customers/cust_1' } },
    'GET /v2/customers/cust_1/cases?page_number=1&page_size=100': noCases,
    ...over,
  };
}

describe('Mesh client: duplicate recovery (scripted answers)', () => {
  const servers: Server[] = [];
  let seen: string[];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function meshAnswering(routes: Routes) {
    seen = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const key = `${req.method} ${req.url}`;
      seen.push(key);
      const route = routes[key];
      const answer = typeof route === 'function' ? route(req) : (route ?? { status: 404, body: {} });
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return createMeshClient({
      config: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requestTimeoutMs: 2_000,
        credentials: { kind: 'access-key', accessKey: 'k', secret: new Secret('s') },
      },
      tokenProvider: fixedToken,
    });
  }

  const screen = async (routes: Routes, request = REQUEST): Promise<ScreeningOutcome> =>
    (await meshAnswering(routes)).createAndScreen(request);
  const failure = async (routes: Routes): Promise<MeshError> => {
    const error = await (await meshAnswering(routes)).createAndScreen(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshError);
    return error as MeshError;
  };

  describe('the errored-200 shape is recognised by its structure alone', () => {
    it.each([
      [
        'the published wording',
        'external identifier EXT-1 in use and belongs to the customer identifier cust_1',
      ],
      ['another wording', 'Kunde existiert bereits'],
      ['no message at all', undefined],
    ])('recovers the customer whatever the message says (%s)', async (_what, message) => {
      const outcome = await screen(customerRoutes({ [CREATE]: erroredDuplicate(message) }));
      expect(outcome).toMatchObject({
        customerIdentifier: 'cust_1',
        externalIdentifier: EXT,
        riskLevel: 'MEDIUM-RISK',
        recoveredFromDuplicate: true,
        recovery: { shape: 'errored-200', outcome: 'unknown', storedCustomerDiffers: false },
      });
    });

    it('keeps an ERRORED creation without a customer identifier a permanent BAD_REQUEST, without its message', async () => {
      const errored = erroredDuplicate('Victor Bout could not be created');
      const steps = (errored.body as { step_details: Record<string, { step_output?: unknown }> })
        .step_details;
      delete steps['customer-creation']!.step_output;
      const error = await failure({ [CREATE]: errored });
      expect(error).toMatchObject({ kind: 'BAD_REQUEST', retryable: false, details: { status: 200 } });
      expect(error.message).not.toMatch(/Victor|Bout/);
    });
  });

  describe('any 409 of create-and-screen is a duplicate', () => {
    it.each([
      [
        'problem details about something else',
        { title: 'Conflict', detail: 'Configuration is being edited' },
      ],
      ['no body', undefined],
      ['a body that is not an object', 'conflict'],
    ])('recovers by external identifier after a 409 with %s (conflict-problem)', async (_what, body) => {
      const outcome = await screen(customerRoutes({ [CREATE]: { status: 409, body } }));
      expect(outcome).toMatchObject({
        customerIdentifier: 'cust_1',
        recoveredFromDuplicate: true,
        recovery: { shape: 'conflict-problem', outcome: 'unknown' },
      });
      expect(seen).toContain('GET /v2/customers/external/EXT-1');
    });

    it.each([
      ['existing_customer_identifier', { existing_customer_identifier: 'cust_1' }],
      ['error: DUPLICATE_EXTERNAL_IDENTIFIER', { error: 'DUPLICATE_EXTERNAL_IDENTIFIER' }],
    ])('names the guide shape from %s (conflict-guide)', async (_what, body) => {
      const outcome = await screen(customerRoutes({ [CREATE]: { status: 409, body } }));
      expect(outcome.recovery).toMatchObject({ shape: 'conflict-guide', outcome: 'unknown' });
      expect(outcome.customerIdentifier).toBe('cust_1');
    });

    it('retries (does not fail the run) when the customer a 409 refers to cannot be found yet', async () => {
      const error = await failure({ [CREATE]: { status: 409, body: { title: 'Conflict' } } });
      expect(error).toMatchObject({ kind: 'CONFLICT', retryable: true, details: { status: 404 } });
    });

    it('retries as well when the customer an errored-200 names cannot be read yet', async () => {
      const error = await failure({ [CREATE]: erroredDuplicate() });
      expect(error).toMatchObject({ retryable: true });
    });
  });

  describe('what the recovered outcome may claim', () => {
    it('never claims NO_PROFILES from the absence of a case', async () => {
      const outcome = await screen(customerRoutes({ [CREATE]: erroredDuplicate() }));
      expect(outcome.recovery?.outcome).toBe('unknown');
      expect(outcome).not.toHaveProperty('screeningResult');
      expect(outcome.caseIdentifier).toBeUndefined();
    });

    it('reports the stored risk level even when the outcome is unknown (PROHIBITED rejects)', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: erroredDuplicate(),
          'GET /v2/customers/cust_1': { status: 200, body: { ...STORED, risk_level: 'PROHIBITED' } },
        }),
      );
      expect(outcome).toMatchObject({ riskLevel: 'PROHIBITED', recovery: { outcome: 'unknown' } });
      expect(outcome.screeningResult).toBeUndefined();
    });

    it('claims HAS_PROFILES from an onboarding case, preferring an undecided one', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: erroredDuplicate(),
          'GET /v2/customers/cust_1/cases?page_number=1&page_size=100': cases(
            onboardingCase('case_old', 'NEGATIVE'),
            onboardingCase('case_open', null),
            onboardingCase('case_last', 'POSITIVE'),
          ),
        }),
      );
      expect(outcome).toMatchObject({
        screeningResult: 'HAS_PROFILES',
        caseIdentifier: 'case_open',
        recovery: { shape: 'errored-200', outcome: 'case-found' },
      });
    });

    it('takes the last decided case when none is open', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: erroredDuplicate(),
          'GET /v2/customers/cust_1/cases?page_number=1&page_size=100': cases(
            onboardingCase('case_old', 'NEGATIVE'),
            onboardingCase('case_last', 'POSITIVE'),
          ),
        }),
      );
      expect(outcome.caseIdentifier).toBe('case_last');
    });
  });

  describe('the original workflow', () => {
    it('uses a workflow identifier given as a structured field, once its screening finished', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: { status: 409, body: { workflow_instance_identifier: 'wf_1' } },
          'GET /v2/workflows/wf_1': { status: 200, body: workflow('IN-PROGRESS') },
        }),
      );
      expect(outcome).toMatchObject({
        customerIdentifier: 'cust_1',
        workflowStatus: 'IN-PROGRESS',
        screeningResult: 'HAS_PROFILES',
        amlTypes: ['SANCTION'],
        alertIdentifiers: ['alert_1'],
        recoveredFromDuplicate: true,
        recovery: { shape: 'conflict-problem', outcome: 'original-workflow', storedCustomerDiffers: false },
      });
    });

    it('takes the identifier from the problem detail only as a hint', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: {
            status: 409,
            body: { title: 'Conflict', detail: 'A workflow with id wf_1 already exists for this customer' },
          },
          'GET /v2/workflows/wf_1': { status: 200, body: workflow('COMPLETED') },
        }),
      );
      expect(outcome.recovery?.outcome).toBe('original-workflow');
    });

    it('accepts a PROHIBITED original whose screening was skipped', async () => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: { status: 409, body: { workflow_instance_identifier: 'wf_1' } },
          'GET /v2/workflows/wf_1': {
            status: 200,
            body: workflow('COMPLETED', {
              'initial-risk-scoring': { status: 'COMPLETED', step_output: { overall_level: 'PROHIBITED' } },
              'customer-screening': { status: 'SKIPPED' },
              alerting: { status: 'SKIPPED' },
              'case-creation': { status: 'SKIPPED' },
            }),
          },
        }),
      );
      expect(outcome).toMatchObject({ riskLevel: 'PROHIBITED', recovery: { outcome: 'original-workflow' } });
      expect(outcome.screeningResult).toBeUndefined();
    });

    it.each([
      [
        'still screening',
        { status: 200, body: workflow('IN-PROGRESS', { 'customer-screening': { status: 'IN-PROGRESS' } }) },
      ],
      [
        'screening ERRORED',
        { status: 200, body: workflow('ERRORED', { 'customer-screening': { status: 'ERRORED' } }) },
      ],
      [
        'another customer',
        {
          status: 200,
          body: workflow('COMPLETED', {
            'customer-creation': { status: 'COMPLETED', step_output: { customer_identifier: 'cust_9' } },
          }),
        },
      ],
      ['not found', { status: 404, body: {} }],
      ['forbidden', { status: 403, body: { message: 'Forbidden' } }],
      ['an unreadable body', { status: 200, body: { nothing: true } }],
    ])('falls through to the customer when the original is %s', async (_what, answer) => {
      const outcome = await screen(
        customerRoutes({
          [CREATE]: { status: 409, body: { workflow_instance_identifier: 'wf_1' } },
          'GET /v2/workflows/wf_1': answer,
        }),
      );
      expect(outcome.recovery).toMatchObject({ shape: 'conflict-problem', outcome: 'unknown' });
      expect(outcome.screeningResult).toBeUndefined();
    });

    it('leaves a transient failure reading the original to a retry', async () => {
      const error = await failure(
        customerRoutes({
          [CREATE]: { status: 409, body: { workflow_instance_identifier: 'wf_1' } },
          'GET /v2/workflows/wf_1': { status: 503, body: {} },
        }),
      );
      expect(error).toMatchObject({ kind: 'SERVER_ERROR', retryable: true });
    });
  });

  describe('storedCustomerDiffers', () => {
    const recover = (customer: MeshCustomer) =>
      screen(customerRoutes({ [CREATE]: erroredDuplicate() }), { ...REQUEST, customer });

    it('is false when every field the request names holds the same value (server fields ignored)', async () => {
      expect((await recover(CUSTOMER)).recovery?.storedCustomerDiffers).toBe(false);
    });

    it.each([
      ['a changed leaf', { ...CUSTOMER, person: { first_name: 'Viktor', last_name: 'Bout' } }],
      ['a leaf Mesh does not hold', { ...CUSTOMER, email_address: 'new@example.com' }],
      ['an array compared whole', { ...CUSTOMER, nationality: ['RU', 'GB'] }],
    ])('is true for %s', async (_what, customer) => {
      expect((await recover(customer)).recovery?.storedCustomerDiffers).toBe(true);
    });
  });
});
