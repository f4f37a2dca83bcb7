import type { MeshCustomer } from './customer';
import type { OnboardingTerms } from './onboarding';
import type { CoreTerms } from './core-banking';
import type { CaseVerdict, ScreeningOutcomeWord } from './screening-provider';

/**
 * The screening port: what the workflows ask of a screening provider, one interface per capability
 * (screen, read the decision, monitoring on/off, re-score, find the customer). One activity is one
 * provider call (one unit of the provider's rate limit), run on the provider's own task queue
 * (`<queue>-mesh`, `<queue>-complycube`): the activity names are the same for every provider, the queue
 * picks the adapter. Adapters: src/providers/mesh/activities.ts, src/providers/complycube/activities.ts.
 *
 * Each result carries the port's neutral words (`outcome`, `verdict`), which the workflows decide on,
 * beside the provider's own words (risk levels, screening results, decision types), which they only
 * record. The neutral fields are optional only because results recorded before the port lack them
 * (src/workflows/onboarding/recorded-results.ts reads those).
 */

/** LOW-RISK | MEDIUM-RISK | HIGH-RISK | PROHIBITED | UNSPECIFIED-RISK | SKIPPED | … */
export type RiskLevel = string;
/** HAS_PROFILES | NO_PROFILES (legacy HAS-HITS | NO-HITS) | … */
export type ScreeningResult = string;

export interface CreateAndScreenInput {
  /** Where an earlier call of this screening stopped (its `next`); absent on the first call. */
  resume?: ScreeningResume;
  customer: MeshCustomer;
  /** The provider's screening profile: a Mesh screening configuration, a ComplyCube check type. */
  screeningConfigurationIdentifier: string;
  monitoringEnabled: boolean;
  /**
   * An earlier call of this screening at this provider may have been processed with its answer lost (it
   * timed out before a failover): look for what it created before creating anything (as a Temporal retry
   * of a create step does).
   */
  lookFirst?: boolean;
}

/**
 * Where a screening that takes several provider calls goes on: opaque to the workflow, which passes it
 * back unchanged. An adapter whose screening is more than one call (ComplyCube: find or create the client,
 * then find or create the check) answers one call at a time with `{ next }`, so every activity stays one
 * unit of the provider's rate limit and a retry repeats one call, never the whole sequence.
 */
export interface ScreeningResume {
  step: string;
  [detail: string]: unknown;
}

/** The screening is not finished: call `createAndScreen` again with `resume: next`. */
export interface ScreeningContinues {
  next: ScreeningResume;
}

export type ScreenResult = ScreeningOutcome | ScreeningContinues;

/** The parts of a create-and-screen workflow (or of a recovered customer) the onboarding acts on. */
export interface ScreeningOutcome {
  /** What the screening found, in the port's words (absent only in results recorded before the port). */
  outcome?: ScreeningOutcomeWord;
  /** The provider's own words for the record, e.g. "screening result NO_PROFILES, risk level LOW-RISK". */
  providerWords?: string;
  /** The provider's customer (a Mesh customer, a ComplyCube client). */
  customerIdentifier: string;
  /** The screening's own identifier when the provider has one (a ComplyCube check). */
  screeningIdentifier?: string;
  /**
   * Whether a provider case will come for a person to decide: false when the screening found nothing
   * (Mesh opens no case), true when one is open or coming, absent when the adapter cannot tell.
   */
  caseExpected?: boolean;
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
  /** Where the case stands, in the port's words (absent only in results recorded before the port). */
  verdict?: CaseVerdict;
  caseType?: string;
  stageIdentifier?: string;
  stageName?: string;
  stageType?: string;
  /**
   * The provider's decision in its own words (Mesh `case_stage.decision_type`, a ComplyCube check's
   * `result.outcome` once it is no longer `attention`); null while undecided.
   */
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
  /** Where an earlier call of this change stopped (its `next`); absent on the first call. */
  resume?: ScreeningResume;
  customerIdentifier: string;
  enabled: boolean;
  /**
   * The screening whose monitoring changes, where monitoring belongs to a screening (a ComplyCube
   * check); without it, every screening of the customer.
   */
  screeningIdentifier?: string;
}

export interface UpdateAndRescoreInput {
  /** Where an earlier call of this re-score stopped (its `next`); absent on the first call. */
  resume?: ScreeningResume;
  customerIdentifier: string;
  /** The full, merged customer: update-and-rescore replaces the whole record (docs/providers/mesh.md). */
  customer: MeshCustomer;
  /** For providers that re-screen with a new screening (ComplyCube): the run's screening profile. */
  screeningConfigurationIdentifier?: string;
  /** For providers whose monitoring belongs to the screening: whether the new one is monitored. */
  monitoringEnabled?: boolean;
}

export type GetCustomerInput =
  | { customerIdentifier: string }
  | {
      externalIdentifier: string;
      /**
       * The customer as it was sent, for a provider that can find a subject only by what was searched
       * (ComplyAdvantage classic lists searches by term, not by `client_ref`).
       */
      customer?: MeshCustomer;
    };

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
  /**
   * `prohibited` when the new data makes the customer prohibited; `pending` when the provider re-screens
   * with a new screening (`screeningIdentifier`), whose result the run then waits for. Absent in results
   * recorded before the port.
   */
  outcome?: ScreeningOutcomeWord;
  providerWords?: string;
  /** The new screening a re-score started (ComplyCube): the run's case from now on. */
  screeningIdentifier?: string;
}

/** The provider calls the workflows schedule (src/workflows/common/provider-activities.ts). */
export interface ScreeningActivities {
  /**
   * Screen (idempotent on the external identifier); a duplicate external identifier comes back as the
   * recovered customer. `{ next }`: not finished, call again with `resume: next`.
   */
  createAndScreen(input: CreateAndScreenInput): Promise<ScreenResult>;
  /** The onboarding case, read directly or found among the customer's cases. */
  checkOnboardingCase(input: CheckOnboardingCaseInput): Promise<CheckOnboardingCaseResult>;
  /** `{ next }` (with `enabled` as it stands): not finished, call again with `resume: next`. */
  setMonitoring(input: SetMonitoringInput): Promise<{ enabled: boolean; next?: ScreeningResume }>;
  /** Replaces the whole record: pass the full, merged customer. `{ next }`: call again with `resume: next`. */
  updateAndRescore(
    input: UpdateAndRescoreInput,
  ): Promise<RescoreOutcome | (ScreeningContinues & { customerIdentifier: string })>;
  getCustomer(input: GetCustomerInput): Promise<CustomerRecord>;
}

export interface WebhookHealth {
  /** Registrations pointing at our bridge. */
  registrations: number;
  /** The ids of those found disabled and enabled again. */
  reenabled: string[];
}

/**
 * ComplyCube's call beside the port: keeping its webhook enabled (a check's webhook is routed with the
 * port's own `checkOnboardingCase` and `getCustomer`).
 */
export interface ComplyCubeActivities {
  ensureComplyCubeWebhooks(): Promise<WebhookHealth>;
}

/** The local activity that gives each new onboarding its terms (src/activities/onboarding-terms.ts). */
export interface OnboardingTermsActivities {
  resolveOnboardingTerms(input: unknown): Promise<OnboardingTerms>;
  /** The worker's core-banking terms, for a review a COS event starts (null: COS is off on this worker). */
  resolveCoreTerms(): Promise<CoreTerms | null>;
}
