import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CosContext } from './context';
import { notFound, parseBody } from './errors';
import { CUSTOMER_ONBOARDED } from './events';
import { scheduleScan } from './scans';
import type { AddressRecord, CustomerName, CustomerRecord, PhoneRecord } from './store';
import { recordTimestamp } from './time';

/**
 * Customers, addresses and phones (docs/providers/cos-sandbox.md, "Customers"). Bodies are checked with
 * the documented fields; fields the sandbox does not know are accepted and kept (COS programs add their
 * own, e.g. `clientIdentifier`, and `dueDiligence` varies by program). A 400 names every field in error.
 */
const text = (max: number) => z.string().trim().min(1, { error: 'must not be empty' }).max(max);
const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: 'must be a GUID',
  });
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' })
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      error: 'is not a calendar date',
    },
  )
  .refine((d) => Date.parse(`${d}T00:00:00Z`) <= Date.now(), { error: 'must not be in the future' });

const nameSchema = z.looseObject({
  firstName: text(50).optional(),
  middleName: text(50).optional(),
  lastName: text(50).optional(),
  businessName: text(100).optional(),
});

const profileSchema = z.looseObject({
  birthDate: isoDate.optional(),
  regO: z.boolean().optional(),
  politicallyExposedPerson: z.boolean().optional(),
  enableBackupWithholding: z.boolean().optional(),
  taxIdType: text(20).optional(),
  taxId: text(20).optional(),
  riskRating: text(20).optional(),
});

const createSchema = z
  .looseObject({
    partnerId: guid,
    classification: z.enum(['Personal', 'Business']),
    name: nameSchema.optional(),
    /** Accepted for Business customers, at the top level or inside `name` (the tutorial shows only people). */
    businessName: text(100).optional(),
    profile: profileSchema.optional(),
    dueDiligence: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  })
  .superRefine((body, issues) => {
    const required = (path: string[]) =>
      issues.addIssue({ code: 'custom', path, message: 'is required', input: undefined });
    if (body.classification === 'Personal') {
      if (body.name?.firstName === undefined) required(['name', 'firstName']);
      if (body.name?.lastName === undefined) required(['name', 'lastName']);
      if (body.profile?.birthDate === undefined) required(['profile', 'birthDate']);
    } else {
      const person = body.name?.firstName !== undefined && body.name.lastName !== undefined;
      if (!person && body.businessName === undefined && body.name?.businessName === undefined) {
        required(['businessName']);
      }
    }
  });

const addressSchema = z.looseObject({
  addressType: text(30),
  classification: text(30),
  isPrimary: z.boolean(),
  street1: text(100),
  street2: text(100).optional(),
  city: text(50),
  state: text(30).optional(),
  postalCode: text(20),
  countryCode: z.string().regex(/^[A-Z]{2}$/, { error: 'must be a two-letter ISO 3166 country code' }),
});

const phoneSchema = z.looseObject({
  isPrimary: z.boolean(),
  phoneType: text(30),
  // The tutorial's sample is ten digits with no prefix; COS's own rule is not documented, so the
  // sandbox takes any plausible number (7–15 digits, an optional leading +) and keeps it as sent.
  phoneNumber: z.string().regex(/^\+?\d{7,15}$/, { error: 'must be 7 to 15 digits, optionally after a +' }),
});

const CUSTOMER_FIELDS = new Set([
  'id',
  'cifNumber',
  'classification',
  'status',
  'ofac',
  'pepScan',
  'name',
  'profile',
  'createdAt',
  'lastModifiedAt',
  'partnerId',
  'dueDiligence',
  'businessName',
]);

function nameOf(body: z.output<typeof createSchema>): CustomerName {
  const { firstName, middleName, lastName } = body.name ?? {};
  const businessName = body.businessName ?? body.name?.businessName;
  const person = [firstName, middleName, lastName].filter((p): p is string => p !== undefined).join(' ');
  const fullName = firstName !== undefined && lastName !== undefined ? person : (businessName ?? person);
  return {
    ...body.name,
    ...(businessName === undefined ? {} : { businessName }),
    fullName,
  };
}

