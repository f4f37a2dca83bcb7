import { badRequest, type FieldError } from './problem-details';

/**
 * Reading a customer from a request body, in both layouts: the guide's (date_of_birth, nationality,
 * address{address_line_1} on `customer`) and the reference's (the same under `customer.person`,
 * `address[]` with `address_line1`). Only the documented required fields and the name rule are
 * enforced; everything else is kept as sent, as the real API keeps it (docs/providers/mesh.md, "Create
 * and screen").
 */
export type CustomerKind = 'PERSON' | 'COMPANY';
export type JsonObject = Record<string, unknown>;

export interface CustomerInput {
  /** The customer object exactly as sent. */
  customer: JsonObject;
  externalIdentifier: string;
  kind: CustomerKind | undefined;
  /** Names to look up in the screening table, most specific first. */
  nameCandidates: string[];
}

export interface CreateAndScreenInput extends CustomerInput {
  kind: CustomerKind;
  screeningConfigurationIdentifier: string;
  monitoringEnabled: boolean;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const present = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function checkPerson(person: unknown, errors: FieldError[]): string[] {
  if (!isObject(person)) {
    errors.push({ field: 'customer.person', reasons: ['must be an object'], rejected: person });
    return [];
  }
  const { full_name: full, first_name: first, middle_name: middle, last_name: last } = person;
  for (const [key, value] of Object.entries({
    full_name: full,
    first_name: first,
    middle_name: middle,
    last_name: last,
  })) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      errors.push({ field: `customer.person.${key}`, reasons: ['must be a string'], rejected: value });
    }
  }
  if (present(full) && present(last)) {
    errors.push({
      field: 'customer.person.full_name',
      reasons: ['send exactly one of full_name or last_name, not both'],
      rejected: full,
    });
  } else if (!present(full) && !present(last)) {
    errors.push({
      field: 'customer.person.last_name',
      reasons: ['exactly one of customer.person.full_name or customer.person.last_name is required'],
      rejected: last ?? null,
    });
  } else if (present(full)) {
    for (const [key, value] of Object.entries({ first_name: first, middle_name: middle })) {
      if (present(value)) {
        errors.push({
          field: `customer.person.${key}`,
          reasons: ['must be absent when full_name is sent'],
          rejected: value,
        });
      }
    }
  }
  checkLayoutFields(person, 'customer.person', errors);
  const candidates: string[] = [];
  if (present(full)) candidates.push(full);
  if (present(last)) {
    if (present(first) && present(middle)) candidates.push(`${first} ${middle} ${last}`);
    if (present(first)) candidates.push(`${first} ${last}`);
    candidates.push(last);
  }
  return candidates;
}

function checkCompany(company: unknown, errors: FieldError[]): string[] {
  if (!isObject(company)) {
    errors.push({ field: 'customer.company', reasons: ['must be an object'], rejected: company });
    return [];
  }
  if (!present(company.legal_name)) {
    errors.push({
      field: 'customer.company.legal_name',
      reasons: ['is required'],
      rejected: company.legal_name ?? null,
    });
    return [];
  }
  checkLayoutFields(company, 'customer.company', errors);
  return [company.legal_name];
}

/** Lenient shape checks on fields both layouts share: wrong types, not unknown keys, are refused. */
function checkLayoutFields(holder: JsonObject, path: string, errors: FieldError[]): void {
  const address = holder.address;
  if (address !== undefined && !isObject(address) && !(Array.isArray(address) && address.every(isObject))) {
    errors.push({
      field: `${path}.address`,
      reasons: ['must be an address object (guide layout) or an array of address objects (reference layout)'],
      rejected: address,
    });
  }
  const nationality = holder.nationality;
  if (
    nationality !== undefined &&
    typeof nationality !== 'string' &&
    !(Array.isArray(nationality) && nationality.every((n) => typeof n === 'string'))
  ) {
    errors.push({
      field: `${path}.nationality`,
      reasons: ['must be an array of country codes'],
      rejected: nationality,
    });
  }
  const dob = holder.date_of_birth;
  if (dob !== undefined && typeof dob !== 'string') {
    const ok =
      isObject(dob) &&
      (dob.year === undefined || (Number.isInteger(dob.year) && (dob.year as number) >= 1800)) &&
      (dob.month === undefined ||
        (Number.isInteger(dob.month) && (dob.month as number) >= 1 && (dob.month as number) <= 12)) &&
      (dob.day === undefined ||
        (Number.isInteger(dob.day) && (dob.day as number) >= 1 && (dob.day as number) <= 31));
    if (!ok) {
      errors.push({
        field: `${path}.date_of_birth`,
        reasons: ['must be {day, month, year} with day 1-31, month 1-12 and a four-digit year'],
        rejected: dob,
      });
    }
  }
}

