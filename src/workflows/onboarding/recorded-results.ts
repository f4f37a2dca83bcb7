import type { CaseVerdict, ScreeningOutcomeWord } from '../../contracts/screening-provider';
import type { RescoreOutcome, ScreeningOutcome } from '../../contracts/screening-activities';
import type { ScreeningReading } from './rules';

/**
 * Results as the run reads them. Adapters answer in the port's neutral words (`outcome`, `verdict`);
 * results recorded before the port (Mesh's words only: histories of runs started before it, and answers
 * of a worker not yet upgraded during a deploy) are read here exactly as the workflow read them then.
 * This is the one place the workflow still knows Mesh's words, and it must never change: it reads the
 * past. Delete it with the patches once no run older than the port can be open.
 */

const LEGACY_PROHIBITED = 'PROHIBITED';
const LEGACY_APPROVABLE_RISK_LEVELS = new Set(['LOW-RISK', 'MEDIUM-RISK', 'HIGH-RISK', 'UNSPECIFIED-RISK']);
const LEGACY_PROFILES_FOUND = new Set(['HAS_PROFILES', 'HAS-HITS']);
const LEGACY_NO_PROFILES = new Set(['NO_PROFILES', 'NO-HITS']);

export function readScreening(outcome: ScreeningOutcome): ScreeningReading {
  if (outcome.outcome !== undefined) {
    return {
      word: outcome.outcome,
      words: outcome.providerWords ?? `screening outcome ${outcome.outcome}`,
      caseExpected: outcome.caseExpected,
    };
  }
  return legacyReading(outcome.riskLevel, outcome.screeningResult);
}

/** Mesh's risk level and screening result, as read before the port. */
export function legacyReading(
  riskLevel: string | undefined,
  screeningResult: string | undefined,
): ScreeningReading {
  const caseExpected = legacyCaseExpected(screeningResult);
  if (riskLevel === LEGACY_PROHIBITED)
    return { word: 'prohibited', words: 'risk level PROHIBITED', caseExpected };
  if (screeningResult !== undefined && LEGACY_PROFILES_FOUND.has(screeningResult)) {
    return { word: 'hits', words: `screening result ${screeningResult}`, caseExpected };
  }
  if (screeningResult === undefined || !LEGACY_NO_PROFILES.has(screeningResult)) {
    return {
      word: 'unrecognised',
      words: `unrecognised screening result ${screeningResult ?? '(none)'}`,
      caseExpected,
    };
  }
  if (riskLevel === undefined || !LEGACY_APPROVABLE_RISK_LEVELS.has(riskLevel)) {
    return { word: 'unrecognised', words: `unrecognised risk level ${riskLevel ?? '(none)'}`, caseExpected };
  }
  return {
    word: 'clear',
    words: `screening result ${screeningResult}, risk level ${riskLevel}`,
    caseExpected,
  };
}

/** Mesh skips case creation exactly when screening found no profiles: no case will ever come. */
export function legacyCaseExpected(screeningResult: string | undefined): boolean | undefined {
  if (screeningResult === undefined) return undefined;
  if (LEGACY_NO_PROFILES.has(screeningResult)) return false;
  if (LEGACY_PROFILES_FOUND.has(screeningResult)) return true;
  return undefined;
}

/** `prohibited` when a re-score forbids the customer; otherwise what the adapter said, if anything. */
export function readRescore(
  outcome: Pick<RescoreOutcome, 'outcome' | 'riskLevel'>,
): ScreeningOutcomeWord | undefined {
  if (outcome.outcome !== undefined) return outcome.outcome;
  return outcome.riskLevel === LEGACY_PROHIBITED ? 'prohibited' : undefined;
}

/** A case's verdict; Mesh's `case_stage.decision_type` for results and signals recorded before the port. */
export function readVerdict(decision: { verdict?: CaseVerdict; decisionType?: string | null }): CaseVerdict {
  if (decision.verdict !== undefined) return decision.verdict;
  switch (decision.decisionType) {
    case null:
    case undefined:
      return 'open';
    case 'POSITIVE':
      return 'approved';
    case 'NEGATIVE':
      return 'rejected';
    case 'PARTIAL_POSITIVE':
      return 'partial';
    default:
      return 'unrecognised';
  }
}
