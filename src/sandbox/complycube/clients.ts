import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ComplyCubeContext } from './context';
import { invalidRequest, notFound, parseBody } from './errors';
import { raiseClientEvent } from './events';
import { newId } from './ids';
import { dateRule, emailEquals, equals, filterFrom, paged, type FilterRule } from './lists';
import { entityNameOf, riskLevel } from './screening';
import { newestFirst, nowIso, type ClientRecord } from './store';

/**
 * Clients (docs/sandbox.md, "ComplyCube sandbox"): create, read, update (POST), delete, list with the
 * documented filters, and the minimal risk profile. Unknown fields are refused, so a misspelt one shows.
 */
const text = z.string().min(1).max(255);
const iso2 = z.string().regex(/^[A-Z]{2}$/, { error: 'must be a two-letter ISO country code, e.g. GB' });
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })
  .refine((v) => !Number.isNaN(Date.parse(v)) && new Date(v).toISOString().startsWith(v), {
    error: 'must be a real calendar date',
  });

const personDetailsShape = {
  firstName: text,
  middleName: text.optional(),
  lastName: text,
  dob: isoDate.optional(),
  gender: z.enum(['male', 'female', 'other']).optional(),
  nationality: iso2.optional(),
  birthCountry: iso2.optional(),
  ssn: text.optional(),
  socialInsuranceNumber: text.optional(),
  nationalIdentityNumber: text.optional(),
  taxIdentificationNumber: text.optional(),
};
const companyDetailsShape = {
  name: text,
  website: text.optional(),
  registrationNumber: text.optional(),
  incorporationCountry: iso2.optional(),
  incorporationType: text.optional(),
};

/** Up to 50 keys (some pages say 20: the larger is accepted), names up to 40 characters, values up to 500. */
const metadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, { error: 'may hold at most 50 keys' });

const commonShape = {
  email: z.email({ error: 'must be an e-mail address' }).max(255),
  mobile: text.optional(),
  telephone: text.optional(),
  joinedDate: isoDate.optional(),
  externalId: text.optional(),
  metadata: metadataSchema.optional(),
};

const createSchema = z
  .object({
    type: z.enum(['person', 'company']),
    ...commonShape,
    personDetails: z.object(personDetailsShape).strict().optional(),
    companyDetails: z.object(companyDetailsShape).strict().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needed = c.type === 'person' ? 'personDetails' : 'companyDetails';
    const other = c.type === 'person' ? 'companyDetails' : 'personDetails';
    if (c[needed] === undefined) {
      ctx.addIssue({
        code: 'invalid_type',
        expected: 'object',
        input: undefined,
        path: [needed],
        message: 'is required',
      });
    } else if (c[other] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [other],
        message: `is not allowed for a client of type ${c.type}`,
      });
    }
  });

const updateSchema = z
  .object({
    type: z.enum(['person', 'company']).optional(),
    ...commonShape,
    email: commonShape.email.optional(),
    personDetails: z.object(personDetailsShape).partial().strict().optional(),
    companyDetails: z.object(companyDetailsShape).partial().strict().optional(),
  })
  .strict();

