import type { MeshCompany, MeshCustomer, MeshPerson } from '../../contracts/customer';
import type { ComplyCubeClient, ComplyCubeClientBody } from './api';

/**
 * Our customer (src/contracts/customer.ts, in either layout: details on the customer or under
 * `person`/`company`) as a ComplyCube client (docs/providers/complycube.md, "Clients"). Nothing is
 * invented or guessed: a field ComplyCube needs and the customer lacks is a problem to fix at the source,
 * reported one line per field, naming the field and never its value (it is personal data).
 */

/** The metadata key holding our external identifier: `metadata.<key>` is a documented client filter. */
export const EXTERNAL_ID_METADATA_KEY = 'kycExternalId';

/**
 * What a list filter value may hold (letters, digits, space and `$ - _ * .`; `+` URL-encoded), without
 * spaces at the ends, and without `*` and `$`, which may act as a wildcard or an operator and match other
 * clients. Anything else may answer "no clients" instead of an error, and a client that could not be
 * found again would be created twice after a lost answer.
 */
const FILTER_SAFE = /^[A-Za-z0-9_.+-](?:[A-Za-z0-9_. +-]*[A-Za-z0-9_.+-])?$/;
/** ComplyCube's limit on a metadata value. */
const MAX_METADATA_VALUE = 500;

type Holder = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The customer's holder of details: `person` or `company` (the API reference's layout). */
function holderOf(customer: MeshCustomer): { holder: Holder | undefined; path: string } {
  if (customer.person !== undefined) return { holder: customer.person, path: 'customer.person' };
  if (customer.company !== undefined) return { holder: customer.company, path: 'customer.company' };
  return { holder: undefined, path: 'customer' };
}

interface Found {
  value: unknown;
  path: string;
}

/**
 * A passthrough field under person/company or on the customer (the guide's layout). Both present with
 * different values is a conflict: which one is current cannot be told, so neither is used.
 */
function passthrough(
  customer: MeshCustomer,
  names: readonly string[],
  problems: string[],
  normalise: (value: unknown) => string | undefined,
): Found | 'conflict' | undefined {
  const { holder, path } = holderOf(customer);
  for (const name of names) {
    const nested = holder?.[name];
    const top = customer[name];
    const inHolder = nested !== undefined && nested !== null;
    const onCustomer = top !== undefined && top !== null;
    if (inHolder && onCustomer && normalise(nested) !== normalise(top)) {
      problems.push(
        `${path}.${name}: differs from customer.${name}; keep one of them (which one is current cannot be told)`,
      );
      return 'conflict';
    }
    if (inHolder) return { value: nested, path: `${path}.${name}` };
    if (onCustomer) return { value: top, path: `customer.${name}` };
  }
  return undefined;
}

