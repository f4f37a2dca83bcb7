import { z } from 'zod';
import { formatZodIssues } from './customer-schema';
import type { Checked } from './message-checks';
import type { OnboardingDefaults, OnboardingPolicy, OnboardingTerms } from './onboarding';
import { monitoringEnabledOf, type OnboardingInput } from './onboarding';
import {
  DEFAULT_SCREENING_PROVIDER,
  SCREENING_PROVIDERS,
  type ScreeningProviderName,
} from './screening-provider';

/**
 * The rules for the terms of a run: one set of schemas for the worker's configuration
 * (src/worker/onboarding-defaults.ts), the run's start (the terms local activity) and the client module, so a
 * request is refused with the same words wherever it is checked. Never imported by workflow code (zod
 * there costs memory per cached run): the Updates' rules are in message-checks.ts.
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
  screening: z
    .strictObject({
      provider: z
        .enum(SCREENING_PROVIDERS, { error: `expected one of ${SCREENING_PROVIDERS.join(', ')}` })
        .optional(),
    })
    .optional(),
  tenant: z
    .string({ error: 'expected a tenant name (a string), e.g. brand-b' })
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
      error: 'expected a tenant name of lower-case letters, digits and dashes (at most 32)',
    })
    .optional(),
});

/** One line per problem, naming the field; values are never echoed (they may be personal data). */
export const problemsOf = formatZodIssues;

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
  const { configuration, policy, monitoring, screening } = envelope.value;
  const merged = onboardingPolicySchema.safeParse({ ...defaults.policy, ...policy });
  if (!merged.success) return { ok: false, problems: problemsOf(merged.error, 'policy') };
  if (defaults.tenants !== undefined) return resolveTenantTerms(envelope.value, defaults, merged.data);
  if (envelope.value.tenant !== undefined) {
    return { ok: false, problems: ['tenant: this worker fleet has no tenants (TENANTS_FILE is not set)'] };
  }
  const provider = screening?.provider ?? defaults.provider ?? DEFAULT_SCREENING_PROVIDER;
  const configured = defaults.providers?.[provider];
  if (configured === undefined && (defaults.providers !== undefined || provider !== 'mesh')) {
    const available = Object.keys(defaults.providers ?? { mesh: true }).join(', ');
    return {
      ok: false,
      problems: [
        `screening.provider: ${provider} is not configured on the workers (configured: ${available})`,
      ],
    };
  }
  const meshOverride = meshOverrideProblem(provider, configuration);
  if (meshOverride !== undefined) return { ok: false, problems: [meshOverride] };
  const screeningConfigurationIdentifier =
    provider === 'mesh'
      ? (configuration?.screening_configuration_identifier ?? defaults.screeningConfigurationIdentifier)
      : configured!.screeningProfile;
  const extensive = configured?.extensiveProfile;
  return {
    ok: true,
    value: {
      provider,
      screeningConfigurationIdentifier,
      policy: merged.data,
      monitoringEnabled: monitoringEnabledOf(monitoring),
      ...(extensive !== undefined && { extensiveScreeningConfigurationIdentifier: extensive }),
      ...(defaults.risk !== undefined && { risk: defaults.risk }),
      ...(defaults.core !== undefined && { core: defaults.core }),
    },
  };
}

function meshOverrideProblem(
  provider: ScreeningProviderName,
  configuration: OnboardingInput['configuration'],
): string | undefined {
  if (provider === 'mesh' || configuration?.screening_configuration_identifier === undefined)
    return undefined;
  return `configuration.screening_configuration_identifier: a Mesh screening configuration, but this run is screened by ${provider}; leave it out`;
}

/**
 * The terms of a run on a worker with tenants: the tenant's chain (the input's provider first when it
 * chooses one), its failover window, each provider on the tenant's account.
 */
function resolveTenantTerms(
  input: OnboardingInput,
  defaults: OnboardingDefaults,
  policy: OnboardingPolicy,
): Checked<OnboardingTerms> {
  const tenants = defaults.tenants!;
  const name = input.tenant ?? tenants.defaultTenant;
  const tenant = tenants.tenants[name];
  if (tenant === undefined) {
    return {
      ok: false,
      problems: [
        `tenant: ${name} is not a tenant of these workers (tenants: ${Object.keys(tenants.tenants).join(', ')})`,
      ],
    };
  }
  const chosen = input.screening?.provider;
  let chain = tenant.chain;
  if (chosen !== undefined) {
    const link = tenant.choosable.find((l) => l.provider === chosen);
    if (link === undefined) {
      const available = tenant.choosable.map((l) => l.provider).join(', ');
      return {
        ok: false,
        problems: [
          `screening.provider: ${chosen} is not configured for tenant ${name} (configured: ${available})`,
        ],
      };
    }
    // The input overrides the primary; the tenant's fallbacks still stand behind it.
    chain = [link, ...tenant.chain.slice(1).filter((l) => l.provider !== chosen)];
  }
  const primary = chain[0]!;
  const meshOverride = meshOverrideProblem(primary.provider, input.configuration);
  if (meshOverride !== undefined) return { ok: false, problems: [meshOverride] };
  const override = input.configuration?.screening_configuration_identifier;
  if (override !== undefined) chain = [{ ...primary, screeningProfile: override }, ...chain.slice(1)];
  return {
    ok: true,
    value: {
      provider: primary.provider,
      screeningConfigurationIdentifier: chain[0]!.screeningProfile,
      policy,
      monitoringEnabled: monitoringEnabledOf(input.monitoring),
      ...(primary.extensiveProfile !== undefined && {
        extensiveScreeningConfigurationIdentifier: primary.extensiveProfile,
      }),
      ...(defaults.risk !== undefined && { risk: defaults.risk }),
      ...(defaults.core !== undefined && { core: defaults.core }),
      tenant: name,
      screeningChain: chain,
      failoverAfterMs: tenant.failoverAfterMs,
    },
  };
}
