import { CORE_OFAC_CHANGED, CORE_PEP_CHANGED } from '../../src/contracts/core-banking';
import { CUSTOMER_ONBOARDED, scanRule } from '../../src/sandbox/cos';
import { HttpReceiver } from '../../testkit/http-receiver';
import { waitFor } from '../../testkit/wait';
import { PARTNER_ID, envelopeOf, personal, useCosSandbox, type CustomerBody } from './cos-client';

const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-05:00$/;

describe('COS sandbox: OFAC and PEP scans, events', () => {
  const { api, control } = useCosSandbox();
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await HttpReceiver.start({ path: '/core-events' });
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const settled = (id: string, until: (c: CustomerBody) => boolean, what: string) =>
    waitFor(async () => (await api().get<CustomerBody>(`/core/v1/cm/customers/${id}`)).body, {
      until,
      timeoutMs: 5_000,
      intervalMs: 10,
      description: what,
    });

  /** The distinct values a customer's scan field takes, in order, from its creation until `final` (sampled every 10 ms). */
  async function path(customer: CustomerBody, field: 'ofac' | 'pepScan', final: string): Promise<string[]> {
    const id = customer.id;
    const seen: string[] = [customer[field]];
    await waitFor(
      async () => {
        const value = (await api().get<CustomerBody>(`/core/v1/cm/customers/${id}`)).body[field];
        if (seen.at(-1) !== value) seen.push(value);
        return value === final;
      },
      { timeoutMs: 5_000, intervalMs: 10, description: `${field} ${final}` },
    );
    return seen;
  }

  it('scans by name: Bob Smith Clear, Vladimir Putin a PEP hit, Blue Star Diamond an OFAC hit', async () => {
    const bob = await api().createCustomer(personal());
    const putin = await api().createCustomer(personal('Vladimir', 'Putin', '1952-10-07'));
    const blueStar = await api().createCustomer({
      partnerId: PARTNER_ID,
      classification: 'Business',
      businessName: 'Blue Star Diamond',
    });
    expect([bob.ofac, bob.pepScan]).toEqual(['Pending', 'Pending']);
    const done = (c: CustomerBody) => c.ofac !== 'Pending' && c.pepScan !== 'Pending';
    expect(await settled(bob.id, done, 'Bob scanned')).toMatchObject({ ofac: 'Clear', pepScan: 'Clear' });
    expect(await settled(putin.id, done, 'Putin scanned')).toMatchObject({
      ofac: 'Clear',
      pepScan: 'Positive',
    });
    expect(await settled(blueStar.id, done, 'Blue Star scanned')).toMatchObject({
      ofac: 'Positive',
      pepScan: 'Clear',
    });
  });

  it('takes Arellano Félix through Failed and Reviewing to Positive, matching the name without accents or case', async () => {
    await control().settings({ reviewDelayMs: 400 });
    const hit = await api().createCustomer(personal('FRANCISCO JAVIER', 'ARELLANO FELIX', '1969-12-11'));
    const accented = await api().createCustomer(personal('Francisco Javier', 'Arellano Félix', '1969-12-11'));
    const namesake = await api().createCustomer(personal('Francisco Javier', 'Arellano Félix', '1980-01-01'));
    expect(await path(hit, 'ofac', 'Positive')).toEqual(['Pending', 'Failed', 'Reviewing', 'Positive']);
    expect((await settled(accented.id, (c) => c.ofac === 'Positive', 'accented hit')).pepScan).toBe('Clear');
    // Another birth date: the AML team clears the namesake.
    expect((await settled(namesake.id, (c) => c.ofac === 'Clear', 'namesake cleared')).pepScan).toBe('Clear');
    expect(
      scanRule({
        name: { fullName: 'Francisco  Javier Arellano Félix' },
        profile: { birthDate: '1969-12-11' },
      }),
    ).toBe('ofac-hit');
  });

  it('leaves "Review" in Reviewing and "Pepreview" at PEP Failed until the AML team decides', async () => {
    await control().settings({ reviewDelayMs: 300 });
    const review = await api().createCustomer(personal('Rita', 'Review'));
    const pep = await api().createCustomer(personal('Paul', 'Pepreview'));
    expect(await path(review, 'ofac', 'Reviewing')).toEqual(['Pending', 'Failed', 'Reviewing']);
    const pepState = await settled(pep.id, (c) => c.pepScan === 'Failed', 'PEP under review');
    expect(pepState.ofac).toBe('Clear');
    await new Promise((r) => setTimeout(r, 350)); // well past the review delay: nothing moves by itself
    expect((await control().customer(review.id)).ofac).toBe('Reviewing');
    expect((await control().customer(pep.id)).pepScan).toBe('Failed');

    const decided = await control().decide(review.id, { ofac: 'Clear' });
    expect(decided.customer.ofac).toBe('Clear');
    expect(decided.eventsRaised).toEqual(['ofac']);
    await expect(control().decide(review.id, { ofac: 'Positive' })).rejects.toThrow(/409/);
    expect((await control().decide(pep.id, { pepScan: 'Positive' })).customer.pepScan).toBe('Positive');
  });

  it('cancels the automatic review when the AML team answers first', async () => {
    await control().settings({ reviewDelayMs: 300 });
    const hit = await api().createCustomer(personal('Francisco Javier', 'Arellano Félix', '1969-12-11'));
    await settled(hit.id, (c) => c.ofac === 'Failed', 'OFAC Failed');
    await control().decide(hit.id, { ofac: 'Clear' });
    await new Promise((r) => setTimeout(r, 400));
    expect((await control().customer(hit.id)).ofac).toBe('Clear');
  });

  it('gathers changes of one event name into one envelope naming every customer, sent with HTTP Basic', async () => {
    await control().settings({ eventBatchWindowMs: 400 });
    const auth = { username: 'cos-hooks', password: 's3cret:with-colon' };
    await api().register(CORE_OFAC_CHANGED, receiver.url, auth);
    await api().register(CORE_PEP_CHANGED, receiver.url, auth);
    const customers = await Promise.all(
      [personal('Ann', 'One'), personal('Ben', 'Two'), personal('Cid', 'Three')].map((b) =>
        api().createCustomer(b),
      ),
    );
    await waitFor(() => receiver.received.length >= 2, { timeoutMs: 5_000, description: 'two deliveries' });
    await new Promise((r) => setTimeout(r, 150)); // and no more than those two
    expect(receiver.received).toHaveLength(2);

    const byName = new Map(receiver.received.map((r) => [envelopeOf(r).eventName, r]));
    const expectedResources = customers.map((c) => `core/v1/cm/customers/${c.id}`).sort();
    for (const name of [CORE_OFAC_CHANGED, CORE_PEP_CHANGED]) {
      const request = byName.get(name)!;
      const envelope = envelopeOf(request);
      expect(envelope).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        eventName: name,
        status: 'Pending',
        partnerId: PARTNER_ID,
        createdAt: expect.stringMatching(EVENT_TIME),
        resources: expect.any(Array),
        details: [],
      });
      expect([...envelope.resources].sort()).toEqual(expectedResources);
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/core-events');
      expect(request.headers['content-type']).toBe('application/json');
      const basic = request.headers.authorization?.replace(/^Basic /, '') ?? '';
      expect(Buffer.from(basic, 'base64').toString('utf8')).toBe(`${auth.username}:${auth.password}`);
      expect(Object.keys(request.headers).filter((h) => /signature/i.test(h))).toEqual([]);
    }
    const deliveries = await control().deliveries();
    expect(deliveries.map((d) => [d.outcome, d.attempt, d.resourceCount, d.url])).toEqual([
      ['delivered', 1, 3, receiver.url],
      ['delivered', 1, 3, receiver.url],
    ]);
  });

  it('raises an event for every change: a review takes the customer through several Ofac.Changed events', async () => {
    await control().settings({ reviewDelayMs: 400, eventBatchWindowMs: 50 });
    await api().register(CORE_OFAC_CHANGED, receiver.url);
    const hit = await api().createCustomer(personal('Francisco Javier', 'Arellano Félix', '1969-12-11'));
    await settled(hit.id, (c) => c.ofac === 'Positive', 'OFAC Positive');
    await waitFor(() => receiver.received.length >= 3, { timeoutMs: 5_000, description: 'three events' });
    const envelopes = receiver.received.map(envelopeOf);
    expect(new Set(envelopes.map((e) => e.id)).size).toBe(3);
    for (const e of envelopes) expect(e.resources).toEqual([`core/v1/cm/customers/${hit.id}`]);
    expect(receiver.received[0]?.headers.authorization).toBeUndefined();
  });

  it('fires events for a nightly rescan that changes a value, and none when nothing changes', async () => {
    await api().register(CORE_OFAC_CHANGED, receiver.url);
    await api().register(CORE_PEP_CHANGED, receiver.url);
    const bob = await api().createCustomer(personal());
    await settled(bob.id, (c) => c.ofac === 'Clear' && c.pepScan === 'Clear', 'Bob Clear');
    await waitFor(() => receiver.received.length >= 2, { timeoutMs: 5_000, description: 'first results' });
    receiver.received.length = 0;

    const same = await control().rescan(bob.id, { ofac: 'Clear', pepScan: 'Clear' });
    expect(same.eventsRaised).toEqual([]);
    const changed = await control().rescan(bob.id, { pepScan: 'Positive' });
    expect(changed.eventsRaised).toEqual(['pepScan']);
    expect(changed.customer.lastModifiedAt > bob.lastModifiedAt).toBe(true);
    await control().flushEvents();
    await waitFor(() => receiver.received.length >= 1, { timeoutMs: 5_000, description: 'rescan event' });
    expect(envelopeOf(receiver.received[0]!)).toMatchObject({
      eventName: CORE_PEP_CHANGED,
      resources: [`core/v1/cm/customers/${bob.id}`],
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(1);
  });

  it('announces Core.Customer.Onboarded when registered, and discards events no one registered for', async () => {
    await api().register(CUSTOMER_ONBOARDED, receiver.url);
    const bob = await api().createCustomer(personal());
    await waitFor(() => receiver.received.length >= 1, { timeoutMs: 5_000, description: 'Onboarded' });
    expect(envelopeOf(receiver.received[0]!)).toMatchObject({
      eventName: CUSTOMER_ONBOARDED,
      resources: [`core/v1/cm/customers/${bob.id}`],
    });
    await settled(bob.id, (c) => c.ofac === 'Clear', 'scanned');
    await control().flushEvents();
    const events = await control().events();
    expect(events.map((e) => [e.event.eventName, e.registrationId === null])).toEqual(
      expect.arrayContaining([
        [CUSTOMER_ONBOARDED, false],
        [CORE_OFAC_CHANGED, true],
        [CORE_PEP_CHANGED, true],
      ]),
    );
    expect((await control().stats()).eventsUnrouted).toBe(2);
    expect(receiver.received).toHaveLength(1);
  });
});
