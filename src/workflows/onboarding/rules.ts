import type { DuplicateRecovery } from '../../contracts/screening-activities';
import type { OnboardingPolicy } from '../../contracts/onboarding';
import type { CaseVerdict, ScreeningOutcomeWord } from '../../contracts/screening-provider';

/**
 * What screening and decisions mean for an onboarding, in the screening port's neutral words
 * (docs/providers/README.md; docs/adr/0005-fail-closed.md). The provider's adapter says what it found
 * (`clear`, `hits`, `prohibited`, `pending`, `unrecognised`) and where its case stands; these pure
 * functions say what the run does about it. Everything not recognised goes to review: never to
 * approval, never to a failed run.
 */

/** A screening's outcome as the run reads it (src/workflows/onboarding/recorded-results.ts). */
export interface ScreeningReading {
  word: ScreeningOutcomeWord;
  /** The provider's own words, e.g. "screening result NO_PROFILES, risk level LOW-RISK": the run's reason. */
  words: string;
  /** False when the provider opens no case for a person (nothing found); undefined when unknown. */
  caseExpected: boolean | undefined;
}

export type ScreeningVerdict =
  | { next: 'APPROVE'; reason: string }
  | { next: 'REJECT'; reason: string }
  | { next: 'REVIEW'; reason: string; escalate: boolean }
  /** The provider screens asynchronously: the run waits in SCREENING for the result. */
  | { next: 'AWAIT_RESULT'; reason: string };

/** What the run knows of its provider case, for deciding whether an officer may approve. */
export interface CaseKnowledge {
  state: string;
  /** False when the screening found nothing, so no provider case will ever come. */
  caseExpected: boolean | undefined;
  /** How the screening read, for the refusal's words. */
  screeningWords: string | undefined;
  caseIdentifier: string | undefined;
  /** The decision last seen on that case: null/undefined while undecided. */
  caseDecision: string | null | undefined;
  /**
   * The screening found nothing but the risk route forbids a straight-through approval: no analyst case
   * exists for it, so an officer's decision is the review.
   */
  officerDecides?: boolean;
}

/**
 * Why a compliance officer's APPROVE cannot be taken now, or undefined when it can. An officer decides
 * what the analyst's case left open (a partial or unrecognised decision, an unrecognised value on a
 * clean screening); an officer never overrides a sanctions case that is still open, or one that the
 * provider may still be creating.
 */
export function approvalBlocker(known: CaseKnowledge): string | undefined {
  if (known.state !== 'AWAITING_REVIEW') {
    return `the run is ${known.state}: an officer decides only once screening is over and the run awaits review`;
  }
  if (known.officerDecides === true) return undefined;
  if (known.caseIdentifier !== undefined) {
    if (known.caseDecision !== null && known.caseDecision !== undefined) return undefined;
    return `case ${known.caseIdentifier} is open at the screening provider: only its analyst's decision can clear it (REJECT is always possible)`;
  }
  if (known.caseExpected === false) return undefined;
  return `the screening result is ${known.screeningWords ?? 'unknown'} and no case has been found yet: the screening provider may still be creating one (REJECT is always possible)`;
}

export function screeningVerdict(reading: ScreeningReading): ScreeningVerdict {
  switch (reading.word) {
    case 'prohibited':
      return { next: 'REJECT', reason: reading.words };
    case 'hits':
      return { next: 'REVIEW', reason: reading.words, escalate: false };
    case 'clear':
      return { next: 'APPROVE', reason: reading.words };
    case 'pending':
      return { next: 'AWAIT_RESULT', reason: reading.words };
    default:
      return { next: 'REVIEW', reason: reading.words, escalate: true };
  }
}

/**
 * The screening verdict, knowing how the outcome was obtained. After a duplicate external identifier
 * the run approves only on a screening it could read back for exactly the data it was asked to
 * onboard; anything less is a question for a person.
 */
export function onboardingVerdict(
  reading: ScreeningReading,
  recovery: DuplicateRecovery | undefined,
): ScreeningVerdict {
  const verdict = screeningVerdict(reading);
  if (verdict.next === 'AWAIT_RESULT') return verdict;
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

/** What a case's verdict does to the run; `partial` follows the run's policy, never an automatic approval. */
export function decisionEffect(verdict: CaseVerdict, policy: OnboardingPolicy): DecisionEffect {
  switch (verdict) {
    case 'approved':
      return 'APPROVE';
    case 'rejected':
      return 'REJECT';
    case 'partial':
      return policy.partialPositive === 'reject' ? 'REJECT' : 'ESCALATE';
    case 'pending':
    case 'open':
      return 'WAIT';
    default:
      return 'ESCALATE';
  }
}
