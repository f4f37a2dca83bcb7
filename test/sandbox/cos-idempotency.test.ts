import { setTimeout as sleep } from 'node:timers/promises';
import { ADDRESS, PHONE, personal, useCosSandbox, type CustomerBody, type ProblemBody } from './cos-client';

const CREATE = '/core/v1/cm/customers';

describe('COS sandbox: idempotency-Key', () => {
  const { api, control } = useCosSandbox({ scanDelayMs: 10_000 });

  it('replays the first answer for the same key and body bytes, with original-request-id, creating nothing', async () => {
    const bytes = JSON.stringify(personal());
    const first = await api().post<CustomerBody>(CREATE, bytes, { 'idempotency-Key': 'run-1-customer' });
    expect(first.status).toBe(201);
    expect(first.headers.get('original-request-id')).toBeNull();
    // Header names are case-insensitive.
    const again = await api().post<CustomerBody>(CREATE, bytes, { 'IDEMPOTENCY-KEY': 'run-1-customer' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('original-request-id')).toBe(first.headers.get('request-id'));
    expect(again.headers.get('request-id')).not.toBe(first.headers.get('request-id'));
    expect(await control().customers()).toHaveLength(1);

    const log = await control().requests({ path: CREATE });
    expect(log.map((e) => [e.status, e.replayed, e.idempotencyKey])).toEqual([
      [201, false, true],
      [201, true, true],
    ]);
    expect((await control().stats()).replays).toBe(1);
  });

  it('processes the same key with another body as a new request: another key order is another body', async () => {
    const body = personal();
    const first = await api().createCustomer(JSON.stringify(body), { 'idempotency-Key': 'k' });
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()));
    const second = await api().createCustomer(reordered, { 'idempotency-Key': 'k' });
    expect(second.id).not.toBe(first.id);
    const pretty = await api().createCustomer(JSON.stringify(body, null, 2), { 'idempotency-Key': 'k' });
    expect(pretty.id).not.toBe(first.id);
    expect(await control().customers()).toHaveLength(3);
  });

  it('scopes a key to its method and path: the same key on address and phone are two requests', async () => {
    const { id } = await api().createCustomer(personal());
    const key = { 'idempotency-Key': 'same-key' };
    const address = await api().post(`${CREATE}/${id}/addresses`, ADDRESS, key);
    const phone = await api().post(`${CREATE}/${id}/phones`, PHONE, key);
    expect([address.status, phone.status]).toEqual([201, 201]);
    expect(phone.headers.get('original-request-id')).toBeNull();
    const retried = await api().post(`${CREATE}/${id}/phones`, PHONE, key);
    expect(retried.headers.get('original-request-id')).toBe(phone.headers.get('request-id'));
    const [held] = await control().customers();
    expect([held?.addresses.length, held?.phones.length]).toEqual([1, 1]);
  });

  it('refuses a key longer than 50 characters (or empty) with 400, and takes one of exactly 50', async () => {
    const long = await api().post<ProblemBody>(CREATE, personal(), { 'idempotency-Key': 'x'.repeat(51) });
    expect(long.status).toBe(400);
    expect(Object.keys(long.body.errors ?? {})).toEqual(['idempotency-Key']);
    expect((await api().post(CREATE, personal(), { 'idempotency-Key': '' })).status).toBe(400);
    expect(await control().customers()).toHaveLength(0);
    expect((await api().post(CREATE, personal(), { 'idempotency-Key': 'y'.repeat(50) })).status).toBe(201);
  });

  it('replays a 400 for the same bad body, but handles a retry after a 5xx afresh', async () => {
    const key = { 'idempotency-Key': 'bad-then-good' };
    const bad = await api().post(CREATE, { partnerId: 'x' }, key);
    const badAgain = await api().post(CREATE, { partnerId: 'x' }, key);
    expect([bad.status, badAgain.status]).toEqual([400, 400]);
    expect(badAgain.headers.get('original-request-id')).toBe(bad.headers.get('request-id'));

    await control().addFault({ kind: 'server-error', status: 503, count: 1, match: { method: 'POST' } });
    const retryKey = { 'idempotency-Key': 'after-503' };
    expect((await api().post(CREATE, personal(), retryKey)).status).toBe(503);
    const retry = await api().post(CREATE, personal(), retryKey);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('original-request-id')).toBeNull();
    expect(await control().customers()).toHaveLength(1);
  });

  it('replays after a lost response: the retry with the same key and body gets the customer created the first time', async () => {
    await control().addFault({
      kind: 'lost-response',
      count: 1,
      match: { method: 'POST', path: '^/core/v1/cm/customers$' },
    });
    const bytes = JSON.stringify(personal());
    await expect(api().post(CREATE, bytes, { 'idempotency-Key': 'lost' })).rejects.toThrow();
    const held = await control().customers();
    expect(held).toHaveLength(1);
    const retry = await api().post<CustomerBody>(CREATE, bytes, { 'idempotency-Key': 'lost' });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(held[0]?.id);
    expect(retry.headers.get('original-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await control().customers()).toHaveLength(1);
    const log = await control().requests({ path: CREATE });
    expect(log.map((e) => [e.lost, e.replayed])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('answers 409 to a duplicate while the first is still being handled', async () => {
    await control().addFault({ kind: 'latency', latencyMs: 300, count: 1 });
    const bytes = JSON.stringify(personal());
    const first = api().post(CREATE, bytes, { 'idempotency-Key': 'in-flight' });
    await sleep(100);
    const second = await api().post(CREATE, bytes, { 'idempotency-Key': 'in-flight' });
    expect(second.status).toBe(409);
    expect((await first).status).toBe(201);
    expect(await control().customers()).toHaveLength(1);
  });

  it('forgets a key after the retention period (7 days; shortened here)', async () => {
    await control().settings({ idempotencyRetentionMs: 50 });
    const bytes = JSON.stringify(personal());
    const first = await api().createCustomer(bytes, { 'idempotency-Key': 'old' });
    await sleep(80);
    const later = await api().createCustomer(bytes, { 'idempotency-Key': 'old' });
    expect(later.id).not.toBe(first.id);
  });
});
