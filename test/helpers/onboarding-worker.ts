import { createOnboardingTermsActivities } from '../../src/activities';
import { DEFAULT_ONBOARDING_POLICY, type OnboardingDefaults } from '../../src/contracts/onboarding';

/** The defaults a test's workflow worker gives every onboarding (src/worker/main.ts reads them from the environment). */
export const TEST_ONBOARDING_DEFAULTS: OnboardingDefaults = {
  screeningConfigurationIdentifier: 'sandbox-default',
  policy: DEFAULT_ONBOARDING_POLICY,
};

/**
 * What a test's workflow worker adds to its options to run `onboardCustomer` as src/worker/main.ts does:
 * the local activity that resolves each run's terms, and no polling for other activities.
 */
export function onboardingWorkflowWorkerOptions(defaults: OnboardingDefaults = TEST_ONBOARDING_DEFAULTS) {
  return { activities: createOnboardingTermsActivities(defaults), enableNonLocalActivities: false };
}
