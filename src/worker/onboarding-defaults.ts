import { z } from 'zod';
import type { OnboardingDefaults, OnboardingPolicy } from '../contracts/onboarding';
import { onboardingPolicySchema } from '../contracts/onboarding-schemas';
import { ConfigError, envField, parseEnv, type Env } from '../platform/config/env';

/**
 * The review policy a worker gives every onboarding whose input does not override it (defaults and
 * reasons in src/contracts/onboarding.ts and docs/workflow.md). A run records the terms it started with
 * (src/activities/onboarding-terms.ts), so changing these later never changes a running onboarding.
 * Nonsense (a poll under a second, a reminder after the deadline) stops the worker at start.
 */
const schema = z.object({
  REVIEW_POLL_INTERVAL: envField.duration('6h'),
  REVIEW_POLL_JITTER: z.coerce
    .number({ error: 'expected a fraction between 0 and 1, e.g. 0.1' })
    .min(0, { error: 'expected a fraction between 0 and 1, e.g. 0.1' })
    .max(1, { error: 'expected a fraction between 0 and 1, e.g. 0.1' })
    .default(0.1),
  REVIEW_REMINDER: envField.duration('24h'),
  REVIEW_DEADLINE: envField.duration('30d'),
  PARTIAL_POSITIVE_POLICY: z
    .enum(['escalate', 'reject'], { error: 'expected escalate or reject' })
    .default('escalate'),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const ONBOARDING_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Which variable each policy field comes from, so a problem names what the operator set. */
const VARIABLE_OF: Record<keyof OnboardingPolicy, string> = {
  reviewPollIntervalMs: 'REVIEW_POLL_INTERVAL',
  reviewPollJitter: 'REVIEW_POLL_JITTER',
  reviewReminderMs: 'REVIEW_REMINDER',
  reviewDeadlineMs: 'REVIEW_DEADLINE',
  partialPositive: 'PARTIAL_POSITIVE_POLICY',
};

export function loadOnboardingPolicyConfig(env?: Env): OnboardingPolicy {
  const c = parseEnv(schema, env);
  const policy = {
    reviewPollIntervalMs: c.REVIEW_POLL_INTERVAL,
    reviewPollJitter: c.REVIEW_POLL_JITTER,
    reviewReminderMs: c.REVIEW_REMINDER,
    reviewDeadlineMs: c.REVIEW_DEADLINE,
    partialPositive: c.PARTIAL_POSITIVE_POLICY,
  };
  const checked = onboardingPolicySchema.safeParse(policy);
  if (checked.success) return checked.data;
  // The shared rules speak of milliseconds fields; the operator set variables with durations.
  throw new ConfigError(
    checked.error.issues.map((issue) => {
      const field = issue.path[0] as keyof OnboardingPolicy | undefined;
      const variable = field !== undefined ? VARIABLE_OF[field] : 'REVIEW_*';
      return `${variable}: ${issue.message.replace(/reviewDeadlineMs/g, 'REVIEW_DEADLINE').replace(/\b1000 \(one second\)/g, '1s')}`;
    }),
  );
}

/** The worker's defaults for every onboarding: the screening configuration and the review policy. */
export function loadOnboardingDefaults(
  screeningConfigurationIdentifier: string,
  env?: Env,
): OnboardingDefaults {
  return { screeningConfigurationIdentifier, policy: loadOnboardingPolicyConfig(env) };
}
