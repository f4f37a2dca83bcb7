import type { DuplicateRecovery } from '../../contracts/screening-activities';
import type { OnboardingPolicy } from '../../contracts/onboarding';

/**
 * What screening and decisions mean for an onboarding (docs/providers/mesh.md, "Create and screen" and
 * "Cases and decisions"; docs/adr/0005-fail-closed.md). Pure functions, so
 * the rules read in one place. Everything the code does not recognise goes to review: never to approval,
 * never to a failed run.
 */

const PROHIBITED = 'PROHIBITED';
/** Levels an approval may go with; UNSPECIFIED-RISK is what an account without a risk model gets. */
const APPROVABLE_RISK_LEVELS = new Set(['LOW-RISK', 'MEDIUM-RISK', 'HIGH-RISK', 'UNSPECIFIED-RISK']);
/** HAS_PROFILES and its legacy spelling. */
const PROFILES_FOUND = new Set(['HAS_PROFILES', 'HAS-HITS']);
/** NO_PROFILES and its legacy spelling. */
const NO_PROFILES = new Set(['NO_PROFILES', 'NO-HITS']);

export type ScreeningVerdict =
  | { next: 'APPROVE'; reason: string }
  | { next: 'REJECT'; reason: string }
  | { next: 'REVIEW'; reason: string; escalate: boolean };

export function isProhibited(riskLevel: string | undefined): boolean {
  return riskLevel === PROHIBITED;
}

/** Mesh skips case creation exactly when screening found no profiles: no case will ever come. */
export function meansNoCase(screeningResult: string | undefined): boolean {
  return screeningResult !== undefined && NO_PROFILES.has(screeningResult);
}

/** What the run knows of its provider case, for deciding whether an officer may approve. */
export interface CaseKnowledge {
  state: string;
  screeningResult: string | undefined;
  caseIdentifier: string | undefined;
  /** The decision last seen on that case: null/undefined while undecided. */
  caseDecision: string | null | undefined;
}

/**
 * Why a compliance officer's APPROVE cannot be taken now, or undefined when it can. An officer decides
 * what the analyst's case left open (PARTIAL_POSITIVE, an unknown decision type, an unrecognised risk
 * level on a clean screening); an officer never overrides a sanctions case that is still open, or one
 * that the provider may still be creating.
 */
export function approvalBlocker(known: CaseKnowledge): string | undefined {
  if (known.state !== 'AWAITING_REVIEW') {
    return `the run is ${known.state}: an officer decides only once screening is over and the run awaits review`;
  }
  if (known.caseIdentifier !== undefined) {
    if (known.caseDecision !== null && known.caseDecision !== undefined) return undefined;
    return `case ${known.caseIdentifier} is open at the screening provider: only its analyst's decision can clear it (REJECT is always possible)`;
  }
  if (meansNoCase(known.screeningResult)) return undefined;
  return `the screening result is ${known.screeningResult ?? 'unknown'} and no case has been found yet: the screening provider may still be creating one (REJECT is always possible)`;
}

export function screeningVerdict(
  riskLevel: string | undefined,
  screeningResult: string | undefined,
): ScreeningVerdict {
  if (isProhibited(riskLevel)) return { next: 'REJECT', reason: 'risk level PROHIBITED' };
  if (screeningResult !== undefined && PROFILES_FOUND.has(screeningResult)) {
    return { next: 'REVIEW', reason: `screening result ${screeningResult}`, escalate: false };
  }
  if (screeningResult === undefined || !NO_PROFILES.has(screeningResult)) {
    return {
      next: 'REVIEW',
      reason: `unrecognised screening result ${screeningResult ?? '(none)'}`,
      escalate: true,
    };
  }
  if (riskLevel === undefined || !APPROVABLE_RISK_LEVELS.has(riskLevel)) {
    return { next: 'REVIEW', reason: `unrecognised risk level ${riskLevel ?? '(none)'}`, escalate: true };
  }
  return { next: 'APPROVE', reason: `screening result ${screeningResult}, risk level ${riskLevel}` };
}

/**
 * The screening verdict, knowing how the outcome was obtained. After a duplicate external identifier
 * the run approves only on a screening it could read back for exactly the data it was asked to
 * onboard; anything less is a question for a person.
 */
export function onboardingVerdict(
  riskLevel: string | undefined,
  screeningResult: string | undefined,
  recovery: DuplicateRecovery | undefined,
): ScreeningVerdict {
  const verdict = screeningVerdict(riskLevel, screeningResult);
  if (verdict.next !== 'APPROVE' && !(verdict.next === 'REVIEW' && recovery?.outcome === 'unknown')) {
    return verdict;
  }
  if (recovery?.outcome === 'unknown') {
    return {
      next: 'REVIEW',
      reason:
        'screening outcome unknown: the customer already existed (duplicate external identifier) and the first screening could not be read back; the case checks look for the case the provider may still be creating',
      escalate: true,
    };
  }
  if (recovery?.storedCustomerDiffers === true) {
    return {
      next: 'REVIEW',
      reason:
        'the customer the provider had screened differs from this request: the new data was applied and must be reviewed',
      escalate: true,
    };
  }
  return verdict;
}

export type DecisionEffect = 'APPROVE' | 'REJECT' | 'ESCALATE' | 'WAIT';

/** `case_stage.decision_type`, an open set (docs/providers/mesh.md, "Cases and decisions"). */
export function decisionEffect(
  decisionType: string | null | undefined,
  policy: OnboardingPolicy,
): DecisionEffect {
  if (decisionType === null || decisionType === undefined) return 'WAIT';
  if (decisionType === 'POSITIVE') return 'APPROVE';
  if (decisionType === 'NEGATIVE') return 'REJECT';
  if (decisionType === 'PARTIAL_POSITIVE') return policy.partialPositive === 'reject' ? 'REJECT' : 'ESCALATE';
  return 'ESCALATE';
}
