import { z } from 'zod';
import type { OnboardingPolicy } from '../shared/onboarding';
import { envField, parseEnv, type Env } from './env';

/**
 * The onboarding policy the starter puts into every run's input (defaults and reasons in
 * src/shared/onboarding.ts and docs/workflow.md). Kept in the input rather than read by the worker so a
 * running onboarding keeps the terms it started with.
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

export function loadOnboardingPolicyConfig(env?: Env): OnboardingPolicy {
  const c = parseEnv(schema, env);
  return policyOf(c);
}

function policyOf(c: z.output<typeof schema>): OnboardingPolicy {
  return {
    reviewPollIntervalMs: c.REVIEW_POLL_INTERVAL,
    reviewPollJitter: c.REVIEW_POLL_JITTER,
    reviewReminderMs: c.REVIEW_REMINDER,
    reviewDeadlineMs: c.REVIEW_DEADLINE,
    partialPositive: c.PARTIAL_POSITIVE_POLICY,
  };
}

const starterSchema = schema.extend({
  MESH_SCREENING_CONFIGURATION_ID: z.string({ error: 'required: the screening configuration identifier' }),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const STARTER_ENV_VARIABLES: readonly string[] = Object.keys(starterSchema.shape);

export interface StarterConfig {
  /** Filled into requests that name no screening configuration (Mesh credentials are the worker's business). */
  screeningConfigurationId: string;
  policy: OnboardingPolicy;
}

export function loadStarterConfig(env?: Env): StarterConfig {
  const c = parseEnv(starterSchema, env);
  return { screeningConfigurationId: c.MESH_SCREENING_CONFIGURATION_ID, policy: policyOf(c) };
}
