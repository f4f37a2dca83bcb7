import { CORE_REQUEST_REFUSED } from '../../../src/contracts/core-banking';
import { createCosClient, idempotencyKeyOf, type CosApi } from '../../../src/providers/cos/client';
import { CosError } from '../../../src/providers/cos/errors';
import { capturingLogger, FakeCos, PARTNER_ID } from './fake-cos';

/**
 * The COS client against a local fake: keys, exact body bytes, replays, the one token refresh after a
 * 401, classification by status, and lenient reading of COS's answers.
 */

async function errorOf(promise: Promise<unknown>): Promise<CosError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CosError);
  return error as CosError;
}

/** A body as the workflow builds it: its own key order and spacing, non-ASCII text included. */
const CUSTOMER_BODY =
  `{"partnerId":"${PARTNER_ID}","name":{"firstName":"Francisco Javier","lastName":"Arellano Félix"},` +
  '"classification":"Personal","profile":{"politicallyExposedPerson":false,"birthDate":"1969-12-11"}}';
const write = (seed: string, body = CUSTOMER_BODY) => ({ idempotencySeed: seed, body });

describe('idempotencyKeyOf', () => {
  it('is at most 50 characters, stable for a seed, distinct for another', () => {
    const long = `onboarding-${'X'.repeat(300)}/run-0f9c2e1a-…/customer`;
    for (const seed of ['a', long, 'core-customer-CUST-1/customer', 'core-customer-CUST-1/phone']) {
      const key = idempotencyKeyOf(seed);
      expect(key.length).toBeLessThanOrEqual(50);
      expect(key).toMatch(/^kyc-[0-9a-f]+$/);
      expect(idempotencyKeyOf(seed)).toBe(key);
    }
    expect(idempotencyKeyOf('core-customer-CUST-1/address')).not.toBe(
      idempotencyKeyOf('core-customer-CUST-1/phone'),
    );
    expect(idempotencyKeyOf('seed')).toHaveLength(50);
  });
});

