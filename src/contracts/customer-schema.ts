import { z } from 'zod';
import type { MeshCustomer } from './customer';

/**
 * The customer object as Mesh create-and-screen takes it, checked only for what Mesh requires
 * (docs/providers/mesh.md, "Create and screen"). Everything else
 * passes through untouched, in either layout: the guide's (`date_of_birth`, `address` on the customer)
 * or the API reference's (`date_of_birth`, `address[]`, … under `customer.person`). Mesh itself
 * validates the formats of the optional fields and answers 400 with field errors.
 */

export const nonEmpty = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : `expected ${what}`) })
    .refine((s) => s.trim() !== '', { error: `expected ${what}, got an empty string` });

const NAME_PARTS = ['first_name', 'middle_name', 'last_name'] as const;

export const personSchema = z
  .looseObject({
    full_name: nonEmpty('the full name (a non-empty string)').optional(),
    first_name: nonEmpty('a first name (a non-empty string)').optional(),
    middle_name: nonEmpty('a middle name (a non-empty string)').optional(),
    last_name: nonEmpty('the last name (a non-empty string)').optional(),
  })
  .check((ctx) => {
    const person = ctx.value;
    if (person.full_name !== undefined) {
      for (const part of NAME_PARTS) {
        if (person[part] !== undefined) {
          ctx.issues.push({
            code: 'custom',
            path: [part],
            message: 'not allowed together with full_name: send either full_name or the name parts',
            input: undefined,
          });
        }
      }
    } else if (person.last_name === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['last_name'],
        message: 'required: a person needs either last_name or full_name',
        input: undefined,
      });
    }
  });

export const companySchema = z.looseObject({
  legal_name: nonEmpty('the company legal name (a non-empty string)'),
});

const customerShape = z
  .looseObject({
    external_identifier: nonEmpty('your unique customer identifier (a non-empty string)'),
    person: personSchema.optional(),
    company: companySchema.optional(),
  })
  .check((ctx) => {
    const { person, company } = ctx.value;
    if (person === undefined && company === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: [],
        message: 'required: either person (an individual) or company',
        input: undefined,
      });
    } else if (person !== undefined && company !== undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['company'],
        message: 'not allowed together with person: a customer is either a person or a company',
        input: undefined,
      });
    }
  });

/**
 * zod types an optional key as `T | undefined`, while `exactOptionalPropertyTypes` keeps MeshCustomer's
 * `person?: MeshPerson`. zod omits absent keys rather than setting them to undefined, so the cast is exact.
 */
export const customerSchema = customerShape.transform((customer) => customer as MeshCustomer);

/** The customer's problems, one line each (`customer.person.last_name: required: …`); none when valid. */
export function customerProblems(customer: unknown): string[] {
  const result = customerSchema.safeParse(customer);
  return result.success ? [] : formatZodIssues(result.error, 'customer');
}

/** `customer.person.address[0].country`: the path a person reads in the JSON they sent. */
export function formatIssuePath(path: readonly PropertyKey[], root?: string): string {
  let out = root ?? '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(input)' : out;
}

/**
 * One line per problem, `customer.person.last_name: required: …`. Values are never echoed: they may be
 * personal data. `root` prefixes the path when the schema parsed a nested part (e.g. `customer`).
 */
export function formatZodIssues(error: z.ZodError, root?: string): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path, root)}: ${issue.message}`);
}
