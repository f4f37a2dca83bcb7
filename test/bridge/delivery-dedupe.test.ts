import { DeliveryDedupe } from '../../src/bridge/delivery-dedupe';

describe('DeliveryDedupe', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('runs the work once per webhook id and reuses its result for repeats', async () => {
    const dedupe = new DeliveryDedupe<string>({ maxEntries: 10, ttlMs: 60_000, now: clock });
    let runs = 0;
    const work = () => Promise.resolve(`result-${++runs}`);
    expect(await dedupe.run('msg_1', work)).toEqual({ result: 'result-1', duplicate: false });
    expect(await dedupe.run('msg_1', work)).toEqual({ result: 'result-1', duplicate: true });
    expect(runs).toBe(1);
  });

  it('always runs deliveries without an id', async () => {
    const dedupe = new DeliveryDedupe<number>({ maxEntries: 10, ttlMs: 60_000, now: clock });
    let runs = 0;
    await dedupe.run(undefined, () => Promise.resolve(++runs));
    await dedupe.run(undefined, () => Promise.resolve(++runs));
    expect(runs).toBe(2);
  });

  it('does not remember failures, so the sender retry is processed afresh', async () => {
    const dedupe = new DeliveryDedupe<string>({ maxEntries: 10, ttlMs: 60_000, now: clock });
    await expect(dedupe.run('msg_1', () => Promise.reject(new Error('unavailable')))).rejects.toThrow(
      'unavailable',
    );
    expect(await dedupe.run('msg_1', () => Promise.resolve('ok'))).toEqual({
      result: 'ok',
      duplicate: false,
    });
  });

  it('forgets an id after its time to live', async () => {
    const dedupe = new DeliveryDedupe<string>({ maxEntries: 10, ttlMs: 60_000, now: clock });
    await dedupe.run('msg_1', () => Promise.resolve('first'));
    now += 60_001;
    expect(await dedupe.run('msg_1', () => Promise.resolve('second'))).toEqual({
      result: 'second',
      duplicate: false,
    });
  });

  it('forgets a key after the time to live given for it, whatever the configured one', async () => {
    const dedupe = new DeliveryDedupe<string>({ maxEntries: 10, ttlMs: 3_600_000, now: clock });
    await dedupe.run('legacy-sha256:ab', () => Promise.resolve('first'), { ttlMs: 300_000 });
    await dedupe.run('msg_1', () => Promise.resolve('first'));
    now += 299_999;
    expect((await dedupe.run('legacy-sha256:ab', () => Promise.resolve('again'))).duplicate).toBe(true);
    now += 2;
    expect(await dedupe.run('legacy-sha256:ab', () => Promise.resolve('second'))).toEqual({
      result: 'second',
      duplicate: false,
    });
    // Other keys keep the configured time to live.
    expect((await dedupe.run('msg_1', () => Promise.resolve('again'))).duplicate).toBe(true);
  });

  it('stays within its bound by forgetting the least recently used id', async () => {
    const dedupe = new DeliveryDedupe<string>({ maxEntries: 2, ttlMs: 60_000, now: clock });
    await dedupe.run('a', () => Promise.resolve('a'));
    await dedupe.run('b', () => Promise.resolve('b'));
    await dedupe.run('a', () => Promise.resolve('a again')); // a is now the most recently used
    await dedupe.run('c', () => Promise.resolve('c'));
    expect(dedupe.size).toBe(2);
    expect((await dedupe.run('a', () => Promise.resolve('a third'))).duplicate).toBe(true);
    expect((await dedupe.run('b', () => Promise.resolve('b again'))).duplicate).toBe(false);
  });
});
