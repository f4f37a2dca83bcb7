import type { MeshCase } from './api';

export const ONBOARDING_CASE_TYPE = 'CUSTOMER_ONBOARDING';

/**
 * The deprecated `case_state` end states, for cases without a stage (docs/providers/mesh.md, "Cases and
 * decisions").
 */
export const DECISION_BY_CASE_STATE: Readonly<Record<string, string>> = {
  CASE_STATE_POSITIVE_END_STATE: 'POSITIVE',
  CASE_STATE_NEGATIVE_END_STATE: 'NEGATIVE',
};

/** The case's decision, from its stage or the deprecated `case_state`; null while undecided. */
export function decisionOf(meshCase: MeshCase): string | null {
  const fromStage = meshCase.stage?.decisionType;
  if (fromStage !== undefined && fromStage !== null) return fromStage;
  return meshCase.caseState !== undefined ? (DECISION_BY_CASE_STATE[meshCase.caseState] ?? null) : null;
}

/**
 * The customer's onboarding case: an undecided one first (that is the one a review waits on), else the
 * last one listed (the newest, as Mesh lists them). `includeUntyped` also counts cases without a type:
 * where a case is taken as evidence of profiles, an unknown case should mean review, not approval.
 */
export function pickOnboardingCase(
  cases: readonly MeshCase[],
  options: { includeUntyped: boolean } = { includeUntyped: false },
): MeshCase | undefined {
  const onboarding = cases.filter(
    (c) => c.caseType === ONBOARDING_CASE_TYPE || (options.includeUntyped && c.caseType === undefined),
  );
  return onboarding.find((c) => decisionOf(c) === null) ?? onboarding[onboarding.length - 1];
}
