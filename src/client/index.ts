// The onboarding service's way in: `connectOnboardingClient()` or `new OnboardingClient({ client, taskQueue })`.
export * from './connect';
export * from './onboarding-client';
export type {
  CustomerUpdate,
  OfficerDecisionRequest,
  OnboardingInput,
  OnboardingStatus,
  OnboardingState,
  WithdrawRequest,
} from '../contracts/onboarding';
export { OnboardingFailureType } from '../contracts/onboarding';
