import { applicantFacts } from '../../contracts/applicant-facts';
import type { MeshCustomer } from '../../contracts/customer';

/**
 * The bodies of the COS writes (docs/providers/cos.md, "What we send"), built once in the workflow from the
 * approved customer: the text is recorded with the activity's input, so every retry sends the same bytes
 * under the same idempotency key (COS treats a changed body under one key as a new request). Only what the
 * applicant gave is sent; nothing is split, guessed or defaulted beyond the tutorial's fixed words
 * (`Home`, `Residential`, `Mobile`). What is missing is named by the field the onboarding service sends.
 */

export type CoreBody = { body: string } | { missing: string[] };

export function customerBody(customer: MeshCustomer, partnerId: string): CoreBody {
  const facts = applicantFacts(customer);
  // Only what the applicant declared: an unanswered PEP question is left out, never sent as `false`.
  const profile = {
    ...(facts.declaredPep !== undefined && { politicallyExposedPerson: facts.declaredPep }),
    ...(facts.birthDate !== undefined && { birthDate: facts.birthDate }),
  };
  if (facts.kind === 'company') {
    if (facts.legalName === undefined) return { missing: ['customer.company.legal_name'] };
    return {
      body: JSON.stringify({
        partnerId,
        classification: 'Business',
        businessName: facts.legalName,
        profile,
      }),
    };
  }
  const missing = [
    ...(facts.firstName === undefined ? ['customer.person.first_name'] : []),
    ...(facts.lastName === undefined ? ['customer.person.last_name'] : []),
    // COS's personal customer carries a birth date (every sample has one).
    ...(facts.birthDate === undefined ? ['customer.date_of_birth'] : []),
  ];
  if (missing.length > 0) return { missing };
  const firstName =
    facts.middleName !== undefined ? `${facts.firstName} ${facts.middleName}` : facts.firstName;
  return {
    body: JSON.stringify({
      partnerId,
      name: { firstName, lastName: facts.lastName },
      classification: 'Personal',
      profile,
    }),
  };
}

export function addressBody(customer: MeshCustomer): CoreBody {
  const address = applicantFacts(customer).address;
  if (address === undefined) return { missing: ['customer.address'] };
  const missing = [
    ...(address.line1 === undefined ? ['customer.address.address_line1'] : []),
    ...(address.city === undefined ? ['customer.address.city'] : []),
    ...(address.postalCode === undefined ? ['customer.address.postal_code'] : []),
    ...(address.country === undefined ? ['customer.address.country'] : []),
  ];
  if (missing.length > 0) return { missing };
  return {
    body: JSON.stringify({
      addressType: 'Home',
      classification: 'Residential',
      isPrimary: true,
      street1: address.line1,
      ...(address.line2 !== undefined && { street2: address.line2 }),
      city: address.city,
      ...(address.subdivision !== undefined && { state: address.subdivision }),
      postalCode: address.postalCode,
      countryCode: address.country,
    }),
  };
}

export function phoneBody(customer: MeshCustomer): CoreBody {
  const phoneNumber = applicantFacts(customer).phoneNumber;
  if (phoneNumber === undefined) return { missing: ['customer.phone_number'] };
  return { body: JSON.stringify({ isPrimary: true, phoneType: 'Mobile', phoneNumber }) };
}
