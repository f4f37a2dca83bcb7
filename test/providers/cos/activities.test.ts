import { ApplicationFailure } from '@temporalio/common';
import { CORE_REQUEST_REFUSED } from '../../../src/contracts/core-banking';
import { createCosActivities } from '../../../src/providers/cos/activities';
import { createCosClient, idempotencyKeyOf } from '../../../src/providers/cos/client';
import { capturingLogger, FakeCos, PARTNER_ID, runActivity } from './fake-cos';

/**
 * The COS activities as the worker runs them: one COS call each, CoreRequestRefused final, every other
 * failure retryable with COS's Retry-After capped by the retry policy, alerts for refused credentials, and
 * no personal data in logs.
 */

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => new Error('expected the activity to fail'),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const BODY = `{"partnerId":"${PARTNER_ID}","name":{"firstName":"Ada","lastName":"Lovelace"},"classification":"Personal","profile":{"politicallyExposedPerson":false,"birthDate":"1815-12-10"}}`;

describe('COS activities', () => {
  let fake: FakeCos;
  let logger: ReturnType<typeof capturingLogger>;
  let activities: ReturnType<typeof createCosActivities>;
  beforeEach(async () => {
    fake = await FakeCos.start();
    logger = capturingLogger();
    activities = createCosActivities({
      cos: createCosClient({ config: fake.connection(), requestTimeoutMs: 2_000, logger }),
      logger,
    });
  });
  afterEach(() => fake.close());

  it('creates the customer, its address and phone, and reads it back', async () => {
    const created = await runActivity(activities.createCoreCustomer, {
      idempotencySeed: 'r1/customer',
      body: BODY,
    });
    expect(created).toMatchObject({ ofac: 'Pending', pepScan: 'Pending', replayed: false });
    const customerId = created.id;
    const address = await runActivity(activities.addCoreAddress, {
      customerId,
      idempotencySeed: 'r1/address',
      body: '{"addressType":"Home","street1":"12 St James Sq"}',
    });
    expect(address).toEqual({ id: expect.any(String), replayed: false });
    const phone = await runActivity(activities.addCorePhone, {
      customerId,
      idempotencySeed: 'r1/phone',
      body: '{"isPrimary":true,"phoneType":"Mobile","phoneNumber":"2015552345"}',
    });
    expect(phone.replayed).toBe(false);
    fake.customers.get(customerId)!.ofac = 'Clear';
    expect(await runActivity(activities.readCoreCustomer, { customerId })).toMatchObject({
      id: customerId,
      ofac: 'Clear',
      pepScan: 'Pending',
    });
    const logged = logger.lines.join('\n');
    expect(logged).toContain(customerId);
    expect(logged).toContain(idempotencyKeyOf('r1/customer'));
    for (const personal of ['Lovelace', '1815', 'St James', '2015552345'])
      expect(logged).not.toContain(personal);
  });

  it('a retry after a lost answer is a replay, not a second customer', async () => {
    const input = { idempotencySeed: 'r2/customer', body: BODY };
    const first = await runActivity(activities.createCoreCustomer, input);
    const retry = await runActivity(activities.createCoreCustomer, input, { attempt: 2 });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(fake.customers.size).toBe(1);
  });

  it('400 ends the activity: non-retryable CoreRequestRefused with the status and field names', async () => {
    fake.fail({
      method: 'POST',
      path: '/core/v1/cm/customers',
      status: 400,
      body: { errors: { 'profile.birthDate': ['1815-12-10 is too old'] } },
    });
    const failure = await failureOf(
      runActivity(activities.createCoreCustomer, { idempotencySeed: 'r3/customer', body: BODY }),
    );
    expect(failure.type).toBe(CORE_REQUEST_REFUSED);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([
      { operation: 'createCore', status: 400, fields: ['profile.birthDate'] },
    ]);
    expect(failure.message).not.toContain('1815');
  });

  it('503 with Retry-After is retried no sooner than asked', async () => {
    fake.fail({
      method: 'GET',
      path: /^\/core\/v1\/cm\/customers\//,
      status: 503,
      headers: { 'retry-after': '20' },
    });
    const failure = await failureOf(runActivity(activities.readCoreCustomer, { customerId: 'c-1' }));
    expect(failure.type).toBe('CosServerError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(20_000);
  });

  it("429's Retry-After is capped by the retry policy's maximum interval", async () => {
    fake.fail({
      method: 'GET',
      path: /^\/core\/v1\/cm\/customers\//,
      status: 429,
      headers: { 'retry-after': '3600' },
    });
    const failure = await failureOf(
      runActivity(activities.readCoreCustomer, { customerId: 'c-1' }, {
        retryPolicy: { maximumInterval: '45s' },
      } as never),
    );
    expect(failure.type).toBe('CosRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(45_000);
  });

  it('403 is retried, with an alert naming what to check', async () => {
    fake.fail({ method: 'POST', path: /\/phones$/, status: 403 });
    const failure = await failureOf(
      runActivity(activities.addCorePhone, { customerId: 'c-1', idempotencySeed: 'r4/phone', body: '{}' }),
    );
    expect(failure.type).toBe('CosForbidden');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.details).toEqual([{ operation: 'addPhone', status: 403, credentials: true }]);
    const alerts = logger.lines.filter((line) => line.startsWith('error '));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('COS_SCOPE');
  });

  it('a refused token request is retried, never a refusal of the customer', async () => {
    fake.tokenFault = { status: 401, body: { error: 'invalid_client' } };
    const failure = await failureOf(
      runActivity(activities.createCoreCustomer, { idempotencySeed: 'r5/customer', body: BODY }),
    );
    expect(failure.type).toBe('CosTokenRefused');
    expect(failure.nonRetryable).toBe(false);
    expect(fake.requestsTo('POST', '/core/v1/cm/customers')).toHaveLength(0);
  });

  it('refuses, before sending, a write without a seed or a customer id', async () => {
    const noSeed = await failureOf(
      runActivity(activities.createCoreCustomer, { idempotencySeed: ' ', body: BODY }),
    );
    expect(noSeed.type).toBe(CORE_REQUEST_REFUSED);
    expect(noSeed.nonRetryable).toBe(true);
    const noCustomer = await failureOf(
      runActivity(activities.addCoreAddress, { customerId: '', idempotencySeed: 'r6/address', body: '{}' }),
    );
    expect(noCustomer.type).toBe(CORE_REQUEST_REFUSED);
    expect(fake.requests).toHaveLength(0);
  });
});
