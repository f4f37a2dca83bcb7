import { customerSchema, formatZodIssues } from '../../src/contracts/customer-schema';
import { parseOnboardingRequest } from '../../src/starter/request-file';

function problemsOf(customer: unknown): string[] {
  const result = customerSchema.safeParse(customer);
  return result.success ? [] : formatZodIssues(result.error, 'customer');
}

describe('customer schema', () => {
  it("accepts the guide's individual, with extra fields in the guide's layout passed through untouched", () => {
    const customer = {
      external_identifier: 'CUST-12345',
      person: { first_name: 'John', last_name: 'Smith' },
      date_of_birth: { day: 21, month: 10, year: 2000 },
      nationality: ['US'],
      address: { address_line_1: '123 Main Street', country: 'US' },
    };
    expect(customerSchema.parse(customer)).toEqual(customer);
  });

  it("accepts the API reference's layout with details under person", () => {
    const customer = {
      external_identifier: 'CUST-1',
      person: {
        full_name: 'Test CleanUser',
        date_of_birth: '1990-01-01',
        address: [{ address_line1: '1 High St', country: 'GB' }],
        personal_identification: [{ type: 'PASSPORT', value: 'X' }],
      },
    };
    expect(customerSchema.parse(customer)).toEqual(customer);
  });

  it('accepts a company with a legal name', () => {
    expect(
      problemsOf({
        external_identifier: 'COMP-98765',
        company: { legal_name: 'Example Corp Inc' },
        registration_number: '1',
      }),
    ).toEqual([]);
  });

  it('requires a non-empty external identifier', () => {
    expect(problemsOf({ person: { last_name: 'Smith' } })).toEqual([
      'customer.external_identifier: required: your unique customer identifier (a non-empty string)',
    ]);
    expect(problemsOf({ external_identifier: '  ', person: { last_name: 'Smith' } })[0]).toMatch(
      /^customer\.external_identifier: .*empty/,
    );
  });

  it('requires exactly one of person and company', () => {
    expect(problemsOf({ external_identifier: 'X' })).toEqual([
      'customer: required: either person (an individual) or company',
    ]);
    expect(
      problemsOf({ external_identifier: 'X', person: { last_name: 'A' }, company: { legal_name: 'B' } }),
    ).toEqual([
      'customer.company: not allowed together with person: a customer is either a person or a company',
    ]);
  });

  it('requires last_name or full_name for a person, and no name parts next to full_name', () => {
    expect(problemsOf({ external_identifier: 'X', person: { first_name: 'John' } })).toEqual([
      'customer.person.last_name: required: a person needs either last_name or full_name',
    ]);
    expect(
      problemsOf({ external_identifier: 'X', person: { full_name: 'John Smith', first_name: 'John' } }),
    ).toEqual([
      'customer.person.first_name: not allowed together with full_name: send either full_name or the name parts',
    ]);
  });

  it('requires a company legal name and never echoes the values it refuses', () => {
    const problems = problemsOf({
      external_identifier: 'X',
      company: { legal_name: 42, trading_name: 'Secret Trading' },
    });
    expect(problems).toEqual([
      'customer.company.legal_name: expected the company legal name (a non-empty string)',
    ]);
    expect(problems.join()).not.toContain('42');
  });
});

describe('onboarding request', () => {
  const customer = { external_identifier: 'CUST-1', person: { full_name: 'Victor Bout' } };

  it('accepts monitoring as a boolean, as {enabled} or in the Mesh request shape, and a configuration override', () => {
    for (const monitoring of [
      false,
      { enabled: true },
      { entity_screening: { enabled: false } },
      undefined,
    ]) {
      expect(parseOnboardingRequest({ customer, monitoring })).toMatchObject({ ok: true });
    }
    const parsed = parseOnboardingRequest({
      customer,
      configuration: { screening_configuration_identifier: 'cfg-1' },
    });
    expect(parsed).toEqual({
      ok: true,
      value: { customer, configuration: { screening_configuration_identifier: 'cfg-1' } },
    });
  });

  it('lists every problem with the path a person reads in their JSON', () => {
    const parsed = parseOnboardingRequest({
      customer: { person: { first_name: 'Victor' } },
      monitoring: 'yes',
      configurations: {},
    });
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'customer.external_identifier: required: your unique customer identifier (a non-empty string)',
        'customer.person.last_name: required: a person needs either last_name or full_name',
        expect.stringMatching(/^monitoring: expected true, false/),
        expect.stringMatching(/^\(input\): .*configurations/),
      ]),
    );
  });
});
