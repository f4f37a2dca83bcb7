import {
  ADDRESS,
  PARTNER_ID,
  PHONE,
  personal,
  useCosSandbox,
  type CustomerBody,
  type ProblemBody,
} from './cos-client';

const RECORD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}-05:00$/;

describe('COS sandbox: customers, addresses, phones', () => {
  const { api, control } = useCosSandbox({ scanDelayMs: 10_000 });

  it("creates the tutorial's customer and answers the documented record", async () => {
    const created = await api().post<CustomerBody>('/core/v1/cm/customers', personal());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      cifNumber: expect.stringMatching(/^\d{11}$/),
      classification: 'Personal',
      status: 'Active',
      ofac: 'Pending',
      pepScan: 'Pending',
      name: { firstName: 'Bob', lastName: 'Smith', fullName: 'Bob Smith' },
      profile: {
        regO: false,
        politicallyExposedPerson: false,
        enableBackupWithholding: false,
        taxIdType: 'Ssn',
        taxId: '119988776',
        birthDate: '1953-09-22',
        riskRating: 'Low',
      },
      createdAt: expect.stringMatching(RECORD_TIME),
      lastModifiedAt: expect.stringMatching(RECORD_TIME),
      partnerId: PARTNER_ID,
    });
    // Field order as in the tutorial's answer.
    expect(Object.keys(created.body).slice(0, 6)).toEqual([
      'id',
      'cifNumber',
      'classification',
      'status',
      'ofac',
      'pepScan',
    ]);

    const id = created.body.id;
    const read = await api().get<CustomerBody>(`/core/v1/cm/customers/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    // The tutorial writes the read once without /core.
    expect((await api().get(`/v1/cm/customers/${id}`)).body).toEqual(created.body);
    const unknown = await api().get<ProblemBody>(
      '/core/v1/cm/customers/9052b6a5-3f09-41d1-b526-ade80104eb79',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404 });
  });

  it('keeps fields it does not know and dueDiligence as sent (object or array)', async () => {
    const body = {
      ...personal('Peter', 'Griffin'),
      clientIdentifier: 'CUST-42',
      dueDiligence: { annualIncome: 0 },
    };
    const created = await api().createCustomer(body);
    expect(created).toMatchObject({ clientIdentifier: 'CUST-42', dueDiligence: { annualIncome: 0 } });
    const asArray = await api().createCustomer({
      ...personal('Lois', 'Griffin'),
      dueDiligence: [{ q: 'a' }],
    });
    expect(asArray.dueDiligence).toEqual([{ q: 'a' }]);
  });

  it('refuses a bad body with 400 naming every field in error, and creates nothing', async () => {
    const bad = await api().post<ProblemBody>('/core/v1/cm/customers', {
      partnerId: 'not-a-guid',
      classification: 'Personal',
      name: { firstName: 'Bob' },
      profile: { birthDate: '22/09/1953' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors ?? {}).sort()).toEqual([
      'name.lastName',
      'partnerId',
      'profile.birthDate',
    ]);
    const missing = await api().post<ProblemBody>('/core/v1/cm/customers', {
      partnerId: PARTNER_ID,
      classification: 'Personal',
      name: { firstName: 'Bob' },
      profile: {},
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual({
      'name.lastName': ['is required'],
      'profile.birthDate': ['is required'],
    });
    const classification = await api().post<ProblemBody>('/core/v1/cm/customers', {
      ...personal(),
      classification: 'Corporate',
    });
    expect(Object.keys(classification.body.errors ?? {})).toEqual(['classification']);
    const impossible = await api().post<ProblemBody>(
      '/core/v1/cm/customers',
      personal('Bob', 'Smith', '1953-02-30'),
    );
    expect(impossible.body.errors).toEqual({ 'profile.birthDate': ['is not a calendar date'] });
    const notJson = await api().post<ProblemBody>('/core/v1/cm/customers', '{"partnerId":');
    expect(notJson.status).toBe(400);
    expect((await control().customers()).length).toBe(0);
  });

  it('takes a business by businessName (top level or in name) or by first and last name', async () => {
    const byName = await api().createCustomer({
      partnerId: PARTNER_ID,
      classification: 'Business',
      businessName: 'Acme Widgets LLC',
      profile: { taxIdType: 'Ein', taxId: '123456789' },
    });
    expect(byName.name).toEqual({ businessName: 'Acme Widgets LLC', fullName: 'Acme Widgets LLC' });
    const inName = await api().createCustomer({
      partnerId: PARTNER_ID,
      classification: 'Business',
      name: { businessName: 'Blue Star Diamond' },
    });
    expect(inName.name.fullName).toBe('Blue Star Diamond');
    const asPerson = await api().createCustomer({
      partnerId: PARTNER_ID,
      classification: 'Business',
      name: { firstName: 'Blue Star', lastName: 'Diamond' },
    });
    expect(asPerson.name.fullName).toBe('Blue Star Diamond');
    const nameless = await api().post<ProblemBody>('/core/v1/cm/customers', {
      partnerId: PARTNER_ID,
      classification: 'Business',
    });
    expect(nameless.body.errors).toEqual({ businessName: ['is required'] });
  });

  it('adds addresses and phones: the first is primary, a later one only if it asks', async () => {
    const { id } = await api().createCustomer(personal());
    const address = await api().post(`/core/v1/cm/customers/${id}/addresses`, {
      ...ADDRESS,
      isPrimary: false,
    });
    expect(address.status).toBe(201);
    expect(address.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ...ADDRESS,
      isPrimary: true,
      createdAt: expect.stringMatching(RECORD_TIME),
      lastModifiedAt: expect.stringMatching(RECORD_TIME),
    });
    const mailing = await api().post(`/core/v1/cm/customers/${id}/addresses`, {
      ...ADDRESS,
      addressType: 'Mailing',
      isPrimary: false,
      street2: 'Apt 4',
    });
    expect(mailing.body).toMatchObject({ addressType: 'Mailing', isPrimary: false, street2: 'Apt 4' });
    const phone = await api().post(`/core/v1/cm/customers/${id}/phones`, PHONE);
    expect(phone.status).toBe(201);
    expect(phone.body).toMatchObject({ ...PHONE, id: expect.any(String) });
    const work = await api().post(`/core/v1/cm/customers/${id}/phones`, {
      ...PHONE,
      phoneType: 'Work',
      phoneNumber: '+12125550100',
    });
    expect(work.body).toMatchObject({ isPrimary: true, phoneNumber: '+12125550100' });

    const [held] = await control().customers();
    expect(held?.addresses.map((a) => [a.addressType, a.isPrimary])).toEqual([
      ['Home', true],
      ['Mailing', false],
    ]);
    expect(held?.phones.map((p) => [p.phoneType, p.isPrimary])).toEqual([
      ['Mobile', false],
      ['Work', true],
    ]);
  });

  it('validates addresses and phones, and answers 404 for an unknown customer', async () => {
    const { id } = await api().createCustomer(personal());
    const { street1: _s, ...noStreet } = ADDRESS;
    const address = await api().post<ProblemBody>(`/core/v1/cm/customers/${id}/addresses`, {
      ...noStreet,
      countryCode: 'USA',
    });
    expect(address.status).toBe(400);
    expect(Object.keys(address.body.errors ?? {}).sort()).toEqual(['countryCode', 'street1']);
    const phone = await api().post<ProblemBody>(`/core/v1/cm/customers/${id}/phones`, {
      phoneType: 'Mobile',
      phoneNumber: '201-555',
    });
    expect(Object.keys(phone.body.errors ?? {}).sort()).toEqual(['isPrimary', 'phoneNumber']);
    const unknown = '11111111-2222-3333-4444-555555555555';
    expect((await api().post(`/core/v1/cm/customers/${unknown}/addresses`, ADDRESS)).status).toBe(404);
    expect((await api().post(`/core/v1/cm/customers/${unknown}/phones`, PHONE)).status).toBe(404);
    const [held] = await control().customers();
    expect([held?.addresses.length, held?.phones.length]).toEqual([0, 0]);
  });

  it('gives every answer a request-id and logs every request without its body', async () => {
    const ok = await api().post('/core/v1/cm/customers', personal());
    const bad = await api().post('/core/v1/cm/customers', {});
    const ids = [ok.headers.get('request-id'), bad.headers.get('request-id')];
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
    const log = await control().requests({ path: '/core/v1/cm/customers' });
    expect(log.map((e) => [e.requestId, e.method, e.status, e.replayed, e.idempotencyKey])).toEqual([
      [ids[0], 'POST', 201, false, false],
      [ids[1], 'POST', 400, false, false],
    ]);
    expect(JSON.stringify(log)).not.toContain('Smith');
  });
});
