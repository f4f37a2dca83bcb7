import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { customerSchema, formatZodIssues, nonEmpty } from '../contracts/customer-schema';
import type { OnboardingInput } from '../contracts/onboarding';
import { policyOverridesSchema } from '../contracts/onboarding-schemas';
import { SCREENING_PROVIDERS } from '../contracts/screening-provider';
import type { MeshCustomer } from '../contracts/customer';

/**
 * The onboarding service's request (docs/onboarding-service.md): the customer, monitoring defaulting to
 * enabled, and an optional screening configuration overriding the environment's. Unlike the customer,
 * this envelope is ours, so unknown keys are refused: a typo such as `monitor` would otherwise be ignored.
 * `monitoring` is accepted as a boolean, as `{enabled}` or in the Mesh request's own shape
 * `{entity_screening: {enabled}}` (docs/providers/mesh.md, "Create and screen").
 */
export const onboardingRequestSchema = z.strictObject({
  customer: customerSchema,
  monitoring: z
    .union(
      [
        z.boolean(),
        z.strictObject({ enabled: z.boolean({ error: 'expected true or false' }).optional() }),
        z.strictObject({
          entity_screening: z.strictObject({ enabled: z.boolean({ error: 'expected true or false' }) }),
        }),
      ],
      {
        error:
          'expected true, false, {"enabled": true|false} or {"entity_screening": {"enabled": true|false}}',
      },
    )
    .optional(),
  configuration: z
    .strictObject({
      screening_configuration_identifier: nonEmpty('a screening configuration identifier').optional(),
    })
    .optional(),
  policy: policyOverridesSchema.optional(),
  screening: z
    .strictObject({
      provider: z
        .enum(SCREENING_PROVIDERS, { error: `expected one of ${SCREENING_PROVIDERS.join(', ')}` })
        .optional(),
    })
    .optional(),
  // Checked against TENANTS_FILE by the worker: an unknown tenant fails the run at once.
  tenant: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
      error: 'expected a tenant name of lower-case letters, digits and dashes (at most 32)',
    })
    .optional(),
});

/** What `onboardingRequestSchema` yields, in the workflow's own input type (src/contracts/onboarding.ts). */
export type OnboardingRequest = Pick<
  OnboardingInput,
  'customer' | 'monitoring' | 'configuration' | 'policy' | 'screening' | 'tenant'
>;

/**
 * Parses the onboarding service's request: the value, or one readable line per problem
 * (`customer.person.last_name: required: …`). Use `monitoringEnabledOf` from src/contracts/onboarding.ts
 * to read the monitoring flag.
 */
export function parseOnboardingRequest(
  input: unknown,
): { ok: true; value: OnboardingRequest } | { ok: false; problems: string[] } {
  const result = onboardingRequestSchema.safeParse(input);
  // Same cast as customerSchema: zod leaves absent optional keys absent.
  return result.success
    ? { ok: true, value: result.data as OnboardingRequest }
    : { ok: false, problems: formatZodIssues(result.error) };
}

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
