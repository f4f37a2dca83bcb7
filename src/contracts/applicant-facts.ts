import type { MeshCustomer } from './customer';

/**
 * The facts about an applicant that the systems around screening need (the risk score, the core-banking
 * customer), read from our customer object in either layout: details on the customer (the Mesh guide's) or
 * under `person`/`company` (the API reference's), `address` as one object or a list (the first one is the
 * primary), `address_line_1` or `address_line1`. Pure and deterministic: workflow code builds request bodies
 * from it. Nothing is guessed: a value that is absent, empty or of another type is left out, and its absence
 * is the caller's to report.
 */
export interface ApplicantAddress {
  line1?: string;
  line2?: string;
  city?: string;
  /** State, province or region (`country_subdivision`). */
  subdivision?: string;
  postalCode?: string;
  /** As given; ISO 3166-1 alpha-2 in every example. */
  country?: string;
}

export interface ApplicantFacts {
  kind: 'person' | 'company';
  firstName?: string;
  middleName?: string;
  lastName?: string;
  fullName?: string;
  legalName?: string;
  /** YYYY-MM-DD, only when day, month and year are all given and form a plausible date. */
  birthDate?: string;
  /** Nationalities as given (a string or a list). */
  nationality: string[];
  address?: ApplicantAddress;
  phoneNumber?: string;
  email?: string;
  /** A self-declared PEP flag (`politically_exposed_person` / `pep`), when the applicant gave one. */
  declaredPep?: boolean;
}

type Holder = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The field under person/company first, then on the customer itself (the guide's layout). */
function field(customer: MeshCustomer, names: readonly string[]): unknown {
  const holder: Holder | undefined = customer.person ?? customer.company;
  for (const name of names) {
    const nested = holder?.[name];
    if (nested !== undefined && nested !== null) return nested;
    const top = customer[name];
    if (top !== undefined && top !== null) return top;
  }
  return undefined;
}

function birthDateOf(value: unknown): string | undefined {
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? value.trim() : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { day, month, year } = value as Holder;
  if (typeof day !== 'number' || typeof month !== 'number' || typeof year !== 'number') return undefined;
  if (!Number.isInteger(day) || !Number.isInteger(month) || !Number.isInteger(year)) return undefined;
  if (year < 1800 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function addressOf(value: unknown): ApplicantAddress | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'object' || first === null) return undefined;
  const a = first as Holder;
  const address: ApplicantAddress = {};
  const set = (key: keyof ApplicantAddress, names: readonly string[]) => {
    for (const name of names) {
      const found = text(a[name]);
      if (found !== undefined) {
        address[key] = found;
        return;
      }
    }
  };
  set('line1', ['address_line1', 'address_line_1', 'street', 'street1']);
  set('line2', ['address_line2', 'address_line_2', 'street2']);
  set('city', ['city', 'town', 'locality']);
  set('subdivision', ['country_subdivision', 'state', 'region']);
  set('postalCode', ['postal_code', 'postcode', 'zip']);
  set('country', ['country', 'country_code']);
  return Object.keys(address).length > 0 ? address : undefined;
}

function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map(text).filter((item): item is string => item !== undefined);
}

export function applicantFacts(customer: MeshCustomer): ApplicantFacts {
  const person = customer.person;
  const facts: ApplicantFacts = {
    kind: person === undefined && customer.company !== undefined ? 'company' : 'person',
    nationality: listOf(field(customer, ['nationality'])),
  };
  const assign = <K extends keyof ApplicantFacts>(key: K, value: ApplicantFacts[K] | undefined) => {
    if (value !== undefined) facts[key] = value;
  };
  if (person !== undefined) {
    assign('firstName', text(person.first_name));
    assign('middleName', text(person.middle_name));
    assign('lastName', text(person.last_name));
    assign('fullName', text(person.full_name));
  }
  assign('legalName', text(customer.company?.legal_name));
  assign('birthDate', birthDateOf(field(customer, ['date_of_birth'])));
  assign('address', addressOf(field(customer, ['address', 'addresses'])));
  assign('phoneNumber', text(field(customer, ['phone_number', 'phone'])));
  assign('email', text(field(customer, ['email_address', 'email'])));
  const pep = field(customer, ['politically_exposed_person', 'pep']);
  if (typeof pep === 'boolean') facts.declaredPep = pep;
  return facts;
}
