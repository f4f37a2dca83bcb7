import { SCREENING_RULES } from '../../src/sandbox/mesh';
import { guideCompanyRequest, guidePersonRequest } from './guide-requests';
import { at, eventually, externalId, personBody, text, useSandbox } from './sandbox-client';

const SYNC = '/v2/workflows/sync/create-and-screen';
const ALERTING = `${SYNC}?last_sync_step=ALERTING`;

describe('sandbox create-and-screen', () => {
  const api = useSandbox({ rateLimitPerMinute: 0, backgroundStepDelayMs: 50 }, { resetBeforeEach: false });
  afterEach(async () => {
    await api.control('PATCH', '/settings', { caseCreationDelayMs: 0 });
  });

  it("answers the guide's person request (Appendix B) with the guide's response shape", async () => {
    const res = await api.post(ALERTING, guidePersonRequest(externalId()));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      workflow_instance_identifier: expect.any(String),
      status: 'COMPLETED',
      step_details: {
        'customer-creation': {
          identifier: expect.any(String),
          status: 'COMPLETED',
          step_output: { customer_identifier: expect.any(String) },
        },
        'initial-risk-scoring': {
          status: 'COMPLETED',
          step_output: { overall_level: 'LOW-RISK', overall_value: expect.any(Number) },
        },
        'customer-screening': {
          status: 'COMPLETED',
          step_output: { screening_result: 'NO_PROFILES', aml_types: [] },
        },
        alerting: { status: 'COMPLETED', step_output: { alerts: [] } },
        'case-creation': { status: 'SKIPPED' },
      },
    });
  });

  it("answers the guide's company request (Appendix B) the same way", async () => {
    const res = await api.post(ALERTING, guideCompanyRequest(externalId('COMP')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: { 'customer-screening': { step_output: { screening_result: 'NO_PROFILES' } } },
    });
    const customer = await api.get(
      `/v2/customers/${text(res.body, 'step_details.customer-creation.step_output.customer_identifier')}`,
    );
    expect(customer.body).toMatchObject({
      customer_type: 'COMPANY',
      company: { legal_name: 'Example Corp Inc' },
    });
  });

  it("gives Victor Bout the guide's example result: MEDIUM-RISK 45, HAS_PROFILES with SANCTION and PEP_CLASS_2, an alert and a case", async () => {
    const res = await api.post(ALERTING, personBody({ first_name: 'victor', last_name: 'BOUT' }));
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: {
        'initial-risk-scoring': { step_output: { overall_level: 'MEDIUM-RISK', overall_value: 45 } },
        'customer-screening': {
          step_output: { screening_result: 'HAS_PROFILES', aml_types: ['SANCTION', 'PEP_CLASS_2'] },
        },
        alerting: { step_output: { alerts: [{ identifier: expect.any(String) }] } },
        'case-creation': { status: 'COMPLETED', step_output: { case_identifier: expect.any(String) } },
      },
    });
    const caseId = text(res.body, 'step_details.case-creation.step_output.case_identifier');
    const found = await api.get(`/v2/cases/${caseId}`);
    expect(found.body).toMatchObject({
      identifier: caseId,
      type: 'CUSTOMER_ONBOARDING',
      stage: { stage_type: 'INITIAL', decision_type: null },
      case_state: 'CASE_STATE_NOT_STARTED',
    });
  });

  it('accepts the reference layout: details under customer.person, address[] with address_line1', async () => {
    const res = await api.post(ALERTING, {
      customer: {
        external_identifier: externalId(),
        person: {
          full_name: 'Test CleanUser',
          date_of_birth: { day: 1, month: 1, year: 1990 },
          nationality: ['GB'],
          address: [{ address_line1: '1 High Street', town: 'London', country: 'GB' }],
          personal_identification: [{ type: 'PASSPORT', value: 'X123' }],
          contact_information: { email_address: ['clean@example.com'] },
        },
      },
      configuration: { screening_configuration_identifier: 'sandbox-default' },
      monitoring: { entity_screening: { enabled: false } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: {
        'initial-risk-scoring': { step_output: { overall_level: 'LOW-RISK' } },
        'customer-screening': { step_output: { screening_result: 'NO_PROFILES' } },
      },
    });
  });

  it('accepts a company in the reference layout: address[] with address_line1 under customer.company', async () => {
    const res = await api.post(ALERTING, {
      customer: {
        external_identifier: externalId('COMP'),
        company: {
          legal_name: 'Sanctioned Shipping LLC',
          registration_number: 'RC-1',
          address: [{ address_line1: '1 Harbour Road', country: 'PA' }],
        },
      },
      configuration: { screening_configuration_identifier: 'sandbox-default' },
      monitoring: { entity_screening: { enabled: true } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      step_details: {
        'initial-risk-scoring': { step_output: { overall_level: 'HIGH-RISK' } },
        'customer-screening': { step_output: { screening_result: 'HAS_PROFILES' } },
        'case-creation': { status: 'COMPLETED' },
      },
    });
  });

  it('answers 400 problem details naming every missing required field', async () => {
    const res = await api.post(SYNC, { customer: { person: {} } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const fields = (at(res.body, 'properties.errors') as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'customer.external_identifier',
        'customer.person.last_name',
        'configuration.screening_configuration_identifier',
        'monitoring.entity_screening.enabled',
      ]),
    );
    expect(res.body).toMatchObject({
      title: 'Bad Request',
      status: 400,
      detail: expect.stringContaining('customer.external_identifier'),
    });
  });

  it('requires a company legal_name, and exactly one of person or company', async () => {
    const noLegalName = await api.post(SYNC, {
      ...personBody({ last_name: 'x' }),
      customer: { external_identifier: externalId(), company: {} },
    });
    expect(at(noLegalName.body, 'properties.errors.0.field')).toBe('customer.company.legal_name');
    const neither = await api.post(SYNC, {
      ...personBody({ last_name: 'x' }),
      customer: { external_identifier: externalId() },
    });
    expect(at(neither.body, 'properties.errors.0.field')).toBe('customer.person');
  });

  it('refuses a person with both full_name and last_name, or full_name with other name parts', async () => {
    const both = await api.post(SYNC, personBody({ full_name: 'Victor Bout', last_name: 'Bout' }));
    expect(both.status).toBe(400);
    expect(at(both.body, 'properties.errors.0')).toMatchObject({
      field: 'customer.person.full_name',
      rejected: 'Victor Bout',
    });
    const parts = await api.post(SYNC, personBody({ full_name: 'Victor Bout', first_name: 'Victor' }));
    expect(at(parts.body, 'properties.errors.0.field')).toBe('customer.person.first_name');
  });

  it('refuses an unknown last_sync_step', async () => {
    const res = await api.post(`${SYNC}?last_sync_step=CASES`, personBody({ last_name: 'x' }));
    expect(res.status).toBe(400);
    expect(at(res.body, 'properties.errors.0.field')).toBe('last_sync_step');
  });

  it('returns at SCREENING by default with alerting and case-creation still running, then completes them', async () => {
    const res = await api.post(SYNC, personBody({ full_name: 'Victor Bout' }));
    expect(res.body).toMatchObject({
      status: 'IN-PROGRESS',
      step_details: {
        'customer-screening': { status: 'COMPLETED' },
        alerting: { status: 'IN-PROGRESS' },
        'case-creation': { status: 'NOT-STARTED' },
      },
    });
    const id = text(res.body, 'workflow_instance_identifier');
    const done = await eventually(async () => {
      const wf = await api.get(`/v2/workflows/${id}`);
      return at(wf.body, 'status') === 'COMPLETED' ? wf.body : undefined;
    }, 'the workflow to complete');
    expect(done).toMatchObject({
      step_details: {
        'case-creation': { status: 'COMPLETED', step_output: { case_identifier: expect.any(String) } },
      },
    });
  });

  it('runs async create-and-screen and reports it through GET /v2/workflows/{id}', async () => {
    const res = await api.post(
      '/v2/workflows/create-and-screen',
      personBody({ full_name: 'Test CleanUser' }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ workflow_instance_identifier: expect.any(String) });
    const done = await eventually(async () => {
      const wf = await api.get(`/v2/workflows/${text(res.body, 'workflow_instance_identifier')}`);
      return at(wf.body, 'status') === 'COMPLETED' ? wf.body : undefined;
    }, 'the async workflow to complete');
    expect(done).toMatchObject({
      step_details: {
        'customer-screening': { step_output: { screening_result: 'NO_PROFILES' } },
        'case-creation': { status: 'SKIPPED' },
      },
    });
  });

  it('skips screening, alerting and case-creation for a PROHIBITED customer', async () => {
    const res = await api.post(ALERTING, personBody({ first_name: 'Pablo', last_name: 'Prohibited' }));
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: {
        'initial-risk-scoring': { status: 'COMPLETED', step_output: { overall_level: 'PROHIBITED' } },
        'customer-screening': { status: 'SKIPPED' },
        alerting: { status: 'SKIPPED' },
        'case-creation': { status: 'SKIPPED' },
      },
    });
  });

  it('marks the workflow ERRORED and skips later steps when screening errors', async () => {
    const res = await api.post(ALERTING, personBody({ full_name: 'Eric Error' }));
    expect(res.body).toMatchObject({
      status: 'ERRORED',
      step_details: {
        'customer-creation': { status: 'COMPLETED' },
        'customer-screening': { status: 'ERRORED', error_message: expect.any(String) },
        alerting: { status: 'SKIPPED' },
        'case-creation': { status: 'SKIPPED' },
      },
    });
  });

  it('can still be creating the case when an ALERTING response returns (caseCreationDelayMs)', async () => {
    await api.control('PATCH', '/settings', { caseCreationDelayMs: 150 });
    const res = await api.post(ALERTING, personBody({ full_name: 'Victor Bout' }));
    expect(res.body).toMatchObject({
      status: 'IN-PROGRESS',
      step_details: { alerting: { status: 'COMPLETED' }, 'case-creation': { status: 'IN-PROGRESS' } },
    });
    const customerId = text(res.body, 'step_details.customer-creation.step_output.customer_identifier');
    const cases = await eventually(async () => {
      const list = await api.get(`/v2/customers/${customerId}/cases`);
      return at(list.body, 'total_count') === 1 ? list.body : undefined;
    }, 'the case to appear');
    expect(at(cases, 'items.0.type')).toBe('CUSTOMER_ONBOARDING');
  });

  it.each(SCREENING_RULES.map((r) => [r.name, r] as const))(
    'screens %s as the documented table says',
    async (name, rule) => {
      const body =
        name.endsWith('Ltd') || name.endsWith('LLC')
          ? {
              ...personBody({}),
              customer: { external_identifier: externalId(), company: { legal_name: name } },
            }
          : personBody({ full_name: name.toUpperCase() });
      const res = await api.post(ALERTING, body);
      expect(at(res.body, 'step_details.initial-risk-scoring.step_output.overall_level')).toBe(
        rule.overallLevel,
      );
      expect(at(res.body, 'step_details.customer-screening.step_output.screening_result')).toBe(
        rule.screeningResult,
      );
      expect(at(res.body, 'step_details.case-creation.status')).toBe(
        rule.profileCount > 0 ? 'COMPLETED' : 'SKIPPED',
      );
    },
  );
});
