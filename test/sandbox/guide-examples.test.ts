import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SANDBOX_DEV_WEBHOOK_SECRET, startSandbox, type Sandbox } from '../../src/sandbox/mesh';
import { guideCompanyRequest, guidePersonRequest, GUIDE_UPDATE_REQUEST } from './guide-requests';
import { at, eventually, Receiver, SandboxClient, text, type Received } from './sandbox-client';

/**
 * The "done when": the sandbox answers the onboarding guide's own example requests
 * (complyadvantage-mesh-onboarding-guide.txt, Appendices A-F) with the guide's example shapes and fires
 * signed webhooks. Request bodies (guide-requests.ts) and example responses below are copied from the
 * guide; only the external identifiers are made unique per run. (The guide's text shows e-mail addresses
 * as "[email protected]"; they are kept verbatim.)
 */

// Appendix A
const GUIDE_TOKEN_REQUEST = {
  realm: 'your-organization-name',
  username: '[email protected]',
  password: 'your-secure-password',
};
const GUIDE_TOKEN_RESPONSE = {
  access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...',
  token_type: 'Bearer',
  expires_in: 86400,
};

// Appendix B (the requests: guide-requests.ts)
const GUIDE_CREATE_RESPONSE = {
  workflow_instance_identifier: 'wf_abc123def456',
  status: 'COMPLETED',
  step_details: {
    'customer-creation': {
      identifier: 'step_001',
      status: 'COMPLETED',
      step_output: {
        customer_identifier: 'cust_xyz789abc',
      },
    },
    'initial-risk-scoring': {
      identifier: 'step_002',
      status: 'COMPLETED',
      step_output: {
        overall_level: 'MEDIUM-RISK',
        overall_value: 45,
      },
    },
    'customer-screening': {
      identifier: 'step_003',
      status: 'COMPLETED',
      step_output: {
        screening_result: 'HAS_PROFILES',
        aml_types: ['SANCTION', 'PEP_CLASS_2'],
      },
    },
    alerting: {
      identifier: 'step_004',
      status: 'COMPLETED',
      step_output: {
        alerts: [
          {
            identifier: 'alert_abc123',
          },
        ],
      },
    },
  },
};

// Appendix C
const GUIDE_WEBHOOK_REGISTRATION = {
  url: 'https://yourapi.com/webhooks/case-state-updated',
  type: 'CASE_STATE_UPDATED',
  name: 'Case state updates',
  is_active: true,
};
const GUIDE_WEBHOOK_REGISTRATION_RESPONSE = {
  identifier: 'webhook_abc123',
  url: 'https://yourapi.com/webhooks/case-state-updated',
  type: 'CASE_STATE_UPDATED',
  is_active: true,
};
const GUIDE_WEBHOOK_PAYLOAD = {
  api_version: 'v2',
  webhook_type: 'CASE_STAGE_UPDATED',
  case_identifier: 'case_xyz123',
  case_state: 'CASE_STATE_POSITIVE_END_STATE',
  case_type: 'CUSTOMER_ONBOARDING',
  customer: {
    identifier: 'cust_abc789',
    external_identifier: 'CUST-12345',
    version: 1,
  },
  note: {
    contents: 'Confirmed false positive - different individual with same name',
  },
  case_stage: {
    identifier: 'stage_def456',
    display_name: 'False Positive',
    display_order: 4,
    stage_type: 'DECISION',
    decision_type: 'POSITIVE',
  },
  subjects: [
    {
      type: 'CUSTOMER',
      identifier: 'cust_abc789',
      external_identifier: 'CUST-12345',
      version: '1',
    },
  ],
};

/** The guide's Appendix C signature check, as printed (a hex HMAC of the re-serialised body). */
function validateWebhookSignature(
  request: { headers: Record<string, unknown>; body: unknown },
  secret: string,
) {
  const signature = request.headers['x-complyadvantage-signature'];
  const payload = JSON.stringify(request.body);
  const expectedSignature = createHmac('sha256', secret).update(payload).digest('hex');
  return signature === expectedSignature;
}