/** The profile as given, with `enableBackupWithholding` (false unless sent) after the PEP flag, as COS answers. */
function profileOf(profile: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const withholding = profile.enableBackupWithholding ?? false;
  let placed = false;
  for (const [key, value] of Object.entries(profile)) {
    if (key === 'enableBackupWithholding') continue;
    out[key] = value;
    if (key === 'politicallyExposedPerson') {
      out.enableBackupWithholding = withholding;
      placed = true;
    }
  }
  return placed ? out : { ...out, enableBackupWithholding: withholding };
}

/** The documented record shape, field order included. */
export function renderCustomer(c: CustomerRecord): Record<string, unknown> {
  return {
    id: c.id,
    cifNumber: c.cifNumber,
    classification: c.classification,
    status: c.status,
    ofac: c.ofac,
    pepScan: c.pepScan,
    name: c.name,
    profile: c.profile,
    createdAt: c.createdAt,
    lastModifiedAt: c.lastModifiedAt,
    partnerId: c.partnerId,
    ...(c.dueDiligence === undefined ? {} : { dueDiligence: c.dueDiligence }),
    ...c.extra,
  };
}

export function findCustomer(ctx: CosContext, id: string): CustomerRecord {
  const customer = ctx.store.customers.get(id.toLowerCase());
  if (!customer) throw notFound('Customer', id);
  return customer;
}

export function registerCustomerRoutes(app: FastifyInstance, ctx: CosContext): void {
  app.post('/core/v1/cm/customers', (request, reply) => {
    const body = parseBody(createSchema, request.body);
    const extra = Object.fromEntries(Object.entries(body).filter(([key]) => !CUSTOMER_FIELDS.has(key)));
    const createdAt = recordTimestamp();
    const customer: CustomerRecord = {
      id: randomUUID(),
      cifNumber: ctx.store.nextCifNumber(),
      classification: body.classification,
      status: 'Active',
      ofac: 'Pending',
      pepScan: 'Pending',
      name: nameOf(body),
      profile: profileOf(body.profile),
      ...(body.dueDiligence === undefined ? {} : { dueDiligence: body.dueDiligence }),
      extra,
      createdAt,
      lastModifiedAt: recordTimestamp(),
      partnerId: body.partnerId,
      addresses: [],
      phones: [],
      pendingSteps: new Set(),
    };
    ctx.store.customers.set(customer.id, customer);
    ctx.events.raise(CUSTOMER_ONBOARDED, customer.id);
    scheduleScan(ctx, customer);
    return reply.code(201).send(renderCustomer(customer));
  });

  // The tutorial writes the read once as /v1/cm/customers/{id}: both answer.
  for (const prefix of ['/core/v1/cm/customers', '/v1/cm/customers']) {
    app.get<{ Params: { id: string } }>(`${prefix}/:id`, (request) =>
      renderCustomer(findCustomer(ctx, request.params.id)),
    );
  }

  app.post<{ Params: { id: string } }>('/core/v1/cm/customers/:id/addresses', (request, reply) => {
    const customer = findCustomer(ctx, request.params.id);
    const body = parseBody(addressSchema, request.body);
    const now = recordTimestamp();
    const address: AddressRecord = {
      id: randomUUID(),
      ...body,
      isPrimary: primaryOf(customer.addresses, body.isPrimary),
      createdAt: now,
      lastModifiedAt: now,
    };
    customer.addresses.push(address);
    customer.lastModifiedAt = now;
    return reply.code(201).send(address);
  });

  app.post<{ Params: { id: string } }>('/core/v1/cm/customers/:id/phones', (request, reply) => {
    const customer = findCustomer(ctx, request.params.id);
    const body = parseBody(phoneSchema, request.body);
    const now = recordTimestamp();
    const phone: PhoneRecord = {
      id: randomUUID(),
      ...body,
      isPrimary: primaryOf(customer.phones, body.isPrimary),
      createdAt: now,
      lastModifiedAt: now,
    };
    customer.phones.push(phone);
    customer.lastModifiedAt = now;
    return reply.code(201).send(phone);
  });
}

/** The first record of a kind is the primary one; a later one asking to be primary takes over. */
function primaryOf(existing: { isPrimary: boolean }[], asked: boolean): boolean {
  if (existing.length === 0) return true;
  if (asked) for (const record of existing) record.isPrimary = false;
  return asked;
}