describe('COS client', () => {
  let fake: FakeCos;
  let cos: CosApi;
  let logger: ReturnType<typeof capturingLogger>;
  beforeEach(async () => {
    fake = await FakeCos.start();
    logger = capturingLogger();
    cos = createCosClient({ config: fake.connection(), logger, requestTimeoutMs: 2_000 });
  });
  afterEach(() => fake.close());

  const creates = () => fake.requestsTo('POST', '/core/v1/cm/customers');

  it('sends the body byte for byte with the key, the bearer token and JSON content type', async () => {
    const record = await cos.createCore(write('run-1/customer'));
    expect(record).toEqual({
      id: expect.any(String),
      cifNumber: '32653745014',
      ofac: 'Pending',
      pepScan: 'Pending',
      status: 'Active',
      replayed: false,
    });
    const [sent] = creates();
    expect(sent?.raw).toBe(CUSTOMER_BODY);
    expect(Buffer.from(sent?.raw ?? '')).toEqual(Buffer.from(CUSTOMER_BODY, 'utf8'));
    expect(sent?.contentType).toBe('application/json');
    expect(sent?.idempotencyKey).toBe(idempotencyKeyOf('run-1/customer'));
    expect(sent?.authorization).toMatch(/^Bearer tok-/);
  });

  it('sees a replay: the same key and bytes answer the first customer with original-request-id', async () => {
    const first = await cos.createCore(write('run-2/customer'));
    const again = await cos.createCore(write('run-2/customer'));
    expect(again).toEqual({ ...first, replayed: true });
    expect(fake.customers.size).toBe(1);
  });

  it('does not re-serialise: a body differing only in spacing is, for COS, another request', async () => {
    await cos.createCore(write('run-3/customer'));
    const spaced = await cos.createCore(write('run-3/customer', CUSTOMER_BODY.replace(',', ', ')));
    expect(spaced.replayed).toBe(false);
    expect(creates()[1]?.raw).toBe(CUSTOMER_BODY.replace(',', ', '));
    expect(fake.customers.size).toBe(2);
  });

  it('on 401 fetches one new token and retries with the same key and identical bytes', async () => {
    await cos.getCustomer((await cos.createCore(write('warm-up'))).id);
    fake.revokeTokens();
    const before = fake.requests.length;
    const record = await cos.createCore(write('run-4/customer'));
    expect(record.replayed).toBe(false);
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /core/v1/cm/customers',
      'POST /connect/token',
      'POST /core/v1/cm/customers',
    ]);
    const [refused, , retried] = sent;
    expect(retried?.idempotencyKey).toBe(refused?.idempotencyKey);
    expect(retried?.raw).toBe(refused?.raw);
    expect(retried?.raw).toBe(CUSTOMER_BODY);
    expect(retried?.authorization).not.toBe(refused?.authorization);
  });

  it('a second 401 is a retryable failure, after exactly one token refresh', async () => {
    fake.fail({ method: 'POST', path: '/core/v1/cm/customers', status: 401, count: 2 });
    const error = await errorOf(cos.createCore(write('run-5/customer')));
    expect(error.kind).toBe('CosUnauthorized');
    expect(error.retryable).toBe(true);
    expect(error.details.credentials).toBe(true);
    expect(fake.requestsTo('POST', '/connect/token')).toHaveLength(2);
    expect(creates()).toHaveLength(2);
  });

  it.each([400, 404, 422])(
    '%i is a non-retryable CoreRequestRefused naming fields, never values',
    async (status) => {
      fake.fail({
        method: 'POST',
        path: '/core/v1/cm/customers',
        status,
        body: {
          title: 'One or more validation errors occurred.',
          errors: {
            'profile.birthDate': ['1969-12-11 is not valid for Arellano Félix'],
            'name.lastName': ['x'],
          },
        },
      });
      const error = await errorOf(cos.createCore(write(`run-6-${status}/customer`)));
      expect(error.kind).toBe(CORE_REQUEST_REFUSED);
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ status, fields: ['profile.birthDate', 'name.lastName'] });
      expect(error.message).toContain(String(status));
      expect(error.message).toContain('profile.birthDate');
      for (const text of [error.message, logger.lines.join('\n')]) {
        expect(text).not.toContain('Félix');
        expect(text).not.toContain('1969-12-11');
      }
    },
  );

  it('reads field names from a list of errors too', async () => {
    fake.fail({
      method: 'POST',
      path: /\/phones$/,
      status: 400,
      body: { errors: [{ field: 'phoneNumber', message: '+44 20 7946 0000 is not a US number' }] },
    });
    const { id } = await cos.createCore(write('run-7/customer'));
    const error = await errorOf(cos.addPhone(id, write('run-7/phone', '{"phoneNumber":"+44 20 7946 0000"}')));
    expect(error.details.fields).toEqual(['phoneNumber']);
    expect(error.message).not.toContain('7946');
  });

  it('an address answered with an empty body confirms nothing: a retryable invalid answer, not a success', async () => {
    fake.fail({ method: 'POST', path: /\/addresses$/, status: 200, body: '' });
    const { id } = await cos.createCore(write('run-7b/customer'));
    const error = await errorOf(cos.addAddress(id, write('run-7b/address', '{"street1":"1 Main St"}')));
    expect(error).toMatchObject({ kind: 'CosInvalidResponse', retryable: true });
  });

  it('503 with Retry-After is retryable with the delay; 429 with an HTTP date too', async () => {
    fake.fail({
      method: 'POST',
      path: '/core/v1/cm/customers',
      status: 503,
      headers: { 'retry-after': '12' },
    });
    const unavailable = await errorOf(cos.createCore(write('run-8/customer')));
    expect(unavailable).toMatchObject({ kind: 'CosServerError', retryable: true });
    expect(unavailable.details.retryAfterMs).toBe(12_000);

    const at = new Date(Date.now() + 30_000).toUTCString();
    fake.fail({
      method: 'GET',
      path: /^\/core\/v1\/cm\/customers\//,
      status: 429,
      headers: { 'retry-after': at },
    });
    const limited = await errorOf(cos.getCustomer('some-id'));
    expect(limited).toMatchObject({ kind: 'CosRateLimited', retryable: true });
    expect(limited.details.retryAfterMs).toBeGreaterThan(25_000);
    expect(limited.details.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    [403, 'CosForbidden'],
    [408, 'CosRequestTimeout'],
    [409, 'CosConflict'],
    [424, 'CosDependencyFailed'],
    [500, 'CosServerError'],
    [418, 'CosClientError'],
  ])('%i is retryable (%s)', async (status, kind) => {
    fake.fail({ method: 'POST', path: '/core/v1/cm/customers', status });
    const error = await errorOf(cos.createCore(write(`run-9-${status}/customer`)));
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(true);
    expect(error.details.retryAfterMs).toBeUndefined();
    if (status === 403) expect(error.details.credentials).toBe(true);
  });

  it('a broken connection is retryable (CosNetwork)', async () => {
    const dead = createCosClient({ config: { ...fake.connection(), baseUrl: 'http://127.0.0.1:1' } });
    const error = await errorOf(dead.getCustomer('x'));
    expect(error.kind).toBe('CosNetwork');
    expect(error.retryable).toBe(true);
  });

  it('reads answers leniently: unknown ofac values kept, extra fields ignored, odd types dropped', async () => {
    fake.nextCustomer = {
      ofac: 'UnderInvestigation',
      pepScan: 'Reviewing',
      cifNumber: 32653745014 as unknown as string,
      dueDiligence: { annualIncome: 0 },
      lastModifiedAt: '2021-11-22T10:51:49.5299112-05:00',
    };
    const created = await cos.createCore(write('run-10/customer'));
    expect(created).toEqual({
      id: created.id,
      ofac: 'UnderInvestigation',
      pepScan: 'Reviewing',
      status: 'Active',
      replayed: false,
    });
    expect(await cos.getCustomer(created.id)).toEqual({
      id: created.id,
      ofac: 'UnderInvestigation',
      pepScan: 'Reviewing',
      status: 'Active',
    });
  });

  it('a 2xx without a customer id is retryable (CosInvalidResponse), never a guess', async () => {
    fake.fail({ method: 'POST', path: '/core/v1/cm/customers', status: 201, body: { cifNumber: '1' } });
    const error = await errorOf(cos.createCore(write('run-11/customer')));
    expect(error.kind).toBe('CosInvalidResponse');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('response.id');
  });

  it('adds address and phone under the customer, replaying a repeat', async () => {
    const { id } = await cos.createCore(write('run-12/customer'));
    const address =
      '{"addressType":"Home","classification":"Residential","isPrimary":true,"street1":"1 Main St"}';
    const added = await cos.addAddress(id, write('run-12/address', address));
    expect(added).toEqual({ id: expect.any(String), replayed: false });
    expect(await cos.addAddress(id, write('run-12/address', address))).toEqual({ ...added, replayed: true });
    const phone = await cos.addPhone(
      id,
      write('run-12/phone', '{"isPrimary":true,"phoneType":"Mobile","phoneNumber":"2015552345"}'),
    );
    expect(phone.replayed).toBe(false);
    const sent = fake.requestsTo('POST', new RegExp(`^/core/v1/cm/customers/${id}/(addresses|phones)$`));
    expect(sent.map((r) => r.raw)).toEqual([
      address,
      address,
      '{"isPrimary":true,"phoneType":"Mobile","phoneNumber":"2015552345"}',
    ]);
    expect(sent.map((r) => r.idempotencyKey)).toEqual([
      idempotencyKeyOf('run-12/address'),
      idempotencyKeyOf('run-12/address'),
      idempotencyKeyOf('run-12/phone'),
    ]);
  });

  it('logs no body, no token and no secret', async () => {
    const { id } = await cos.createCore(write('run-13/customer'));
    fake.fail({
      method: 'POST',
      path: /\/addresses$/,
      status: 400,
      body: { message: 'street 1 Main St invalid' },
    });
    await errorOf(cos.addAddress(id, write('run-13/address', '{"street1":"1 Main St"}')));
    const logged = logger.lines.join('\n');
    expect(logged).toContain('createCore');
    expect(logged).not.toContain('Arellano');
    expect(logged).not.toContain('Main St');
    expect(logged).not.toMatch(/tok-/);
    expect(logged).not.toContain('cos-secret');
  });
});
