import type { OnboardingPolicy } from '../shared/onboarding';

/**
 * What screening and decisions mean for an onboarding (issue 3, guide Steps 2-3). Pure functions, so
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

export type DecisionEffect = 'APPROVE' | 'REJECT' | 'ESCALATE' | 'WAIT';

/** `case_stage.decision_type` (guide Step 3, plus PARTIAL_POSITIVE from the API reference). */
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
