import { applicantFacts } from '../../contracts/applicant-facts';
import type { MeshCustomer } from '../../contracts/customer';
import { riskCheckRequestSchema, type RiskCheckRequest } from '../../contracts/risk-request-schema';

export {
  riskAddressSchema,
  riskCheckRequestSchema,
  riskCompanySchema,
  riskPersonSchema,
  type RiskCheckRequest,
} from '../../contracts/risk-request-schema';

/**
 * The body of `POST /v2/customer-checks/check` (docs/providers/risk.md, "The body we send"). The vendor's
 * reference gives no request schema, so the project fixes this one: camelCase, the applicant's facts read
 * from our customer object in either layout (src/contracts/applicant-facts.ts), our external identifier,
 * and the vendor's `customerId` once an earlier answer gave one. The API replaces the customer it stores
 * (a field left out is blanked), so the body is always built from the full, merged customer, re-checks
 * included; a fact the customer lacks is left out, never sent empty.
 *
 * The schema is a contract (src/contracts/risk-request-schema.ts): the sandbox accepts exactly this body.
 */

/**
 * The body for `customer`: every fact it holds, in the schema's names. Pure: nothing is sent here, and a
 * body the schema refuses (no name at all) is the caller's to report (`riskRequestProblems`).
 */
export function buildRiskCheckRequest(customer: MeshCustomer, riskCustomerId?: string): RiskCheckRequest {
  const facts = applicantFacts(customer);
  const countries = [
    ...new Set([...facts.nationality, ...(facts.address?.country ? [facts.address.country] : [])]),
  ];
  const customerId = riskCustomerId?.trim();
  return {
    externalId: customer.external_identifier,
    ...(customerId !== undefined && customerId !== '' && { customerId }),
    customerType: facts.kind,
    ...(facts.kind === 'person' && {
      person: {
        ...(facts.firstName !== undefined && { firstName: facts.firstName }),
        ...(facts.middleName !== undefined && { middleName: facts.middleName }),
        ...(facts.lastName !== undefined && { lastName: facts.lastName }),
        ...(facts.fullName !== undefined && { fullName: facts.fullName }),
        ...(facts.birthDate !== undefined && { dateOfBirth: facts.birthDate }),
      },
    }),
    ...(facts.kind === 'company' &&
      facts.legalName !== undefined && { company: { legalName: facts.legalName } }),
    ...(facts.nationality.length > 0 && { nationalities: facts.nationality }),
    ...(countries.length > 0 && { countries }),
    ...(facts.address !== undefined && { address: { ...facts.address } }),
    ...(facts.email !== undefined && { email: facts.email }),
    ...(facts.phoneNumber !== undefined && { phoneNumber: facts.phoneNumber }),
    ...(facts.declaredPep !== undefined && { declaredPep: facts.declaredPep }),
  };
}

/**
 * What the schema refuses in `body`, one line per field, naming the field and the rule, never the value
 * (it may be personal data). Empty: the body may be sent.
 */
export function riskRequestProblems(body: unknown): string[] {
  const parsed = riskCheckRequestSchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? 'body' : path}: ${issue.message}`;
  });
}
