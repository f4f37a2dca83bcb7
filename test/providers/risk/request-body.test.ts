import type { MeshCustomer } from '../../../src/contracts/customer';
import {
  buildRiskCheckRequest,
  riskCheckRequestSchema,
  riskRequestProblems,
} from '../../../src/providers/risk/request-body';
import { riskCheckRequestSchema as sandboxSchema } from '../../../src/sandbox/risk/request-schema';

/**
 * The body of the check, built from our customer in both layouts, always the full customer; and the
 * sandbox accepts exactly the schema the adapter builds against (one contract).
 */

describe('buildRiskCheckRequest', () => {
  it("builds the full body from the guide's layout (details on the customer)", () => {
    const customer: MeshCustomer = {
      external_identifier: 'CUST-1',
      person: { first_name: ' Ada ', middle_name: 'King', last_name: 'Lovelace' },
      date_of_birth: { day: 10, month: 12, year: 1815 },
      nationality: ['GB', 'FR'],
      address: [
        {
          address_line1: '1 St James Sq',
          address_line2: 'Flat 2',
          city: 'London',
          country_subdivision: 'Greater London',
          postal_code: 'SW1Y 4JH',
          country: 'IE',
        },
        { city: 'Paris', country: 'FR' },
      ],
      email_address: 'ada@example.com',
      phone_number: '+44 20 7946 0000',
      politically_exposed_person: false,
    };
    const body = buildRiskCheckRequest(customer);
    expect(body).toEqual({
      externalId: 'CUST-1',
      customerType: 'person',
      person: { firstName: 'Ada', middleName: 'King', lastName: 'Lovelace', dateOfBirth: '1815-12-10' },
      nationalities: ['GB', 'FR'],
      countries: ['GB', 'FR', 'IE'],
      address: {
        line1: '1 St James Sq',
        line2: 'Flat 2',
        city: 'London',
        subdivision: 'Greater London',
        postalCode: 'SW1Y 4JH',
        country: 'IE',
      },
      email: 'ada@example.com',
      phoneNumber: '+44 20 7946 0000',
      declaredPep: false,
    });
    expect(riskRequestProblems(body)).toEqual([]);
  });

  it("builds it from the reference's layout (details under person) with the vendor's customerId", () => {
    const customer: MeshCustomer = {
      external_identifier: 'CUST-2',
      person: {
        full_name: 'Grace Hopper',
        date_of_birth: '1906-12-09',
        nationality: 'US',
        address: { address_line_1: '1 Navy Way', city: 'Arlington', country: 'US' },
        email: 'grace@example.com',
        pep: true,
      },
    };
    expect(buildRiskCheckRequest(customer, 'rc_abc')).toEqual({
      externalId: 'CUST-2',
      customerId: 'rc_abc',
      customerType: 'person',
      person: { fullName: 'Grace Hopper', dateOfBirth: '1906-12-09' },
      nationalities: ['US'],
      countries: ['US'],
      address: { line1: '1 Navy Way', city: 'Arlington', country: 'US' },
      email: 'grace@example.com',
      declaredPep: true,
    });
  });

  it('builds a company, and leaves out what the customer lacks rather than sending it empty', () => {
    const body = buildRiskCheckRequest(
      { external_identifier: 'COMP-1', company: { legal_name: 'Acme Ltd' } },
      ' ',
    );
    expect(body).toEqual({
      externalId: 'COMP-1',
      customerType: 'company',
      company: { legalName: 'Acme Ltd' },
    });
    expect(riskRequestProblems(body)).toEqual([]);
  });

  it('names the fields of a body the schema refuses, never their values', () => {
    const nameless = buildRiskCheckRequest({
      external_identifier: 'CUST-3',
      person: {},
      email: 'x@example.com',
    });
    expect(riskRequestProblems(nameless)).toEqual(['person: a person needs firstName, lastName or fullName']);
    const problems = riskRequestProblems({
      externalId: 'CUST-4',
      customerType: 'person',
      person: { firstName: 'Ada', dateOfBirth: '10/12/1815' },
      favouriteColour: 'secret-blue',
    });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/person\.dateOfBirth: expected a date as YYYY-MM-DD/);
    expect(problems.join('\n')).not.toContain('secret-blue');
    expect(problems.join('\n')).not.toContain('10/12/1815');
  });
});

describe('the sandbox accepts exactly the body the adapter sends', () => {
  it('is one schema, the contract the adapter builds against', () => {
    expect(sandboxSchema).toBe(riskCheckRequestSchema);
  });

  it.each<[string, unknown, boolean]>([
    ['a person', { externalId: 'A', customerType: 'person', person: { lastName: 'X' } }, true],
    ['a company', { externalId: 'B', customerType: 'company', company: { legalName: 'Y' } }, true],
    ['a nameless person', { externalId: 'C', customerType: 'person', person: {} }, false],
    ['a company without company', { externalId: 'D', customerType: 'company' }, false],
    [
      'a person with a company',
      { externalId: 'E', customerType: 'person', person: { lastName: 'X' }, company: { legalName: 'Y' } },
      false,
    ],
    [
      'an unknown field',
      { externalId: 'F', customerType: 'person', person: { lastName: 'X' }, extra: 1 },
      false,
    ],
    [
      'an empty list',
      { externalId: 'G', customerType: 'person', person: { lastName: 'X' }, nationalities: [] },
      false,
    ],
    ['a blank id', { externalId: '  ', customerType: 'person', person: { lastName: 'X' } }, false],
  ])('decides on %s', (_what, body, accepted) => {
    expect(sandboxSchema.safeParse(body).success).toBe(accepted);
  });
});
