import { patched } from '@temporalio/workflow';

/**
 * Every change to `onboardCustomer` that would give a run already in flight another sequence of
 * commands goes behind a patch (`patched()` is true for new code paths and false while replaying a
 * history recorded before the change), so runs started before a deploy replay exactly and still take
 * the new, safer behaviour for everything that happens after it. Each id is asked for only at the
 * point where old and new code would differ; test/workflows/replay.test.ts replays histories recorded
 * before each change. Remove a patch (deprecatePatch, then delete) only once no run older than it
 * can still be open (the review deadline, 30 days by default).
 */
export const PATCHES = {
  /** Terms resolved by a local activity (worker defaults + input overrides), KycReviewOverdue=false at start. */
  recordedTerms: 'onboarding-recorded-terms',
  /** Queued customer changes are applied before a queued withdrawal or decision. */
  dataFirst: 'onboarding-data-before-decisions',
  /** A webhook decision naming another case than the run's own is ignored. */
  ownCaseOnly: 'onboarding-own-case-only',
  /** A webhook's decision is confirmed by one case read before it is acted on. */
  confirmDecisions: 'onboarding-confirm-decisions',
  /** Long reviews continue as new when the server suggests it. */
  continueAsNew: 'onboarding-continue-as-new',
  /** Cancelling or failing a run after the customer exists switches monitoring off. */
  cleanupOnExit: 'onboarding-cleanup-on-exit',
  /** Customer changes accepted just before the run ended are still applied. */
  lateAmendments: 'onboarding-late-amendments',
  /** The run's screening provider is chosen by its terms (the screening port); KycScreeningProvider is set. */
  screeningPort: 'onboarding-screening-port',
  /** The risk score chooses the screening before it runs; an approved run starts its core-banking customer. */
  riskAndCore: 'onboarding-risk-and-core',
  /** Tenants: the run's chain of providers with a fail-closed failover; KycTenant and KycProviderOutage set. */
  tenantsAndFailover: 'onboarding-tenants-failover',
  /** A re-score to PROHIBITED after onboarding starts the customer's offboarding. */
  offboardOnProhibited: 'customer-update-offboard-on-prohibited',
} as const;

export function since(patch: (typeof PATCHES)[keyof typeof PATCHES]): boolean {
  return patched(patch);
}
