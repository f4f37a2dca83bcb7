import type { MeshCustomer } from '../../../src/contracts/customer';
import {
  complyCubeApplicant,
  complyCubeApplicantProblems,
  customerFromClient,
  isoDate,
} from '../../../src/providers/complycube/applicant';

/** Our customer as a ComplyCube client: both layouts, nothing invented, one problem line per field. */

const guideLayout: MeshCustomer = {
  external_identifier: 'CUST-1',
  person: { first_name: 'Ada', middle_name: 'King', last_name: 'Lovelace' },
  email_address: 'ada@example.com',
  date_of_birth: { day: 10, month: 12, year: 1815 },
  nationality: ['gb'],
};

const referenceLayout: MeshCustomer = {
  external_identifier: 'CUST-2',
  person: {
    first_name: 'Ada',
    last_name: 'Lovelace',
    date_of_birth: '1815-12-10',
    nationality: 'GB',
    email_address: 'ada@example.com',
  },
};

describe('complyCubeApplicant', () => {
  it.each([
    ['the guide layout (details on the customer)', guideLayout, 'CUST-1', 'King'],
    ['the reference layout (details under person)', referenceLayout, 'CUST-2', undefined],
  ])('maps a person in %s', (_what, customer, externalId, middleName) => {
    expect(complyCubeApplicantProblems(customer)).toEqual([]);
    expect(complyCubeApplicant(customer)).toEqual({
      body: {
        type: 'person',
        email: 'ada@example.com',
        personDetails: {
          firstName: 'Ada',
          ...(middleName !== undefined && { middleName }),
          lastName: 'Lovelace',
          dob: '1815-12-10',
          nationality: 'GB',
        },
        externalId,
        metadata: { kycExternalId: externalId },
      },
      notes: [],
    });
  });

  it('maps a company with its registration number and incorporation country', () => {
    const customer: MeshCustomer = {
      external_identifier: 'COMP-1',
      company: { legal_name: 'Acme Ltd', incorporation_country: 'gb' },
      registration_number: '12345678',
      email_address: 'compliance@acme.example',
    };
    expect(complyCubeApplicant(customer).body).toEqual({
      type: 'company',
      email: 'compliance@acme.example',
      companyDetails: { name: 'Acme Ltd', registrationNumber: '12345678', incorporationCountry: 'GB' },
      externalId: 'COMP-1',
      metadata: { kycExternalId: 'COMP-1' },
    });
  });

  it('sends the first of several nationalities and notes it, naming the field only', () => {
    const { body, notes } = complyCubeApplicant({ ...guideLayout, nationality: ['FR', 'GB'] });
    expect(body.personDetails?.nationality).toBe('FR');
    expect(notes).toEqual(['customer.nationality: ComplyCube takes one nationality; the first of 2 sent']);
  });

  it('leaves out what the customer does not have, inventing nothing', () => {
    const { body } = complyCubeApplicant({
      external_identifier: 'CUST-3',
      person: { first_name: 'Ada', last_name: 'Lovelace' },
      email: 'ada@example.com',
    });
    expect(body.personDetails).toEqual({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(body.email).toBe('ada@example.com');
  });

  it('refuses to build a body for a customer with problems', () => {
    expect(() => complyCubeApplicant({ external_identifier: 'X', person: { last_name: 'L' } })).toThrow(
      /email_address/,
    );
  });
});

describe('complyCubeApplicantProblems', () => {
  const problems = complyCubeApplicantProblems;

  it('asks for an e-mail address', () => {
    expect(problems({ external_identifier: 'E', person: { first_name: 'A', last_name: 'B' } })).toEqual([
      'customer.email_address: required by ComplyCube (a client needs an e-mail address); add it to the customer',
    ]);
  });

  it('asks for the name parts when only full_name is given, and never splits it', () => {
    const lines = problems({
      external_identifier: 'E',
      person: { full_name: 'Ada King Lovelace' },
      email_address: 'a@example.com',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^customer\.person\.full_name: ComplyCube needs the first and last name separately/,
    );
    expect(lines[0]).toContain('send first_name and last_name instead of full_name');
    expect(lines[0]).not.toContain('Ada');
  });

  it('asks for a first name', () => {
    expect(
      problems({
        external_identifier: 'E',
        person: { last_name: 'Lovelace' },
        email_address: 'a@example.com',
      }),
    ).toEqual([
      'customer.person.first_name: required by ComplyCube (a person is screened by first and last name); add it to the customer',
    ]);
  });

  it('lists every problem at once, naming fields and never values', () => {
    const lines = problems({
      external_identifier: 'E',
      person: { last_name: 'Lovelace', date_of_birth: '1815-13-45' },
      nationality: 'British',
    });
    expect(lines.map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      'customer.email_address',
      'customer.person.first_name',
      'customer.person.date_of_birth',
      'customer.nationality',
    ]);
    expect(lines.join('\n')).not.toMatch(/Lovelace|1815|British/);
  });

  it('refuses a detail given in both layouts with different values (which is current cannot be told)', () => {
    expect(
      problems({
        ...guideLayout,
        person: { ...guideLayout.person, date_of_birth: '1815-12-11' },
      }),
    ).toEqual([
      'customer.person.date_of_birth: differs from customer.date_of_birth; keep one of them (which one is current cannot be told)',
    ]);
    // The same value in both places is no conflict.
    expect(
      problems({ ...guideLayout, person: { ...guideLayout.person, date_of_birth: '1815-12-10' } }),
    ).toEqual([]);
  });

  it('refuses an external identifier the list filters could not match, so it could not be found again', () => {
    for (const id of ['CUST/1', 'a@b.example', ' CUST-1', 'CUST:1', 'CUST*', '$ne', 'x'.repeat(501)]) {
      const lines = problems({ ...guideLayout, external_identifier: id });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^customer\.external_identifier: ComplyCube's list filters cannot match it/);
    }
    for (const id of ['CUST-1', 'T-123-456', 'a.b_c+d e']) {
      expect(problems({ ...guideLayout, external_identifier: id })).toEqual([]);
    }
  });

  it('needs either a person or a company, not both', () => {
    expect(problems({ external_identifier: 'E', email_address: 'a@example.com' })).toEqual([
      'customer: required by ComplyCube: either person (an individual) or company',
    ]);
    expect(
      problems({
        external_identifier: 'E',
        email_address: 'a@example.com',
        person: { first_name: 'A', last_name: 'B' },
        company: { legal_name: 'C' },
      }),
    ).toEqual([
      'customer.company: not allowed together with person: a customer is either a person or a company',
    ]);
  });
});

describe('isoDate', () => {
  it.each([
    [{ day: 1, month: 2, year: 1990 }, '1990-02-01'],
    [{ day: '01', month: '02', year: '1990' }, '1990-02-01'],
    ['1990-02-01', '1990-02-01'],
    ['1990-02-30', undefined],
    [{ month: 2, year: 1990 }, undefined],
    ['01/02/1990', undefined],
    [19900201, undefined],
  ])('%j → %s', (value, expected) => {
    expect(isoDate(value)).toBe(expected);
  });
});

describe('customerFromClient', () => {
  it('rebuilds a person in our layout from what ComplyCube holds', () => {
    expect(
      customerFromClient(
        {
          id: 'cl1',
          type: 'person',
          email: 'ada@example.com',
          externalId: 'CUST-1',
          personDetails: { firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10', nationality: 'GB' },
          metadata: { kycExternalId: 'CUST-1' },
        },
        'CUST-1',
      ),
    ).toEqual({
      external_identifier: 'CUST-1',
      person: { first_name: 'Ada', last_name: 'Lovelace' },
      date_of_birth: { day: 10, month: 12, year: 1815 },
      nationality: ['GB'],
      email_address: 'ada@example.com',
    });
  });

  it('rebuilds a company, and the result maps back to the same client body', () => {
    const customer = customerFromClient(
      {
        id: 'cl2',
        type: 'company',
        email: 'c@acme.example',
        companyDetails: { name: 'Acme Ltd', registrationNumber: '123', incorporationCountry: 'GB' },
        metadata: {},
      },
      'COMP-1',
    );
    expect(customer).toEqual({
      external_identifier: 'COMP-1',
      company: { legal_name: 'Acme Ltd' },
      registration_number: '123',
      incorporation_country: 'GB',
      email_address: 'c@acme.example',
    });
    expect(complyCubeApplicant(customer).body.companyDetails).toEqual({
      name: 'Acme Ltd',
      registrationNumber: '123',
      incorporationCountry: 'GB',
    });
  });
});
