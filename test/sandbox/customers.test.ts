import { GUIDE_UPDATE_REQUEST } from './guide-requests';
import { at, personBody, text, useSandbox } from './sandbox-client';

const ALERTING = '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING';

describe('sandbox customers and cases', () => {
  const api = useSandbox({ rateLimitPerMinute: 0 }, { resetBeforeEach: false });

  async function create(
    body: ReturnType<typeof personBody>,
  ): Promise<{ customerId: string; caseId: unknown }> {
    const res = await api.post(ALERTING, body);
    return {
      customerId: text(res.body, 'step_details.customer-creation.step_output.customer_identifier'),
      caseId: at(res.body, 'step_details.case-creation.step_output.case_identifier'),
    };
  }

  it('returns the customer as sent, with identifiers, risk level and monitoring', async () => {
    const body = personBody({ first_name: 'Mia', last_name: 'Mediumrisk' });
    const { customerId } = await create(body);
    const res = await api.get(`/v2/customers/${customerId}`);
    expect(res.body).toMatchObject({
      identifier: customerId,
      external_identifier: body.customer.external_identifier,
      customer_type: 'PERSON',
      person: { first_name: 'Mia', last_name: 'Mediumrisk' },
      risk_level: 'MEDIUM-RISK',
      version: 1,
      monitoring: { entity_screening: { enabled: true } },
    });
  });

  it("disables and re-enables monitoring with the guide's Appendix D shapes", async () => {
    const body = personBody({ full_name: 'Test CleanUser' });
    const { customerId } = await create(body);
    const off = await api.patch(`/v2/customers/${customerId}/monitor`, {
      entity_screening: { enabled: false },
    });
    expect(off.body).toEqual({
      customer_identifier: customerId,
      external_identifier: body.customer.external_identifier,
      monitoring: {
        entity_screening: { enabled: false, updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      },
    });
    expect(
      at((await api.get(`/v2/customers/${customerId}/monitor`)).body, 'monitoring.entity_screening.enabled'),
    ).toBe(false);
    const on = await api.patch(`/v2/customers/${customerId}/monitor`, {
      entity_screening: { enabled: true },
    });
    expect(at(on.body, 'monitoring.entity_screening.enabled')).toBe(true);
    const bad = await api.patch(`/v2/customers/${customerId}/monitor`, { entity_screening: {} });
    expect(at(bad.body, 'properties.errors.0.field')).toBe('entity_screening.enabled');
  });

  it("answers the guide's update request (Appendix E) with the guide's shape, and the record is replaced", async () => {
    const { customerId } = await create(personBody({ full_name: 'Mia Mediumrisk' }));
    const res = await api.patch(
      `/v2/customers/${customerId}/workflows/sync/update-and-rescore`,
      GUIDE_UPDATE_REQUEST,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      workflow_instance_identifier: expect.any(String),
      status: 'COMPLETED',
      step_details: {
        'customer-update': {
          identifier: expect.any(String),
          status: 'COMPLETED',
          step_output: { customer_identifier: customerId },
        },
        'risk-scoring': {
          status: 'COMPLETED',
          step_output: { overall_level: expect.any(String), overall_value: expect.any(Number) },
        },
      },
    });
    const after = await api.get(`/v2/customers/${customerId}`);
    expect(after.body).toMatchObject({
      email_address: GUIDE_UPDATE_REQUEST.customer.email_address,
      version: 2,
    });
    expect(at(after.body, 'person')).toBeUndefined();
  });

  it('re-scores by the name table on POST: a rename to a PROHIBITED name gives PROHIBITED', async () => {
    const body = personBody({ full_name: 'Test CleanUser' });
    const { customerId } = await create(body);
    const res = await api.post(`/v2/customers/${customerId}/workflows/sync/update-and-rescore`, {
      customer: { ...body.customer, person: { full_name: 'Pablo Prohibited' } },
    });
    expect(at(res.body, 'step_details.risk-scoring.step_output.overall_level')).toBe('PROHIBITED');
    expect(at((await api.get(`/v2/customers/${customerId}`)).body, 'risk_level')).toBe('PROHIBITED');
  });

  it('answers 405 to POST update-and-rescore when the account only takes PATCH', async () => {
    const { customerId } = await create(personBody({ full_name: 'Test CleanUser' }));
    await api.control('PATCH', '/settings', { updateAndRescoreAcceptsPost: false });
    try {
      const res = await api.post(`/v2/customers/${customerId}/workflows/sync/update-and-rescore`, {
        customer: {},
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('PATCH');
    } finally {
      await api.control('PATCH', '/settings', { updateAndRescoreAcceptsPost: true });
    }
  });

  it("lists a customer's cases in the reference's paginated shape, and serves the case and its alerts", async () => {
    const { customerId, caseId } = await create(personBody({ full_name: 'Hannah Highmatch' }));
    const monitoring = await api.control('POST', `/customers/${customerId}/monitoring-cases`, {});
    expect(monitoring.status).toBe(201);
    const page1 = await api.get(`/v2/customers/${customerId}/cases?page_number=1&page_size=1`);
    expect(page1.body).toMatchObject({
      first: expect.stringContaining('page_number=1'),
      self: expect.stringContaining('page_number=1'),
      next: expect.stringContaining('page_number=2'),
      prev: null,
      total_count: 2,
      items: [{ identifier: caseId, type: 'CUSTOMER_ONBOARDING' }],
    });
    const page2 = await api.get(`/v2/customers/${customerId}/cases?page_number=2&page_size=1`);
    expect(page2.body).toMatchObject({
      next: null,
      prev: expect.stringContaining('page_number=1'),
      items: [{ type: 'CUSTOMER_MONITORING' }],
    });

    const theCase = await api.get(`/v2/cases/${String(caseId)}`);
    expect(theCase.body).toMatchObject({
      identifier: caseId,
      type: 'CUSTOMER_ONBOARDING',
      stage: {
        identifier: expect.any(String),
        display_name: 'New',
        stage_type: 'INITIAL',
        decision_type: null,
      },
      case_state: 'CASE_STATE_NOT_STARTED',
      customer: { identifier: customerId, external_identifier: expect.any(String), risk_level: 'HIGH-RISK' },
    });
    const alerts = await api.get(`/v2/cases/${String(caseId)}/alerts`);
    expect(alerts.body).toMatchObject({
      total_count: 3,
      items: expect.arrayContaining([
        expect.objectContaining({ aml_types: ['SANCTION', 'PEP_CLASS_1', 'ADVERSE_MEDIA'] }),
      ]),
    });
  });

  it('answers 404 problem details for unknown customers, cases and workflows', async () => {
    for (const path of [
      '/v2/customers/cust_nope',
      '/v2/cases/case_nope',
      '/v2/workflows/wf_nope',
      '/v2/customers/external/NOPE',
    ]) {
      const res = await api.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ title: 'Not Found', status: 404, instance: path });
    }
  });

  it('refuses a monitoring case for a customer whose monitoring is off', async () => {
    const body = personBody({ full_name: 'Test CleanUser' });
    body.monitoring.entity_screening.enabled = false;
    const { customerId } = await create(body);
    const res = await api.control('POST', `/customers/${customerId}/monitoring-cases`, {});
    expect(res.status).toBe(409);
    const forced = await api.control('POST', `/customers/${customerId}/monitoring-cases`, { force: true });
    expect(forced.body).toMatchObject({ type: 'CUSTOMER_MONITORING' });
  });
});