function readSubject(
  customer: JsonObject,
  errors: FieldError[],
  required: boolean,
): { kind: CustomerKind | undefined; names: string[] } {
  const hasPerson = customer.person !== undefined && customer.person !== null;
  const hasCompany = customer.company !== undefined && customer.company !== null;
  checkLayoutFields(customer, 'customer', errors);
  if (hasPerson && hasCompany) {
    errors.push({
      field: 'customer.company',
      reasons: ['send exactly one of customer.person or customer.company'],
      rejected: customer.company,
    });
    return { kind: undefined, names: [] };
  }
  if (hasPerson) return { kind: 'PERSON', names: checkPerson(customer.person, errors) };
  if (hasCompany) return { kind: 'COMPANY', names: checkCompany(customer.company, errors) };
  if (required) {
    errors.push({
      field: 'customer.person',
      reasons: ['one of customer.person or customer.company is required'],
      rejected: null,
    });
  }
  return { kind: undefined, names: [] };
}

export function parseCreateAndScreen(body: unknown): CreateAndScreenInput {
  const errors: FieldError[] = [];
  if (!isObject(body))
    throw badRequest([{ field: 'body', reasons: ['must be a JSON object'], rejected: body ?? null }]);
  const customer = body.customer;
  let subject: { kind: CustomerKind | undefined; names: string[] } = { kind: undefined, names: [] };
  if (!isObject(customer)) {
    errors.push({
      field: 'customer',
      reasons: ['is required and must be an object'],
      rejected: customer ?? null,
    });
  } else {
    if (!present(customer.external_identifier)) {
      errors.push({
        field: 'customer.external_identifier',
        reasons: ['is required and must be a non-empty string'],
        rejected: customer.external_identifier ?? null,
      });
    }
    subject = readSubject(customer, errors, true);
  }
  const configuration = isObject(body.configuration) ? body.configuration : undefined;
  const screeningConfigurationIdentifier = configuration?.screening_configuration_identifier;
  if (!present(screeningConfigurationIdentifier)) {
    errors.push({
      field: 'configuration.screening_configuration_identifier',
      reasons: ['is required and must be a non-empty string'],
      rejected: screeningConfigurationIdentifier ?? null,
    });
  }
  const monitoring = isObject(body.monitoring) ? body.monitoring : undefined;
  const entityScreening = isObject(monitoring?.entity_screening) ? monitoring.entity_screening : undefined;
  const enabled = entityScreening?.enabled;
  if (typeof enabled !== 'boolean') {
    errors.push({
      field: 'monitoring.entity_screening.enabled',
      reasons: ['is required and must be true or false'],
      rejected: enabled ?? null,
    });
  }
  if (errors.length > 0 || !isObject(customer) || subject.kind === undefined) throw badRequest(errors);
  return {
    customer,
    externalIdentifier: customer.external_identifier as string,
    kind: subject.kind,
    nameCandidates: subject.names,
    screeningConfigurationIdentifier: screeningConfigurationIdentifier as string,
    monitoringEnabled: enabled as boolean,
  };
}

/**
 * update-and-rescore: the body's customer REPLACES the stored one (the reference: fields left out are
 * deleted), so nothing is required but the object itself; the identity cannot change.
 */
export function parseUpdate(
  body: unknown,
  current: { externalIdentifier: string; kind: CustomerKind },
): CustomerInput {
  const errors: FieldError[] = [];
  if (!isObject(body) || !isObject(body.customer)) {
    throw badRequest([
      {
        field: 'customer',
        reasons: ['is required and must be an object'],
        rejected: isObject(body) ? (body.customer ?? null) : (body ?? null),
      },
    ]);
  }
  const customer = body.customer;
  const ext = customer.external_identifier;
  if (ext !== undefined && ext !== current.externalIdentifier) {
    errors.push({
      field: 'customer.external_identifier',
      reasons: [`cannot change; this customer's external identifier is '${current.externalIdentifier}'`],
      rejected: ext,
    });
  }
  const subject = readSubject(customer, errors, false);
  if (subject.kind !== undefined && subject.kind !== current.kind) {
    errors.push({
      field: subject.kind === 'PERSON' ? 'customer.person' : 'customer.company',
      reasons: [`this customer is a ${current.kind}; its type cannot change`],
      rejected: subject.kind === 'PERSON' ? customer.person : customer.company,
    });
  }
  if (errors.length > 0) throw badRequest(errors);
  return {
    customer,
    externalIdentifier: current.externalIdentifier,
    kind: subject.kind,
    nameCandidates: subject.names,
  };
}
