import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatZodIssues, parseOnboardingRequest, type OnboardingRequest } from '../providers/mesh/customer-schema';
import type { MeshCustomer } from '../contracts/customer';

/** A request file that cannot be used: one line per problem, nothing is started (exit code 2). */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InputError';
  }
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([`${path}: cannot read the file (${code ?? 'unknown error'})`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError([`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`]);
  }
}

/** An onboarding request, checked with the same schema as Mesh's required fields (customer-schema.ts). */
export async function readOnboardingRequest(path: string): Promise<OnboardingRequest> {
  const result = parseOnboardingRequest(await readJson(path));
  if (!result.ok) throw new InputError(result.problems);
  return result.value;
}

const updateSchema = z.strictObject({
  customer: z.looseObject({
    external_identifier: z.string().optional(),
  }),
});

/** `{"customer": {changed fields}}`; the external identifier, if given, must be the one named by --id. */
export async function readCustomerUpdate(path: string, externalId: string): Promise<Partial<MeshCustomer>> {
  const result = updateSchema.safeParse(await readJson(path));
  if (!result.success) throw new InputError(formatZodIssues(result.error));
  const { customer } = result.data;
  if (customer.external_identifier !== undefined && customer.external_identifier !== externalId) {
    throw new InputError([
      `customer.external_identifier: must be "${externalId}" (the --id) or absent; an external identifier cannot change`,
    ]);
  }
  return customer as Partial<MeshCustomer>;
}
