import type { CaseVerdict, ScreeningOutcomeWord } from '../../contracts/screening-provider';
import type { ComplyCubeCheck } from './api';

/**
 * A screening check in the port's words (docs/providers/complycube.md, "Result"). ComplyCube's statuses,
 * outcomes and types are open sets: only the documented values map to a decision, everything else is
 * `unrecognised` (review, never approval). The decision rests on the check's `status` and
 * `result.outcome` alone, never on a summary entry (a standard check reports `not_processed` for the
 * lists outside its scope even when it is clear).
 */

/**
 * A complete check: `complete`, the one documented status (events say `completed`, statuses do not). Any
 * other value is not proof the result is final, so it never reads as clear.
 */
export function isComplete(status: string): boolean {
  return status === 'complete';
}

export function isPending(status: string): boolean {
  return status === 'pending';
}

/** `standard_screening_check`, `extensive_screening_check`, and any later screening type. */
export function isScreeningCheck(type: string): boolean {
  return type.endsWith('screening_check');
}

/** What a screening found: pending; clear; attention → hits; anything else (failed, not_processed, match_confirmed, unknown) → unrecognised. */
export function screeningOutcomeOf(check: ComplyCubeCheck): ScreeningOutcomeWord {
  if (isPending(check.status)) return 'pending';
  if (!isComplete(check.status)) return 'unrecognised';
  if (check.outcome === 'clear') return 'clear';
  if (check.outcome === 'attention') return 'hits';
  return 'unrecognised';
}

/** Where the check stands for the analyst's decision: attention waits (open), clear approves, match_confirmed rejects. */
export function caseVerdictOf(check: ComplyCubeCheck): CaseVerdict {
  if (isPending(check.status)) return 'pending';
  if (!isComplete(check.status)) return 'unrecognised';
  switch (check.outcome) {
    case 'attention':
      return 'open';
    case 'clear':
      return 'approved';
    case 'match_confirmed':
      return 'rejected';
    default:
      return 'unrecognised';
  }
}

/**
 * The decision in ComplyCube's own words: null while pending or `attention` (undecided), else the outcome
 * (`clear`, `match_confirmed`, `not_processed`, …), or the status itself when the check did not complete
 * (`failed`, or one we do not know). A complete check without an outcome has no decision to report.
 */
export function decisionTypeOf(check: ComplyCubeCheck): string | null {
  if (isPending(check.status)) return null;
  if (!isComplete(check.status)) return check.status;
  if (check.outcome === undefined || check.outcome === 'attention') return null;
  return check.outcome;
}

/** For the record: `check status pending`, `check outcome attention`, `check status failed`. */
export function providerWordsOf(check: ComplyCubeCheck): string {
  if (isComplete(check.status)) {
    return check.outcome !== undefined
      ? `check outcome ${check.outcome}`
      : `check status ${check.status} without an outcome`;
  }
  return `check status ${check.status}`;
}

/** Newest first by `createdAt`, keeping the list's own order (newest first) where a date is missing. */
export function newestFirst<T extends { createdAt?: string }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const at = a.item.createdAt !== undefined ? Date.parse(a.item.createdAt) : NaN;
      const bt = b.item.createdAt !== undefined ? Date.parse(b.item.createdAt) : NaN;
      if (!Number.isNaN(at) && !Number.isNaN(bt) && at !== bt) return bt - at;
      return a.index - b.index;
    })
    .map(({ item }) => item);
}

/**
 * The check a screening may reuse instead of creating another: the newest of the client's checks of this
 * type that is pending or complete (a failed one is not reused), optionally only those created at or after
 * `createdAtOrAfter` (a re-score must not reuse a check on the data before the update).
 */
export function reusableCheck(
  checks: readonly ComplyCubeCheck[],
  clientId: string,
  type: string,
  createdAtOrAfter?: string,
): ComplyCubeCheck | undefined {
  const since = createdAtOrAfter !== undefined ? Date.parse(createdAtOrAfter) : NaN;
  return newestFirst(checks).find((check) => {
    if (check.clientId !== clientId || check.type !== type) return false;
    if (!isPending(check.status) && !isComplete(check.status)) return false;
    if (Number.isNaN(since)) return true;
    const created = check.createdAt !== undefined ? Date.parse(check.createdAt) : NaN;
    // Without a readable date the check cannot be proven new: not reused.
    return !Number.isNaN(created) && created >= since;
  });
}
