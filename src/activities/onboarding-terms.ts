import { ApplicationFailure } from '@temporalio/activity';
import { customerProblems } from '../contracts/customer-schema';
import {
  OnboardingFailureType,
  type OnboardingDefaults,
  type OnboardingTerms,
} from '../contracts/onboarding';
import { resolveTerms } from '../contracts/onboarding-schemas';
import type { OnboardingTermsActivities } from '../contracts/screening-activities';
import type { ScreeningProviderName } from '../contracts/screening-provider';

/** A provider's own requirements on the applicant, one line per problem naming the field. */
export type ApplicantCheck = (customer: unknown) => string[];

/**
 * The local activity every onboarding runs first (on the workflow worker): the worker's defaults with
 * the input's overrides, checked, become the run's terms. Its result is recorded once in the run's
 * history, so a worker deployed later with other REVIEW_* values never changes a running onboarding
 * or its replay. Only the terms come back: the customer in the input is checked, never returned.
 */
export function createOnboardingTermsActivities(
  defaults: OnboardingDefaults,
  applicantChecks: Partial<Record<ScreeningProviderName, ApplicantCheck>> = {},
): OnboardingTermsActivities {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity is async by contract
    async resolveOnboardingTerms(input: unknown): Promise<OnboardingTerms> {
      const terms = resolveTerms(input, defaults);
      const given = (input as { customer?: unknown } | null)?.customer;
      const customer = customerProblems(given);
      // What the provider needs beyond our own rules (ComplyCube: an e-mail address), never invented.
      const check =
        terms.ok && customer.length === 0 ? applicantChecks[terms.value.provider ?? 'mesh'] : undefined;
      const problems = [...(terms.ok ? [] : terms.problems), ...customer, ...(check?.(given) ?? [])];
      if (problems.length > 0 || !terms.ok) {
        throw ApplicationFailure.create({
          type: OnboardingFailureType.INVALID_INPUT,
          message: `invalid onboarding input: ${[...new Set(problems)].join('; ')}`,
          nonRetryable: true,
        });
      }
      return terms.value;
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity is async by contract
    async resolveCoreTerms() {
      return defaults.core ?? null;
    },
  };
}