// Appendix D
const GUIDE_DISABLE_MONITORING = { entity_screening: { enabled: false } };
const GUIDE_ENABLE_MONITORING = { entity_screening: { enabled: true } };
const GUIDE_MONITORING_RESPONSE = {
  customer_identifier: 'cust_abc789',
  external_identifier: 'CUST-12345',
  monitoring: {
    entity_screening: {
      enabled: false,
      updated_at: '2025-11-04T15:30:00Z',
    },
  },
};

// Appendix E (the request: guide-requests.ts)
const GUIDE_UPDATE_RESPONSE = {
  workflow_instance_identifier: 'wf_update_abc123',
  status: 'COMPLETED',
  step_details: {
    'customer-update': {
      identifier: 'step_001',
      status: 'COMPLETED',
      step_output: {
        customer_identifier: 'cust_abc789',
      },
    },
    'risk-scoring': {
      identifier: 'step_002',
      status: 'COMPLETED',
      step_output: {
        overall_level: 'MEDIUM-RISK',
        overall_value: 50,
      },
    },
  },
};

// Appendix F
const GUIDE_DUPLICATE_RESPONSE = {
  error: 'DUPLICATE_EXTERNAL_IDENTIFIER',
  message: "A customer with external_identifier 'CUST-12345' already exists",
  existing_customer_identifier: 'cust_abc789',
};

/**
 * Where `actual` lacks something the guide's example has: a key, or a value of another JSON type.
 * Extra keys are fine (the real API adds fields too); array elements are compared with the example's first.
 */
