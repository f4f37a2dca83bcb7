import type { MeshCustomer } from './customer';

/**
 * The risk-score port (docs/providers/risk.md): one call before screening, and again after a customer
 * change, that decides which screening a customer gets. The adapter (src/providers/risk/) talks to the
 * customer-checks API; the workflow reads only these shapes and decides with `riskRoute`. Imported by
 * workflow code: types and pure functions only.
 */

/** Every risk call runs on this queue of the activity worker (`<TEMPORAL_TASK_QUEUE>-risk`). */
export function riskTaskQueue(taskQueue: string): string {
  return `${taskQueue}-risk`;
}

export interface RiskCheckInput {
  /** Always the full, merged customer: the API replaces what it stores, so a field left out is blanked. */
  customer: MeshCustomer;
  /** The vendor's `customerId` from an earlier answer, so a re-check refers to the same entity. */
  riskCustomerId?: string;
}

/** A readable answer: `riskLevel` and `caseStatus` are open sets, kept as received. */
export interface RiskScore {
  kind: 'scored';
  riskLevel: string;
  riskPoints?: number;
  /** As received (strings or objects; the reference gives no shape). */
  riskFactors?: unknown;
  customerId?: string;
  caseId?: string;
  caseStatus?: string;
  /** Whatever date fields arrived, as raw strings (the reference names none). */
  timestamps?: Record<string, string>;
}

/**
 * No score: a 202 (accepted, a callback would follow), an answer without a readable `riskLevel`, or a
 * refusal of the request (4xx). Always fail-closed for the run.
 */
export interface RiskUnscored {
  kind: 'unscored';
  /** Why, in an operator's words, without personal data: e.g. "202 accepted without a score". */
  reason: string;
}

export type RiskCheckResult = RiskScore | RiskUnscored;

/**
 * The adapter's activity. Retryable failures (network, timeouts, 5xx, 429, 425 with a next-retry delay of at
 * least 1 s) are thrown and retried by Temporal until the run's RISK_CHECK_TIMEOUT; what can never become a
 * score is answered as `unscored`.
 */
export interface RiskActivities {
  checkCustomerRisk(input: RiskCheckInput): Promise<RiskCheckResult>;
}

/** The run's risk terms, from RISK_STANDARD_LEVELS and RISK_CHECK_TIMEOUT (absent: the step is off). */
export interface RiskTerms {
  /** Lower-case levels that allow the standard screening (default `low`, `medium`). */
  standardLevels: string[];
  /** How long the run waits for a score before it goes on fail-closed. */
  checkTimeoutMs: number;
}

export type RiskRouteName = 'standard' | 'enhanced';

/** `status.risk`: what the score said and which screening it chose. */
export interface RiskStatus {
  /** The vendor's level as received, or `unavailable` when there was no score. */
  level: string;
  points?: number;
  caseStatus?: string;
  customerId?: string;
  caseId?: string;
  route: RiskRouteName;
  reason: string;
}

/** The level recorded when no score could be had. */
export const RISK_UNAVAILABLE = 'unavailable';

/**
 * The route a score gives. Standard (straight-through approval allowed) only for a level in the standard
 * list with no case opened; any other level, any other case status (open, closed, a new value) and no score
 * at all give the enhanced route: extensive screening and a mandatory review.
 */
export function riskRoute(
  result: RiskCheckResult | undefined,
  terms: RiskTerms,
  unavailable?: string,
): RiskStatus {
  if (result === undefined || result.kind === 'unscored') {
    const why = result?.reason ?? unavailable ?? 'the risk API did not answer';
    return {
      level: RISK_UNAVAILABLE,
      route: 'enhanced',
      reason: `risk score unavailable (${why}): extensive screening and mandatory review`,
    };
  }
  const known = {
    level: result.riskLevel,
    ...(result.riskPoints !== undefined && { points: result.riskPoints }),
    ...(result.caseStatus !== undefined && { caseStatus: result.caseStatus }),
    ...(result.customerId !== undefined && { customerId: result.customerId }),
    ...(result.caseId !== undefined && { caseId: result.caseId }),
  };
  const level = result.riskLevel.trim().toLowerCase();
  const standardLevel = terms.standardLevels.includes(level);
  const caseStatus = result.caseStatus?.trim().toLowerCase();
  if (standardLevel && caseStatus === 'not-opened') {
    return { ...known, route: 'standard', reason: `risk level ${result.riskLevel}, no risk case opened` };
  }
  const why = !standardLevel
    ? `risk level ${result.riskLevel} is not a standard level`
    : caseStatus === undefined
      ? 'the risk answer gave no case status'
      : `risk case ${result.caseStatus}`;
  return { ...known, route: 'enhanced', reason: `${why}: extensive screening and mandatory review` };
}
