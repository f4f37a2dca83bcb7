import {
  company,
  person,
  useComplyCubeSandbox,
  type ClientBody,
  type ErrorBody,
  type Page,
} from './complycube-client';

describe('ComplyCube sandbox: authentication and errors', () => {
  const api = useComplyCubeSandbox();

  it('takes the bare API key in Authorization and refuses a missing, wrong or Bearer-prefixed one with 401', async () => {
    expect((await api.request('GET', '/clients')).status).toBe(200);
    for (const authorization of [null, 'wrong-key', 'Bearer sandbox-complycube-key']) {
      const res = await api.request('GET', '/clients', undefined, authorization);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ type: 'unauthorized', message: expect.any(String) });
    }
  });

  it('leaves the control routes without authentication', async () => {
    const res = await fetch(`${api.sandbox.origin}/_sandbox/complycube/settings`);
    expect(res.status).toBe(200);
  });

  it('answers {type, message, param} 400s naming the first field in error', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'person', personDetails: { firstName: 'A', lastName: 'B' } }, 'email'],
      [
        { type: 'person', email: 'not-an-address', personDetails: { firstName: 'A', lastName: 'B' } },
        'email',
      ],
      [{ type: 'person', email: 'a@example.com' }, 'personDetails'],
      [
        { type: 'person', email: 'a@example.com', personDetails: { lastName: 'B' } },
        'personDetails.firstName',
      ],
      [
        { type: 'person', email: 'a@example.com', personDetails: { firstName: 'A' } },
        'personDetails.lastName',
      ],
      [{ type: 'company', email: 'a@example.com', companyDetails: {} }, 'companyDetails.name'],
      [{ type: 'company', email: 'a@example.com' }, 'companyDetails'],
      [{ type: 'robot', email: 'a@example.com' }, 'type'],
      [person('Smith', { personDetails: { dob: '1990-02-30' } }), 'personDetails.dob'],
      [person('Smith', { personDetails: { nationality: 'gbr' } }), 'personDetails.nationality'],
      [person('Smith', { nickname: 'JJ' }), 'nickname'],
      [person('Smith', { metadata: { ['k'.repeat(41)]: 'v' } }), `metadata.${'k'.repeat(41)}`],
    ];
    for (const [body, param] of cases) {
      const res = await api.post('/clients', body);
      expect([param, res.status, res.body]).toEqual([
        param,
        400,
        { type: 'invalid_request', message: expect.stringContaining(param), param },
      ]);
    }
  });

  it('answers 400 invalid_request to a body that is not JSON, and 404 resource_not_found to unknown ids and routes', async () => {
    const broken = await api.request('POST', '/clients', '{"type":');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ type: 'invalid_request' });
    for (const path of [
      '/clients/000000000000000000000000',
      '/checks/000000000000000000000000',
      '/nowhere',
    ]) {
      const res = await api.get<ErrorBody>(path);
      expect([path, res.status, res.body.type]).toEqual([path, 404, 'resource_not_found']);
    }
  });
});