/** The field found, or undefined when absent or in conflict (the conflict is already a problem). */
function found(field: Found | 'conflict' | undefined): Found | undefined {
  return field === 'conflict' ? undefined : field;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` from `{day, month, year}` (numbers or digit strings) or from that string itself. */
export function isoDate(value: unknown): string | undefined {
  let year: number, month: number, day: number;
  if (typeof value === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
    if (!m) return undefined;
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const parts = value as Record<string, unknown>;
    const num = (v: unknown) =>
      typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    [year, month, day] = [num(parts.year), num(parts.month), num(parts.day)];
  } else {
    return undefined;
  }
  if (![year, month, day].every(Number.isInteger) || year < 1000 || year > 9999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** An ISO 3166-1 alpha-2 code, upper-cased. */
function countryCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{2}$/.test(value.trim())
    ? value.trim().toUpperCase()
    : undefined;
}

/** A nationality as a list of codes (a string is a list of one); undefined when any entry is not a code. */
function nationalities(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const codes = list.map(countryCode);
  return codes.length > 0 && codes.every((c): c is string => c !== undefined) ? codes : undefined;
}

const normaliseText = (v: unknown) => text(v);
const normaliseDate = (v: unknown) => isoDate(v) ?? JSON.stringify(v);
const normaliseNationality = (v: unknown) => nationalities(v)?.join(',') ?? JSON.stringify(v);

interface Mapped {
  body?: ComplyCubeClientBody;
  problems: string[];
  /** Field paths of data not sent in full, and why (no values): for a log line. */
  notes: string[];
}

function map(customer: MeshCustomer): Mapped {
  const problems: string[] = [];
  const notes: string[] = [];
  const externalId = customer.external_identifier;

  if (typeof externalId !== 'string' || externalId.trim() === '') {
    problems.push('customer.external_identifier: required (your unique customer identifier)');
  } else if (!FILTER_SAFE.test(externalId) || externalId.length > MAX_METADATA_VALUE) {
    problems.push(
      `customer.external_identifier: ComplyCube's list filters cannot match it (only letters, digits, inner spaces and - _ . +, up to ${MAX_METADATA_VALUE} characters), so the client could not be found again after a lost answer; it is not created`,
    );
  }

  const emailField = passthrough(customer, ['email_address', 'email'], problems, normaliseText);
  const email = found(emailField);
  const emailText = email !== undefined ? text(email.value) : undefined;
  if (emailField === undefined) {
    problems.push(
      'customer.email_address: required by ComplyCube (a client needs an e-mail address); add it to the customer',
    );
  } else if (email !== undefined && emailText === undefined) {
    problems.push(`${email.path}: expected an e-mail address (a non-empty string)`);
  }

  const { person, company } = customer;
  let details: Pick<ComplyCubeClientBody, 'type' | 'personDetails' | 'companyDetails'> | undefined;
  if (person !== undefined && company !== undefined) {
    problems.push(
      'customer.company: not allowed together with person: a customer is either a person or a company',
    );
  } else if (person !== undefined) {
    details = personDetails(customer, person, problems, notes);
  } else if (company !== undefined) {
    details = companyDetails(customer, company, problems);
  } else {
    problems.push('customer: required by ComplyCube: either person (an individual) or company');
  }

  if (problems.length > 0 || details === undefined || emailText === undefined) return { problems, notes };
  return {
    problems,
    notes,
    body: {
      ...details,
      email: emailText,
      externalId,
      metadata: { [EXTERNAL_ID_METADATA_KEY]: externalId },
    },
  };
}

function personDetails(
  customer: MeshCustomer,
  person: MeshPerson,
  problems: string[],
  notes: string[],
): Pick<ComplyCubeClientBody, 'type' | 'personDetails'> {
  const firstName = text(person.first_name);
  const middleName = text(person.middle_name);
  const lastName = text(person.last_name);
  if (person.full_name !== undefined) {
    problems.push(
      'customer.person.full_name: ComplyCube needs the first and last name separately (personDetails.firstName and lastName), and a full name is not split for you; send first_name and last_name instead of full_name',
    );
  } else {
    if (firstName === undefined) {
      problems.push(
        'customer.person.first_name: required by ComplyCube (a person is screened by first and last name); add it to the customer',
      );
    }
    if (lastName === undefined) {
      problems.push(
        'customer.person.last_name: required by ComplyCube (a person is screened by first and last name); add it to the customer',
      );
    }
  }

  const dobField = found(passthrough(customer, ['date_of_birth'], problems, normaliseDate));
  const dob = dobField !== undefined ? isoDate(dobField.value) : undefined;
  if (dobField !== undefined && dob === undefined) {
    problems.push(`${dobField.path}: expected a full date (YYYY-MM-DD, or {day, month, year}) that exists`);
  }

  const nationalityField = found(passthrough(customer, ['nationality'], problems, normaliseNationality));
  const codes = nationalityField !== undefined ? nationalities(nationalityField.value) : undefined;
  if (nationalityField !== undefined && codes === undefined) {
    problems.push(`${nationalityField.path}: expected two-letter ISO 3166 country codes (e.g. GB)`);
  } else if (nationalityField !== undefined && codes !== undefined && codes.length > 1) {
    notes.push(
      `${nationalityField.path}: ComplyCube takes one nationality; the first of ${codes.length} sent`,
    );
  }

  return {
    type: 'person',
    personDetails: {
      ...(firstName !== undefined && { firstName }),
      ...(middleName !== undefined && { middleName }),
      ...(lastName !== undefined && { lastName }),
      ...(dob !== undefined && { dob }),
      ...(codes?.[0] !== undefined && { nationality: codes[0] }),
    },
  };
}

