import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { DEFAULT_ONBOARDING_POLICY, type OnboardingPolicy } from '../../contracts/onboarding';

/** The policy of one run: the input's fields where given, safe defaults elsewhere. */
export function policyOf(overrides: Partial<OnboardingPolicy> | undefined): OnboardingPolicy {
  const policy = { ...DEFAULT_ONBOARDING_POLICY };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined && value !== null) (policy as Record<string, unknown>)[key] = value;
  }
  return policy;
}

/** The stable type of a failed activity (a MeshErrorKind such as BAD_REQUEST), for status and logs. */
export function failureTypeOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return cause.type;
  return cause instanceof Error ? cause.name : 'UnknownFailure';
}

/** The message a failed activity's own failure carries (a local activity's refusal names the fields). */
export function causeMessageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : failureTypeOf(err);
}
