import type { CaClassicSearchEvent } from '../contracts/ca-classic';
import type { CaseDecision } from '../contracts/case-decision';
import type { CoreEvent } from '../contracts/core-banking';
import type { MonitoringCaseReviewInput } from '../contracts/monitoring-case';
import type { ComplyCubeCheckEvent } from '../contracts/screening-provider';

/**
 * What the bridge needs from Temporal, as an interface so the HTTP layer is tested and benchmarked with
 * a stub and runs in production with `createTemporalSignaller`. Every method resolves only once the
 * server has durably accepted the signal; transport trouble is a `TemporalUnavailableError`.
 */
export interface Signaller {
  /**
   * Signals the running `onboarding-<externalIdentifier>` workflow. Never starts one: a webhook for a
   * customer without a running onboarding is `workflow-not-found`.
   */
  signalOnboarding(
    externalIdentifier: string,
    decision: CaseDecision,
  ): Promise<'signalled' | 'workflow-not-found'>;
  /**
   * Signal-with-start of the `monitoring-case-<caseIdentifier>` review. Never re-opens a closed case:
   * if a review for that case already ran to its end, the answer is `case-closed`.
   */
  signalMonitoringCase(
    review: MonitoringCaseReviewInput,
    decision: CaseDecision,
  ): Promise<'signalled' | 'case-closed'>;
  /**
   * Signal-with-start of the check's event inbox, `complycube-check-<checkId>`: a running one gets the
   * signal, and once it has closed (it ends when idle) a new run starts. It dedupes by `eventId` itself.
   */
  signalComplyCubeCheck(event: ComplyCubeCheckEvent): Promise<'signalled'>;
  /**
   * Signal-with-start of the search's event inbox, `ca-classic-search-<account>-<searchId>` (type
   * `caClassicSearchEvents`, input `{searchId, account, externalIdentifier?}` with the event's `clientRef`
   * as the external identifier when it has one): a running inbox gets the `caClassicSearchEvent` signal,
   * and once it has closed a new run starts. It dedupes by `eventId` itself.
   */
  routeCaClassicEvent(account: string, event: CaClassicSearchEvent): Promise<'signalled'>;
  /**
   * Hands one customer of a COS event to the run that owns it, found by its `KycCoreCustomerId` (no
   * database of the bridge's own): a running `coreCustomerOnboarding` gets the `coreEvent` signal
   * (`signalled`); when none runs and the last one ended `CORE_READY`, an OFAC change starts a
   * `coreCustomerReview` of its own, once per event id (`review-started`, also when it already exists).
   * Anything else (an id no run carries, a PEP change of a finished customer, an id that cannot be a COS
   * id) is `not-ours`: the runs' own polls of the customer are the safety net. The runs dedupe by
   * `eventId`, so a repeated call is harmless.
   */
  routeCoreEvent(event: CoreEvent): Promise<'signalled' | 'review-started' | 'not-ours'>;
  /** True when Temporal answers within the readiness deadline. Never throws. */
  isReady(): Promise<boolean>;
}

/** Temporal could not be reached in time: the sender should retry (503). */
export class TemporalUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporalUnavailableError';
  }
}