function companyDetails(
  customer: MeshCustomer,
  company: MeshCompany,
  problems: string[],
): Pick<ComplyCubeClientBody, 'type' | 'companyDetails'> {
  const name = text(company.legal_name);
  if (name === undefined) {
    problems.push('customer.company.legal_name: required by ComplyCube (a company is screened by its name)');
  }
  const registration = found(passthrough(customer, ['registration_number'], problems, normaliseText));
  const registrationNumber = registration !== undefined ? text(registration.value) : undefined;
  if (registration !== undefined && registrationNumber === undefined) {
    problems.push(`${registration.path}: expected a non-empty string`);
  }
  const country = found(
    passthrough(customer, ['incorporation_country'], problems, (v) => countryCode(v) ?? JSON.stringify(v)),
  );
  const incorporationCountry = country !== undefined ? countryCode(country.value) : undefined;
  if (country !== undefined && incorporationCountry === undefined) {
    problems.push(`${country.path}: expected a two-letter ISO 3166 country code (e.g. GB)`);
  }
  return {
    type: 'company',
    companyDetails: {
      ...(name !== undefined && { name }),
      ...(registrationNumber !== undefined && { registrationNumber }),
      ...(incorporationCountry !== undefined && { incorporationCountry }),
    },
  };
}

/**
 * What keeps this customer from becoming a ComplyCube client, one line per field (e.g.
 * `customer.email_address: required by ComplyCube …`); none when it can be created. No request is sent
 * for a customer with problems.
 */
export function complyCubeApplicantProblems(customer: MeshCustomer): string[] {
  return map(customer).problems;
}

/**
 * The `POST /clients` body for a customer without problems, with `externalId` and
 * `metadata.kycExternalId` both our external identifier; `notes` name the fields not sent in full.
 * Throws when the customer has problems (check `complyCubeApplicantProblems` first).
 */
export function complyCubeApplicant(customer: MeshCustomer): { body: ComplyCubeClientBody; notes: string[] } {
  const mapped = map(customer);
  if (mapped.body === undefined) throw new Error(mapped.problems.join('\n'));
  return { body: mapped.body, notes: mapped.notes };
}

/** `{day, month, year}` from ComplyCube's `YYYY-MM-DD`. */
function dateParts(value: string | undefined): { day: number; month: number; year: number } | undefined {
  const iso = value !== undefined ? isoDate(value) : undefined;
  if (iso === undefined) return undefined;
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return { day, month, year };
}

/** Our external identifier as a client carries it: `externalId`, else `metadata.kycExternalId`. */
export function externalIdentifierOf(client: ComplyCubeClient): string | undefined {
  return client.externalId ?? client.metadata[EXTERNAL_ID_METADATA_KEY];
}

/**
 * A ComplyCube client back in our layout, for merging an update into before a re-score: names under
 * `person`/`company`, the other details on the customer (the guide's layout), only what ComplyCube holds.
 */
export function customerFromClient(client: ComplyCubeClient, externalIdentifier: string): MeshCustomer {
  const customer: MeshCustomer = { external_identifier: externalIdentifier };
  const isCompany =
    client.type === 'company' || (client.type === undefined && client.companyDetails !== undefined);
  if (isCompany) {
    const details = client.companyDetails;
    if (details?.name !== undefined) customer.company = { legal_name: details.name };
    if (details?.registrationNumber !== undefined) customer.registration_number = details.registrationNumber;
    if (details?.incorporationCountry !== undefined)
      customer.incorporation_country = details.incorporationCountry;
  } else if (client.personDetails !== undefined || client.type === 'person') {
    const details = client.personDetails ?? {};
    customer.person = {
      ...(details.firstName !== undefined && { first_name: details.firstName }),
      ...(details.middleName !== undefined && { middle_name: details.middleName }),
      ...(details.lastName !== undefined && { last_name: details.lastName }),
    };
    const dob = dateParts(details.dob);
    if (dob !== undefined) customer.date_of_birth = dob;
    if (details.nationality !== undefined) customer.nationality = [details.nationality];
  }
  if (client.email !== undefined) customer.email_address = client.email;
  return customer;
}