export function renderClient(c: ClientRecord): Record<string, unknown> {
  return {
    id: c.id,
    type: c.type,
    entityName: entityNameOf(c),
    ...(c.email === undefined ? {} : { email: c.email }),
    ...(c.mobile === undefined ? {} : { mobile: c.mobile }),
    ...(c.telephone === undefined ? {} : { telephone: c.telephone }),
    ...(c.joinedDate === undefined ? {} : { joinedDate: c.joinedDate }),
    ...(c.externalId === undefined ? {} : { externalId: c.externalId }),
    ...(c.personDetails === undefined ? {} : { personDetails: { ...c.personDetails } }),
    ...(c.companyDetails === undefined ? {} : { companyDetails: { ...c.companyDetails } }),
    ...(c.metadata === undefined ? {} : { metadata: { ...c.metadata } }),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** `T` with every key that may be undefined made optional instead (exactOptionalPropertyTypes). */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops the keys zod left undefined, so a record never holds `middleName: undefined`. */
function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

const DIRECT_FILTERS = ['type', 'mobile', 'telephone', 'joinedDate'] as const;

/** One query parameter of `GET /clients` as a filter (see lists.ts for the trap). */
function clientRule(ctx: ComplyCubeContext, key: string, value: string): FilterRule<ClientRecord> {
  if ((DIRECT_FILTERS as readonly string[]).includes(key)) {
    return equals(value, (c) => c[key as (typeof DIRECT_FILTERS)[number]]);
  }
  if (key === 'email') return emailEquals(value, (c) => c.email);
  if (key === 'externalId') {
    // Not a documented filter: what the real API does with it is unknown, so it is a setting.
    const mode = ctx.settings.externalIdFilter;
    if (mode === 'empty') return 'unsupported';
    if (mode === 'ignored') return 'ignore';
    return equals(value, (c) => c.externalId);
  }
  const nested = /^(personDetails|companyDetails|metadata)\.([A-Za-z0-9_-]+)$/.exec(key);
  if (nested) {
    const [, group, field] = nested as unknown as [
      string,
      'personDetails' | 'companyDetails' | 'metadata',
      string,
    ];
    return equals(value, (c) => (c[group] as Record<string, unknown> | undefined)?.[field]);
  }
  return dateRule<ClientRecord>(key, value) ?? 'unsupported';
}

export function registerClientRoutes(app: FastifyInstance, ctx: ComplyCubeContext): void {
  const client = (id: string): ClientRecord => {
    const c = ctx.store.clients.get(id);
    if (!c) throw notFound('Client', id);
    return c;
  };

  app.post('/v1/clients', (request, reply) => {
    const body = parseBody(createSchema, request.body);
    const now = nowIso();
    const record: ClientRecord = defined({
      id: newId(),
      type: body.type,
      email: body.email,
      mobile: body.mobile,
      telephone: body.telephone,
      joinedDate: body.joinedDate,
      // Not unique: a second create with the same externalId makes a second client, as far as anyone knows.
      externalId: body.externalId,
      personDetails: body.personDetails && defined(body.personDetails),
      companyDetails: body.companyDetails && defined(body.companyDetails),
      metadata: body.metadata,
      createdAt: now,
      updatedAt: now,
      seq: ctx.store.nextSeq(),
    });
    ctx.store.clients.set(record.id, record);
    raiseClientEvent(ctx, 'client.created', record);
    return reply.code(201).send(renderClient(record));
  });

  app.get('/v1/clients', (request) => {
    const query = request.query as Record<string, unknown>;
    const keep = filterFrom<ClientRecord>(query, (key, value) => clientRule(ctx, key, value));
    const all = keep === null ? [] : newestFirst(ctx.store.clients.values()).filter(keep);
    return paged(query, all, renderClient);
  });

  app.get<{ Params: { id: string } }>('/v1/clients/:id', (request) =>
    renderClient(client(request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/v1/clients/:id', (request) => {
    const c = client(request.params.id);
    const body = parseBody(updateSchema, request.body);
    if (body.type !== undefined && body.type !== c.type) {
      throw invalidRequest('"type" cannot be changed once a client exists', 'type');
    }
    if (c.type === 'person' && body.companyDetails !== undefined) {
      throw invalidRequest('"companyDetails" is not allowed for a client of type person', 'companyDetails');
    }
    if (c.type === 'company' && body.personDetails !== undefined) {
      throw invalidRequest('"personDetails" is not allowed for a client of type company', 'personDetails');
    }
    const { type: _type, personDetails, companyDetails, metadata, ...rest } = body;
    Object.assign(c, defined(rest));
    if (personDetails !== undefined && c.personDetails)
      c.personDetails = { ...c.personDetails, ...defined(personDetails) };
    if (companyDetails !== undefined && c.companyDetails) {
      c.companyDetails = { ...c.companyDetails, ...defined(companyDetails) };
    }
    if (metadata !== undefined) c.metadata = { ...c.metadata, ...metadata };
    c.updatedAt = nowIso();
    raiseClientEvent(ctx, 'client.updated', c);
    return renderClient(c);
  });

  app.delete<{ Params: { id: string } }>('/v1/clients/:id', (request, reply) => {
    const c = client(request.params.id);
    ctx.store.clients.delete(c.id);
    // ComplyCube deletes a client with its data: its checks go too.
    for (const check of [...ctx.store.checks.values()])
      if (check.clientId === c.id) ctx.store.checks.delete(check.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1/clients/:id/riskProfile', (request) => {
    const c = client(request.params.id);
    return { overall: riskLevel(c), updatedAt: c.updatedAt };
  });
}
