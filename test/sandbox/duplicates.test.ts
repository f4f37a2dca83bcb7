import {
  at,
  eventually,
  externalId,
  personBody,
  text,
  useSandbox,
  type SandboxClient,
} from './sandbox-client';

const ALERTING = '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING';

describe('sandbox duplicate external identifiers', () => {
  const api = useSandbox({ rateLimitPerMinute: 0 }, { resetBeforeEach: true });

  /** Creates a customer, then sends a different body with the same external identifier. */
  async function duplicate(): Promise<{
    customerId: string;
    external: string;
    answer: Awaited<ReturnType<SandboxClient['post']>>;
  }> {
    const external = externalId();
    const first = await api.post(ALERTING, personBody({ full_name: 'Test CleanUser' }, external));
    const customerId = text(first.body, 'step_details.customer-creation.step_output.customer_identifier');
    const answer = await api.post(ALERTING, personBody({ full_name: 'Mia Mediumrisk' }, external));
    return { customerId, external, answer };
  }

  it("answers the reference's shape by default: 200, workflow ERRORED, the existing customer in customer-creation", async () => {
    const { customerId, external, answer } = await duplicate();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'ERRORED',
      step_details: {
        'customer-creation': {
          status: 'ERRORED',
          error_message: `external identifier ${external} in use and belongs to the customer identifier ${customerId}`,
          step_output: { customer_identifier: customerId, external_identifier: external },
        },
        'initial-risk-scoring': { status: 'SKIPPED' },
        'customer-screening': { status: 'SKIPPED' },
        alerting: { status: 'SKIPPED' },
        'case-creation': { status: 'SKIPPED' },
      },
    });
  });

  it('words the errored-200 message as duplicateErrorMessage says, or leaves it out', async () => {
    await api.settings({
      duplicateErrorMessage: 'Kunde {customer_identifier} ({external_identifier}) existiert',
    });
    const worded = await duplicate();
    expect(at(worded.answer.body, 'step_details.customer-creation.error_message')).toBe(
      `Kunde ${worded.customerId} (${worded.external}) existiert`,
    );

    await api.settings({ duplicateErrorMessage: null });
    const silent = await duplicate();
    expect(at(silent.answer.body, 'step_details.customer-creation')).toEqual({
      identifier: expect.any(String),
      status: 'ERRORED',
      step_output: { customer_identifier: silent.customerId, external_identifier: silent.external },
    });
    expect((await api.control('GET', '/settings')).body).toMatchObject({ duplicateErrorMessage: null });
  });

  it('answers 409 problem details when duplicateShape is conflict-problem', async () => {
    await api.control('PATCH', '/settings', { duplicateShape: 'conflict-problem' });
    const { answer } = await duplicate();
    expect(answer.status).toBe(409);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({
      title: 'Conflict',
      status: 409,
      detail: expect.stringMatching(/A workflow with id \S+ already exists for this customer/),
    });
  });

  it("answers the guide's Appendix F body when duplicateShape is conflict-guide", async () => {
    await api.control('PATCH', '/settings', { duplicateShape: 'conflict-guide' });
    const { customerId, external, answer } = await duplicate();
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: 'DUPLICATE_EXTERNAL_IDENTIFIER',
      message: `A customer with external_identifier '${external}' already exists`,
      existing_customer_identifier: customerId,
    });
  });

  it('replays the original workflow for an identical retry, creating nothing new', async () => {
    const body = personBody({ full_name: 'Victor Bout' });
    const first = await api.post(ALERTING, body);
    const retry = await api.post(ALERTING, body);
    expect(retry.status).toBe(200);
    expect(at(retry.body, 'workflow_instance_identifier')).toBe(
      at(first.body, 'workflow_instance_identifier'),
    );
    const lookup = await api.control(
      'GET',
      `/customers?external_identifier=${body.customer.external_identifier}`,
    );
    expect(lookup.body).toMatchObject({ count: 1, customers: [{ case_identifiers: [expect.any(String)] }] });
  });

  it('treats an identical retry as a duplicate when identicalRetry is duplicate', async () => {
    await api.control('PATCH', '/settings', {
      identicalRetry: 'duplicate',
      duplicateShape: 'conflict-guide',
    });
    const body = personBody({ full_name: 'Test CleanUser' });
    await api.post(ALERTING, body);
    const retry = await api.post(ALERTING, body);
    expect(retry.status).toBe(409);
  });

  it("lets the retry of a lost response meet the duplicate before the first attempt's case exists", async () => {
    await api.settings({ identicalRetry: 'duplicate', caseCreationDelayMs: 400 });
    await api.fault({
      kind: 'lost-response',
      count: 1,
      match: { method: 'POST', path: 'create-and-screen' },
    });
    const body = personBody({ full_name: 'Victor Bout' });
    await expect(api.post(ALERTING, body)).rejects.toThrow();
    const retry = await api.post(ALERTING, body);
    const customerId = text(retry.body, 'step_details.customer-creation.step_output.customer_identifier');
    expect(at(retry.body, 'step_details.customer-creation.status')).toBe('ERRORED');
    expect(at((await api.get(`/v2/customers/${customerId}/cases`)).body, 'total_count')).toBe(0);
    const cases = await eventually(async () => {
      const page = await api.get(`/v2/customers/${customerId}/cases`);
      return at(page.body, 'total_count') === 1 ? page.body : undefined;
    }, 'the delayed case');
    expect(at(cases, 'items.0.type')).toBe('CUSTOMER_ONBOARDING');
  });

  it('recovers the existing customer through GET /v2/customers/external/{id} (308)', async () => {
    const { customerId, external } = await duplicate();
    const redirect = await api.request('GET', `/v2/customers/external/${encodeURIComponent(external)}`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe(`/v2/customers/${customerId}`);
    const followed = await api.get(redirect.headers.get('location') ?? '');
    expect(followed.body).toMatchObject({ identifier: customerId, external_identifier: external });
  });
});