describe('ComplyCube sandbox: clients', () => {
  const api = useComplyCubeSandbox();

  it('creates a person with entityName, reads, updates with POST and deletes it', async () => {
    const created = await api.post<ClientBody>(
      '/clients',
      person('Smith', {
        externalId: 'CUST-1',
        metadata: { customerId: 'CUST-1' },
        personDetails: { middleName: 'Q' },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      type: 'person',
      entityName: 'Jane Q Smith',
      externalId: 'CUST-1',
      metadata: { customerId: 'CUST-1' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id;
    expect((await api.get(`/clients/${id}`)).body).toEqual(created.body);

    const updated = await api.post(`/clients/${id}`, {
      personDetails: { lastName: 'Jones' },
      mobile: '+447700900000',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      entityName: 'Jane Q Jones',
      mobile: '+447700900000',
      personDetails: { firstName: 'Jane', middleName: 'Q', lastName: 'Jones' },
    });
    expect((await api.post(`/clients/${id}`, { type: 'company' })).body).toMatchObject({ param: 'type' });

    expect((await api.delete(`/clients/${id}`)).status).toBe(204);
    expect((await api.get(`/clients/${id}`)).status).toBe(404);
  });

  it('makes a second client for a second create with the same externalId', async () => {
    const first = await api.createClient(person('Smith', { externalId: 'DUP-1' }));
    const second = await api.createClient(person('Smith', { externalId: 'DUP-1' }));
    expect(second).not.toBe(first);
    expect((await api.get<Page<ClientBody>>('/clients')).body.totalItems).toBe(2);
  });

  it('lists newest first, paged as {page, pageSize, totalItems, pages, items}', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await api.createClient(person(`Page${i}`)));
    const first = await api.get<Page<ClientBody>>('/clients?pageSize=2');
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, totalItems: 5, pages: 3 });
    expect(first.body.items.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const last = await api.get<Page<ClientBody>>('/clients?pageSize=2&page=3');
    expect(last.body.items.map((c) => c.id)).toEqual([ids[0]]);
    expect((await api.get('/clients')).body).toMatchObject({ pageSize: 100, pages: 1 });
    expect((await api.get('/clients?pageSize=101')).body).toMatchObject({
      type: 'invalid_request',
      param: 'pageSize',
    });
  });

  it('filters on type, email, metadata and personDetails/companyDetails fields, combined with AND', async () => {
    const a = await api.createClient(
      person('Alpha', { email: 'alpha@example.com', metadata: { customerId: 'C-1' } }),
    );
    const b = await api.createClient(
      person('Beta', { metadata: { customerId: 'C-2' }, personDetails: { nationality: 'GB' } }),
    );
    const c = await api.createClient(company('Gamma Ltd', { metadata: { customerId: 'C-1' } }));
    const ids = async (query: string) => (await api.ids(`/clients?${query}`)).sort();

    expect(await ids('type=company')).toEqual([c]);
    expect(await ids('email=alpha%40example.com')).toEqual([a]);
    expect(await ids('metadata.customerId=C-1')).toEqual([a, c].sort());
    expect(await ids('metadata.customerId=C-1&type=person')).toEqual([a]);
    expect(await ids('personDetails.lastName=Beta')).toEqual([b]);
    expect(await ids('personDetails.nationality=GB&personDetails.lastName=Alpha')).toEqual([]);
    expect(await ids('companyDetails.name=Gamma%20Ltd')).toEqual([c]);
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await ids(`createdAfter=${past}`)).toEqual([a, b, c].sort());
    expect(await ids(`createdBefore=${past}`)).toEqual([]);
  });

  it('answers 200 with no items to a badly formatted filter or an unsupported one', async () => {
    await api.createClient(person('Alpha', { metadata: { customerId: 'C-1' } }));
    for (const query of [
      'metadata.customerId=C-1%3B',
      'personDetails.lastName=Alpha%2F',
      'metadata.customerId=C-1&metadata.customerId=C-1',
      'createdAfter=yesterday',
      'nickname=Alpha',
    ]) {
      const res = await api.get<Page<ClientBody>>(`/clients?${query}`);
      expect([query, res.status, res.body.totalItems, res.body.items]).toEqual([query, 200, 0, []]);
    }
  });

  describe('the externalId trap (not a documented filter)', () => {
    it("answers 200 with no items by default, although the client exists (externalIdFilter 'empty')", async () => {
      const id = await api.createClient(
        person('Smith', { externalId: 'CUST-42', metadata: { customerId: 'CUST-42' } }),
      );
      const res = await api.get('/clients?externalId=CUST-42');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalItems: 0, items: [] });
      // The documented route to the same client: a metadata key holding the same value.
      expect((await api.get<Page<ClientBody>>('/clients?metadata.customerId=CUST-42')).body.items).toEqual([
        expect.objectContaining({ id }),
      ]);
    });

    it("returns every client when the parameter is ignored ('ignored'), strangers included", async () => {
      await api.control.settings({ externalIdFilter: 'ignored' });
      const mine = await api.createClient(person('Smith', { externalId: 'CUST-42' }));
      const stranger = await api.createClient(person('Other', { externalId: 'CUST-99' }));
      const items = await api.ids('/clients?externalId=CUST-42');
      expect(items.sort()).toEqual([mine, stranger].sort());
    });

    it("filters when it works ('works'), finding every client with that externalId", async () => {
      await api.control.settings({ externalIdFilter: 'works' });
      const one = await api.createClient(person('Smith', { externalId: 'CUST-42' }));
      const two = await api.createClient(person('Smith', { externalId: 'CUST-42' }));
      await api.createClient(person('Other', { externalId: 'CUST-99' }));
      const items = await api.ids('/clients?externalId=CUST-42');
      expect(items.sort()).toEqual([one, two].sort());
    });
  });

  it('gives a risk profile by middle name once the client has a nationality: medium-risk, high-risk, else low', async () => {
    const profile = async (body: Record<string, unknown>) =>
      (await api.get<{ overall: string }>(`/clients/${await api.createClient(body)}/riskProfile`)).body
        .overall;
    expect(
      await profile(person('Smith', { personDetails: { middleName: 'medium-risk', nationality: 'GB' } })),
    ).toBe('medium');
    expect(
      await profile(person('Smith', { personDetails: { middleName: 'high-risk', birthCountry: 'FR' } })),
    ).toBe('high');
    expect(await profile(person('Smith', { personDetails: { middleName: 'high-risk' } }))).toBe('low');
    expect(await profile(person('Smith', { personDetails: { nationality: 'GB' } }))).toBe('low');
    expect(await profile(company('Acme Ltd'))).toBe('low');
  });
});
