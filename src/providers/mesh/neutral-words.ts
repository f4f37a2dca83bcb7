import type { CaseVerdict, ScreeningOutcomeWord } from '../../contracts/screening-provider';

/**
 * Mesh's words in the screening port's (docs/providers/mesh.md, "Create and screen" and "Cases and
 * decisions"): the one place that knows what a Mesh risk level, screening result or decision type means
 * for an onboarding. Every value Mesh may add later is `unrecognised`: review, never approval.
 */

const PROHIBITED = 'PROHIBITED';
/** Levels an approval may go with; UNSPECIFIED-RISK is what an account without a risk model gets. */
const APPROVABLE_RISK_LEVELS = new Set(['LOW-RISK', 'MEDIUM-RISK', 'HIGH-RISK', 'UNSPECIFIED-RISK']);
/** HAS_PROFILES and its legacy spelling. */
const PROFILES_FOUND = new Set(['HAS_PROFILES', 'HAS-HITS']);
/** NO_PROFILES and its legacy spelling. */
const NO_PROFILES = new Set(['NO_PROFILES', 'NO-HITS']);

export interface MeshScreeningWords {
  outcome: ScreeningOutcomeWord;
  providerWords: string;
  caseExpected?: boolean;
}

/** What a create-and-screen (or a recovered customer) found: PROHIBITED first, then the screening result. */
export function screeningWordsOf(
  riskLevel: string | undefined,
  screeningResult: string | undefined,
): MeshScreeningWords {
  const caseExpected = caseExpectedOf(screeningResult);
  const withCase = caseExpected !== undefined ? { caseExpected } : {};
  if (riskLevel === PROHIBITED)
    return { outcome: 'prohibited', providerWords: 'risk level PROHIBITED', ...withCase };
  if (screeningResult !== undefined && PROFILES_FOUND.has(screeningResult)) {
    return { outcome: 'hits', providerWords: `screening result ${screeningResult}`, ...withCase };
  }
  if (screeningResult === undefined || !NO_PROFILES.has(screeningResult)) {
    return {
      outcome: 'unrecognised',
      providerWords: `unrecognised screening result ${screeningResult ?? '(none)'}`,
      ...withCase,
    };
  }
  if (riskLevel === undefined || !APPROVABLE_RISK_LEVELS.has(riskLevel)) {
    return {
      outcome: 'unrecognised',
      providerWords: `unrecognised risk level ${riskLevel ?? '(none)'}`,
      ...withCase,
    };
  }
  return {
    outcome: 'clear',
    providerWords: `screening result ${screeningResult}, risk level ${riskLevel}`,
    ...withCase,
  };
}

/** Mesh skips case creation exactly when screening found no profiles: no case will ever come. */
function caseExpectedOf(screeningResult: string | undefined): boolean | undefined {
  if (screeningResult === undefined) return undefined;
  if (NO_PROFILES.has(screeningResult)) return false;
  if (PROFILES_FOUND.has(screeningResult)) return true;
  return undefined;
}

/** A re-score's level: only PROHIBITED changes what the onboarding does. */
export function rescoreWordOf(riskLevel: string | undefined): ScreeningOutcomeWord | undefined {
  return riskLevel === PROHIBITED ? 'prohibited' : undefined;
}

/** `case_stage.decision_type` (or the deprecated `case_state` mapped onto it); null while undecided. */
export function verdictOf(decisionType: string | null): CaseVerdict {
  switch (decisionType) {
    case null:
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
