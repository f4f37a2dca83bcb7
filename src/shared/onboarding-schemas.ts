import { z } from 'zod';
import type {
  CustomerUpdate,
  OfficerDecisionRequest,
  OnboardingDefaults,
  OnboardingPolicy,
  OnboardingTerms,
  WithdrawRequest,
} from './onboarding';
import { monitoringEnabledOf, type OnboardingInput } from './onboarding';

/**
 * The rules for what callers send an onboarding: the terms of a run and its messages. One set of
 * schemas for every side: the worker's configuration (src/config/onboarding.ts), the run's start (the
 * terms local activity), the Updates' validators inside the workflow and the client module, so a
 * request is refused with the same words wherever it is checked. Pure zod: safe in workflow code.
 */

const SECOND = 1_000;

/** Polls closer than this read the case back to back and drain the provider's budget (300/min). */
export const MIN_REVIEW_POLL_INTERVAL_MS = SECOND;

const wholeMs = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds (a whole number)` })
    .int({ error: `expected ${what} in milliseconds (a whole number)` });

const policyFields = {
  reviewPollIntervalMs: wholeMs('the case poll interval').min(MIN_REVIEW_POLL_INTERVAL_MS, {
    error: 'must be at least 1000 (one second): shorter polls drain the provider budget',
  }),
  reviewPollJitter: z
    .number({ error: 'expected a fraction between 0 and 1, e.g. 0.1' })
    .min(0, { error: 'expected a fraction between 0 and 1, e.g. 0.1' })
    .max(1, { error: 'expected a fraction between 0 and 1, e.g. 0.1' }),
  reviewReminderMs: wholeMs('the reminder delay').min(0, { error: 'must not be negative' }),
  reviewDeadlineMs: wholeMs('the review deadline').min(SECOND, {
    error: 'must be at least 1000 (one second)',
  }),
  partialPositive: z.enum(['escalate', 'reject'], { error: 'expected escalate or reject' }),
};

/** A reminder after the deadline would never fire: the run expires first. */
function reminderNotAfterDeadline(policy: OnboardingPolicy, ctx: z.RefinementCtx): void {
  if (policy.reviewReminderMs > policy.reviewDeadlineMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['reviewReminderMs'],
      message: 'must not be later than reviewDeadlineMs: the run would expire before the reminder',
    });
  }
}

export const onboardingPolicySchema = z.strictObject(policyFields).superRefine(reminderNotAfterDeadline);

/** An input's `policy`: any subset of the fields, each checked on its own (the whole after merging). */
export const policyOverridesSchema = z.strictObject(policyFields).partial();

const identifier = (what: string) =>
  z
    .string({ error: `expected ${what} (a non-empty string)` })
    .trim()
    .min(1, { error: `expected ${what} (a non-empty string)` })
    .max(255, { error: `expected ${what} of at most 255 characters` });

/** The envelope of `onboardCustomer`'s input (the customer itself is checked by the provider's rules). */
export const onboardingInputEnvelopeSchema = z.looseObject({
  customer: z.looseObject({ external_identifier: identifier('your unique customer identifier') }),
  monitoring: z
    .union(
      [
        z.boolean(),
        z.strictObject({ enabled: z.boolean().optional() }),
        z.strictObject({ entity_screening: z.strictObject({ enabled: z.boolean() }) }),
      ],
      {
        error:
          'expected true, false, {"enabled": true|false} or {"entity_screening": {"enabled": true|false}}',
      },
    )
    .optional(),
  configuration: z
    .strictObject({
      screening_configuration_identifier: identifier('a screening configuration identifier').optional(),
    })
    .optional(),
  policy: policyOverridesSchema.optional(),
});

/** `customer.person.last_name`, `policy.reviewPollIntervalMs`: the path a person reads in what they sent. */
export function issuePath(path: readonly PropertyKey[], root?: string): string {
  let out = root ?? '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(input)' : out;
}

/** One line per problem, naming the field; values are never echoed (they may be personal data). */
export function problemsOf(error: z.ZodError, root?: string): string[] {
  return error.issues.map((issue) => `${issuePath(issue.path, root)}: ${issue.message}`);
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function checked<T>(result: z.ZodSafeParseResult<unknown>, root?: string): Checked<T> {
  return result.success
    ? { ok: true, value: result.data as T }
    : { ok: false, problems: problemsOf(result.error, root) };
}

/**
 * The terms of one run: the worker's defaults, overridden by the input's fields, checked as a whole
 * (a reminder overridden past the worker's deadline is refused too).
 */
export function resolveTerms(input: unknown, defaults: OnboardingDefaults): Checked<OnboardingTerms> {
  const envelope = checked<OnboardingInput>(onboardingInputEnvelopeSchema.safeParse(input));
  if (!envelope.ok) return envelope;
  const { configuration, policy, monitoring } = envelope.value;
  const merged = onboardingPolicySchema.safeParse({ ...defaults.policy, ...policy });
  if (!merged.success) return { ok: false, problems: problemsOf(merged.error, 'policy') };
  return {
    ok: true,
    value: {
      screeningConfigurationIdentifier:
        configuration?.screening_configuration_identifier ?? defaults.screeningConfigurationIdentifier,
      policy: merged.data,
      monitoringEnabled: monitoringEnabledOf(monitoring),
    },
  };
}

const requestId = identifier('a request id').optional();

/** Changed customer fields; the external identifier is the key of the onboarding and cannot change. */
export const customerUpdateSchema = z.strictObject({
  customer: z
    .looseObject({ external_identifier: z.string().optional() })
    .refine((customer) => Object.keys(customer).length > 0, { error: 'expected at least one changed field' }),
  requestId,
});

export function checkCustomerUpdate(update: unknown, externalIdentifier: string): Checked<CustomerUpdate> {
  const result = checked<CustomerUpdate>(customerUpdateSchema.safeParse(update));
  if (!result.ok) return result;
  const changed = result.value.customer.external_identifier;
  if (changed !== undefined && changed !== externalIdentifier) {
    return {
      ok: false,
      problems: [
        `customer.external_identifier: must be "${externalIdentifier}" or absent: an external identifier cannot change`,
      ],
    };
  }
  return result;
}

export const withdrawRequestSchema = z.strictObject({
  reason: z
    .string({ error: 'expected a string' })
    .max(1_000, { error: 'at most 1000 characters' })
    .optional(),
  requestId,
});

export function checkWithdrawRequest(request: unknown): Checked<WithdrawRequest> {
  return checked<WithdrawRequest>(withdrawRequestSchema.safeParse(request ?? {}));
}

export const officerDecisionRequestSchema = z.strictObject({
  outcome: z.enum(['APPROVE', 'REJECT'], { error: 'expected APPROVE or REJECT' }),
  actor: identifier('who decides (the officer’s user id)'),
  reason: z
    .string({ error: 'expected the reason for the decision (a non-empty string)' })
    .trim()
    .min(1, { error: 'expected the reason for the decision (a non-empty string)' })
    .max(2_000, { error: 'at most 2000 characters' }),
});

export function checkOfficerDecision(request: unknown): Checked<OfficerDecisionRequest> {
  return checked<OfficerDecisionRequest>(officerDecisionRequestSchema.safeParse(request));
}
