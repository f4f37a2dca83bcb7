import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
// The SDK exports the key type only from its lib path (the testing package imports it the same way).
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/**
 * The project's custom search attributes: the one list both sides use. Workflows upsert them
 * (`upsertSearchAttributes([{ key: kycOnboardingState, value: 'AWAITING_REVIEW' }])`), ops and the
 * starter filter by them in the Web UI or `temporal workflow list --query`, and the dev servers
 * (`npm run temporal`, the jest global setup) register exactly `CUSTOM_SEARCH_ATTRIBUTES` at start-up.
 *
 * A server refuses to store an attribute that was never registered, so adding a key here is enough
 * locally; a real cluster needs `temporal operator search-attribute create` with the same name and type.
 * Values hold identifiers and states only, never personal data: search attributes are not encrypted.
 */
export const kycExternalIdentifier = defineSearchAttributeKey(
  'KycExternalIdentifier',
  SearchAttributeType.KEYWORD,
);
export const kycOnboardingState = defineSearchAttributeKey('KycOnboardingState', SearchAttributeType.KEYWORD);
export const kycRiskLevel = defineSearchAttributeKey('KycRiskLevel', SearchAttributeType.KEYWORD);
export const kycScreeningResult = defineSearchAttributeKey('KycScreeningResult', SearchAttributeType.KEYWORD);
export const kycScreeningProvider = defineSearchAttributeKey(
  'KycScreeningProvider',
  SearchAttributeType.KEYWORD,
);
export const kycReviewOverdue = defineSearchAttributeKey('KycReviewOverdue', SearchAttributeType.BOOL);
export const kycMarkedForOffboarding = defineSearchAttributeKey(
  'KycMarkedForOffboarding',
  SearchAttributeType.BOOL,
);
/** `standard` or `enhanced`: the screening the customer's risk score chose (src/contracts/risk.ts). */
export const kycRiskRoute = defineSearchAttributeKey('KycRiskRoute', SearchAttributeType.KEYWORD);
/** COS's customer id on a `coreCustomerOnboarding` run: how the bridge finds the run a COS event names. */
export const kycCoreCustomerId = defineSearchAttributeKey('KycCoreCustomerId', SearchAttributeType.KEYWORD);
/** The core-banking state of a `coreCustomerOnboarding` run (CORE_SCANNING, CORE_READY, …). */
export const kycCoreState = defineSearchAttributeKey('KycCoreState', SearchAttributeType.KEYWORD);

/** The tenant (brand, market) an onboarding belongs to (TENANTS_FILE; `default` without one). */
export const kycTenant = defineSearchAttributeKey('KycTenant', SearchAttributeType.KEYWORD);
/** True while every screening provider of the run's chain is unavailable: the run waits, never approves. */
export const kycProviderOutage = defineSearchAttributeKey('KycProviderOutage', SearchAttributeType.BOOL);

/** Every custom attribute, as `{ name, type }` pairs: what a server must have registered. */
export const CUSTOM_SEARCH_ATTRIBUTES: readonly SearchAttributeKey<SearchAttributeType>[] = [
  kycExternalIdentifier,
  kycOnboardingState,
  kycRiskLevel,
  kycScreeningResult,
  kycReviewOverdue,
  kycMarkedForOffboarding,
  kycScreeningProvider,
  kycRiskRoute,
  kycCoreCustomerId,
  kycCoreState,
  kycTenant,
  kycProviderOutage,
];