function shapeDifferences(example: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(example) !== kind(actual)) return [`${path}: expected ${kind(example)}, got ${kind(actual)}`];
  if (Array.isArray(example) && Array.isArray(actual)) {
    const [first] = example;
    if (first === undefined) return [];
    return actual.flatMap((item, i) => shapeDifferences(first, item, `${path}[${i}]`));
  }
  if (kind(example) === 'object') {
    const a = actual as Record<string, unknown>;
    return Object.entries(example as Record<string, unknown>).flatMap(([key, value]) =>
      key in a ? shapeDifferences(value, a[key], `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return [];
}

const IDENTIFIER_KEYS = new Set([
  'identifier',
  'workflow_instance_identifier',
  'customer_identifier',
  'case_identifier',
  'external_identifier',
  'existing_customer_identifier',
  'access_token',
  'updated_at',
]);

/** The guide's example with generated values (identifiers, tokens, timestamps) left open. */
function withOpenIdentifiers(example: unknown): unknown {
  if (Array.isArray(example)) return example.map(withOpenIdentifiers);
  if (typeof example === 'object' && example !== null) {
    return Object.fromEntries(
      Object.entries(example).map(([key, value]) => [
        key,
        IDENTIFIER_KEYS.has(key) && typeof value === 'string'
          ? expect.any(String)
          : withOpenIdentifiers(value),
      ]),
    );
  }
  return example;
}

const LEGACY_SECRET = 'YOUR_WEBHOOK_SECRET';

describe("sandbox answers the onboarding guide's examples", () => {
  let sandbox: Sandbox;
  let api: SandboxClient;
  let receiver: Receiver;
  let run = 0;
  const unique = (external: string) => `${external}-${process.pid}-${++run}`;

  beforeAll(async () => {
    // The guide's token request carries its placeholder password, so the sandbox is started with it.
    sandbox = await startSandbox({
      rateLimitPerMinute: 0,
      password: GUIDE_TOKEN_REQUEST.password,
      legacySignatureSecret: LEGACY_SECRET,
    });
    api = new SandboxClient(sandbox);
    // The test client logs in with the guide's Appendix A request.
    api.bearer = async () => {
      const res = await fetch(`${sandbox.url}/v2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(GUIDE_TOKEN_REQUEST),
      });
      return text(await res.json(), 'access_token');
    };
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const receivedOf = (count: number, what: string): Promise<Received[]> =>
    eventually(() => (receiver.received.length >= count ? [...receiver.received] : undefined), what);

  it('Appendix A: answers the token request with the example response', async () => {
    const res = await fetch(`${sandbox.url}/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(GUIDE_TOKEN_REQUEST),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject(withOpenIdentifiers(GUIDE_TOKEN_RESPONSE) as object);
  });

  it('Appendix B: answers the individual request (ALERTING, as the guide advises) in the example shape', async () => {
    const res = await api.post(
      '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING',
      guidePersonRequest(unique('CUST-12345')),
    );
    expect(res.status).toBe(200);
    expect(shapeDifferences(GUIDE_CREATE_RESPONSE, res.body)).toEqual([]);
    // "John Smith" is not in the screening table: clean.
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: {
        'initial-risk-scoring': { step_output: { overall_level: 'LOW-RISK' } },
        'customer-screening': { step_output: { screening_result: 'NO_PROFILES', aml_types: [] } },
        alerting: { step_output: { alerts: [] } },
      },
    });
  });

  it('Appendix B: answers the company request in the example shape', async () => {
    const res = await api.post(
      '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING',
      guideCompanyRequest(unique('COMP-98765')),
    );
    expect(res.status).toBe(200);
    expect(shapeDifferences(GUIDE_CREATE_RESPONSE, res.body)).toEqual([]);
  });

  it("Appendix B: returns the example response's values for the guide's potential match, Victor Bout (1967-01-13)", async () => {
    const body = guidePersonRequest(unique('CUST-12345'));
    body.customer.person = { first_name: 'Victor', last_name: 'Bout' };
    body.customer.date_of_birth = { day: 13, month: 1, year: 1967 };
    const res = await api.post('/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING', body);
    expect(res.body).toMatchObject(withOpenIdentifiers(GUIDE_CREATE_RESPONSE) as object);
    // Step 2: cases are created for analyst review when matches are found.
    expect(at(res.body, 'step_details.case-creation')).toMatchObject({
      status: 'COMPLETED',
      step_output: { case_identifier: expect.any(String) },
    });
  });

  it('Step 2: the request as printed (no last_sync_step) returns at SCREENING with the first three steps in the example shape', async () => {
    const res = await api.post(
      '/v2/workflows/sync/create-and-screen',
      guidePersonRequest(unique('CUST-12345')),
    );
    expect(res.status).toBe(200);
    const { alerting: _alerting, ...firstSteps } = GUIDE_CREATE_RESPONSE.step_details;
    expect(shapeDifferences({ ...GUIDE_CREATE_RESPONSE, step_details: firstSteps }, res.body)).toEqual([]);
    expect(at(res.body, 'status')).toBe('IN-PROGRESS');
  });

  it('Appendix C: registers the example webhook with the example response (201)', async () => {
    const res = await api.post('/v2/notifications/configurations/webhook', GUIDE_WEBHOOK_REGISTRATION);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject(withOpenIdentifiers(GUIDE_WEBHOOK_REGISTRATION_RESPONSE) as object);
    // yourapi.com is not reachable from a test: switch the registration off again.
    const off = await api.patch(`/v2/notifications/configurations/webhook/${text(res.body, 'identifier')}`, {
      is_active: false,
    });
    expect(at(off.body, 'is_active')).toBe(false);
  });

  it('Appendix C: sends the example payload, signed both ways, when the analyst marks the case False Positive', async () => {
    await api.post('/v2/notifications/configurations/webhook', {
      ...GUIDE_WEBHOOK_REGISTRATION,
      url: receiver.url,
    });
    const body = guidePersonRequest(unique('CUST-12345'));
    body.customer.person = { first_name: 'Victor', last_name: 'Bout' };
    const created = await api.post('/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING', body);
    const caseId = text(created.body, 'step_details.case-creation.step_output.case_identifier');
    const customerId = text(created.body, 'step_details.customer-creation.step_output.customer_identifier');

    await api.control('POST', `/cases/${caseId}/transition`, {
      stage: 'DECISION',
      decision: 'POSITIVE',
      note: GUIDE_WEBHOOK_PAYLOAD.note.contents,
    });
    const [delivery] = await receivedOf(1, 'the CASE_STAGE_UPDATED delivery');
    expect(shapeDifferences(GUIDE_WEBHOOK_PAYLOAD, delivery!.body)).toEqual([]);
    expect(delivery!.body).toMatchObject({
      ...(withOpenIdentifiers(GUIDE_WEBHOOK_PAYLOAD) as object),
      case_identifier: caseId,
      customer: {
        identifier: customerId,
        external_identifier: body.customer.external_identifier,
        version: 1,
      },
    });
    // Standard Webhooks (what the reference documents) and the guide's own x-complyadvantage-signature check.
    expect(() =>
      new Webhook(SANDBOX_DEV_WEBHOOK_SECRET).verify(
        delivery!.raw,
        delivery!.headers as Record<string, string>,
      ),
    ).not.toThrow();
    expect(
      validateWebhookSignature({ headers: delivery!.headers, body: delivery!.body }, LEGACY_SECRET),
    ).toBe(true);
  });

  it('Appendix D: disables and re-enables monitoring with the example bodies and response', async () => {
    const created = await api.post(
      '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING',
      guidePersonRequest(unique('CUST-12345')),
    );
    const customerId = text(created.body, 'step_details.customer-creation.step_output.customer_identifier');
    const off = await api.patch(`/v2/customers/${customerId}/monitor`, GUIDE_DISABLE_MONITORING);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({
      ...(withOpenIdentifiers(GUIDE_MONITORING_RESPONSE) as object),
      customer_identifier: customerId,
    });
    const on = await api.patch(`/v2/customers/${customerId}/monitor`, GUIDE_ENABLE_MONITORING);
    expect(at(on.body, 'monitoring.entity_screening.enabled')).toBe(true);
  });

  it('Appendix E: answers the update request (PATCH) with the example response shape', async () => {
    const created = await api.post(
      '/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING',
      guidePersonRequest(unique('CUST-12345')),
    );
    const customerId = text(created.body, 'step_details.customer-creation.step_output.customer_identifier');
    const res = await api.patch(
      `/v2/customers/${customerId}/workflows/sync/update-and-rescore`,
      GUIDE_UPDATE_REQUEST,
    );
    expect(res.status).toBe(200);
    expect(shapeDifferences(GUIDE_UPDATE_RESPONSE, res.body)).toEqual([]);
    expect(res.body).toMatchObject({
      status: 'COMPLETED',
      step_details: {
        'customer-update': { status: 'COMPLETED', step_output: { customer_identifier: customerId } },
      },
    });
  });

  it('Appendix F: answers a duplicate external identifier with the example error (duplicateShape conflict-guide)', async () => {
    await api.control('PATCH', '/settings', { duplicateShape: 'conflict-guide' });
    try {
      const external = unique('CUST-12345');
      const first = await api.post('/v2/workflows/sync/create-and-screen', guidePersonRequest(external));
      const again = guideCompanyRequest(external);
      const res = await api.post('/v2/workflows/sync/create-and-screen', again);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        ...(withOpenIdentifiers(GUIDE_DUPLICATE_RESPONSE) as object),
        message: `A customer with external_identifier '${external}' already exists`,
        existing_customer_identifier: at(
          first.body,
          'step_details.customer-creation.step_output.customer_identifier',
        ),
      });
    } finally {
      await api.control('PATCH', '/settings', { duplicateShape: 'errored-200' });
    }
  });

  it('Step 6: a CASE_CREATED registration hears of a new ongoing monitoring case as case_type CUSTOMER_MONITORING', async () => {
    await api.post('/v2/notifications/configurations/webhook', {
      url: receiver.url,
      type: 'CASE_CREATED',
      name: 'New cases',
      is_active: true,
    });
    const body = guidePersonRequest(unique('CUST-12345'));
    const created = await api.post('/v2/workflows/sync/create-and-screen?last_sync_step=ALERTING', body);
    const customerId = text(created.body, 'step_details.customer-creation.step_output.customer_identifier');
    await api.control('POST', `/customers/${customerId}/monitoring-cases`, {});
    const deliveries = await receivedOf(1, 'the monitoring CASE_CREATED');
    const monitoring = deliveries.find((d) => at(d.body, 'case_type') === 'CUSTOMER_MONITORING');
    expect(monitoring?.body).toMatchObject({
      webhook_type: 'CASE_CREATED',
      customer: { external_identifier: body.customer.external_identifier },
    });
  });
});
