import type { MeshCustomer } from './customer';
import type { OnboardingTerms } from './onboarding';

/**
 * What the workflows ask of the screening provider, in the project's own words: one activity is one
 * provider call (one unit of the provider's rate limit), run on the `<queue>-mesh` task queue. The
 * Mesh module (src/providers/mesh/activities.ts) implements `ScreeningActivities`; a next provider
 * implements the same interface beside it. Values the providers document as open sets (risk levels,
 * screening results, decision types, statuses) stay plain strings: the workflow decides what an
 * unknown value means (review, never approval).
 */

/** LOW-RISK | MEDIUM-RISK | HIGH-RISK | PROHIBITED | UNSPECIFIED-RISK | SKIPPED | … */
export type RiskLevel = string;
/** HAS_PROFILES | NO_PROFILES (legacy HAS-HITS | NO-HITS) | … */
export type ScreeningResult = string;

export interface CreateAndScreenInput {
  customer: MeshCustomer;
  screeningConfigurationIdentifier: string;
  monitoringEnabled: boolean;
}

/** The parts of a create-and-screen workflow (or of a recovered customer) the onboarding acts on. */
export interface ScreeningOutcome {
  customerIdentifier: string;
  externalIdentifier: string;
  /** Workflow status: COMPLETED | IN-PROGRESS | ERRORED | … ; UNKNOWN when a duplicate recovery could not read it. */
  workflowStatus: string;
  riskLevel?: RiskLevel;
  riskValue?: number;
  /** Absent when screening was SKIPPED (e.g. PROHIBITED) or not finished. */
  screeningResult?: ScreeningResult;
  amlTypes: string[];
  alertIdentifiers: string[];
  /** Present once `case-creation` completed; a case still being created is found later via listCustomerCases. */
  caseIdentifier?: string;
  /** True when this outcome was recovered after a duplicate external identifier (any of the three shapes). */
  recoveredFromDuplicate: boolean;
  /** How the outcome was recovered after a duplicate external identifier; absent for a first creation. */
  recovery?: DuplicateRecovery;
}

/**
 * A duplicate external identifier means an earlier attempt (a lost response, an earlier onboarding)
 * created the customer. What the onboarding may conclude from the recovered customer depends on how
 * much of the original screening could be read back.
 */
export interface DuplicateRecovery {
  /** Which of the documented answers named the duplicate (docs/providers/mesh.md, "Duplicate external identifiers"). */
  shape: 'errored-200' | 'conflict-problem' | 'conflict-guide';
  /**
   * `original-workflow`: the original create-and-screen workflow was read and its screening step
   * finished: `screeningResult` is the real one. `case-found`: an onboarding case exists, so screening
   * found profiles (`HAS_PROFILES`). `unknown`: neither; `screeningResult` is absent and the run must
   * not be approved on it (Mesh may still be creating the case).
   */
  outcome: 'original-workflow' | 'case-found' | 'unknown';
  /**
   * A field the request names holds another value in the customer Mesh stored: the screening ran on
   * other data, so the request's data must be applied (update-and-rescore) and the result reviewed.
   */
  storedCustomerDiffers: boolean;
}

export interface CheckOnboardingCaseInput {
  customerIdentifier: string;
  /** Known once case-creation completed; otherwise the customer's cases are listed to find it. */
  caseIdentifier?: string;
}

export interface CaseSnapshot {
  caseIdentifier: string;
  caseType?: string;
  stageIdentifier?: string;
  stageName?: string;
  stageType?: string;
  /** `case_stage.decision_type`, or the deprecated `case_state` mapped onto it; null while undecided. */
  decisionType: string | null;
  /** The customer the case belongs to (`customer.identifier`), when Mesh says. */
  customerIdentifier?: string;
  /** The customer's external identifier (`customer.external_identifier`), when Mesh says. */
  externalIdentifier?: string;
}

export interface CheckOnboardingCaseResult {
  /** Absent while Mesh is still creating the case. */
  case?: CaseSnapshot;
  checkedAt: string;
}

export interface SetMonitoringInput {
  customerIdentifier: string;
  enabled: boolean;
}

export interface UpdateAndRescoreInput {
  customerIdentifier: string;
  /** The full, merged customer: update-and-rescore replaces the whole record (docs/providers/mesh.md). */
  customer: MeshCustomer;
}

export type GetCustomerInput = { customerIdentifier: string } | { externalIdentifier: string };

/** A customer as the provider holds it. */
export interface CustomerRecord {
  customerIdentifier: string;
  externalIdentifier: string;
  riskLevel?: RiskLevel;
  monitoringEnabled?: boolean;
  /** The record as the provider holds it, for merging before update-and-rescore (which replaces the whole record). */
  customer: MeshCustomer;
}

export interface RescoreOutcome {
  customerIdentifier: string;
  riskLevel?: RiskLevel;
  riskValue?: number;
}

/** The provider calls the workflows schedule (src/workflows/common/provider-activities.ts). */
export interface ScreeningActivities {
  /** Create and screen; a duplicate external identifier comes back as the recovered customer. */
  createAndScreen(input: CreateAndScreenInput): Promise<ScreeningOutcome>;
  /** The onboarding case, read directly or found among the customer's cases. */
  checkOnboardingCase(input: CheckOnboardingCaseInput): Promise<CheckOnboardingCaseResult>;
  setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean }>;
  /** Replaces the whole record: pass the full, merged customer. */
  updateAndRescore(input: UpdateAndRescoreInput): Promise<RescoreOutcome>;
  getCustomer(input: GetCustomerInput): Promise<CustomerRecord>;
}

/** The local activity that gives each new onboarding its terms (src/activities/onboarding-terms.ts). */
export interface OnboardingTermsActivities {
  resolveOnboardingTerms(input: unknown): Promise<OnboardingTerms>;
}
