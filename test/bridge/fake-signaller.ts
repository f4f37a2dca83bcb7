import type { CaClassicSearchEvent } from '../../src/contracts/ca-classic';
import type { CaseDecision } from '../../src/contracts/case-decision';
import type { CoreEvent } from '../../src/contracts/core-banking';
import type { MonitoringCaseReviewInput } from '../../src/contracts/monitoring-case';
import type { ComplyCubeCheckEvent } from '../../src/contracts/screening-provider';
import { TemporalUnavailableError, type Signaller } from '../../src/bridge/signaller';

export type SignalCall =
  | { kind: 'onboarding'; externalIdentifier: string; decision: CaseDecision }
  | { kind: 'monitoring'; review: MonitoringCaseReviewInput; decision: CaseDecision };

/**
 * A typed stand-in for Temporal: records every signal, and answers from a script. `unavailable` makes
 * the next N calls fail the way an unreachable server does.
 */
export class FakeSignaller implements Signaller {
  readonly calls: SignalCall[] = [];
  /** The ComplyCube check events signalled, apart from `calls` (which hold Mesh case decisions only). */
  readonly complyCubeCalls: ComplyCubeCheckEvent[] = [];
  /** The CA-classic search events routed, with the account of the token they came with. */
  readonly caClassicCalls: { account: string; event: CaClassicSearchEvent }[] = [];
  /** The COS customers handed over (`routeCoreEvent`), in the order they were, whatever the answer. */
  readonly coreCalls: CoreEvent[] = [];
  /** The answer per COS customer id; absent: `signalled`. */
  coreAnswers = new Map<string, 'signalled' | 'review-started' | 'not-ours'>();
  /** Customers visibility does not know yet: `not-ours` this many times first, then `coreAnswers`. */
  coreMissesFirst = new Map<string, number>();
  /** COS customer ids whose routing fails as an unreachable server does, every time. */
  coreUnavailable = new Set<string>();
  /** The most `routeCoreEvent` calls that were in flight at once. */
  coreMaxInFlight = 0;
  private coreInFlight = 0;
  runningOnboardings = new Set<string>();
  closedCases = new Set<string>();
  unavailable = 0;
  ready = true;
  /** Resolved by the test to let a held signal complete (for concurrency tests). */
  hold: Promise<void> | undefined;

  private async transport(): Promise<void> {
    if (this.hold !== undefined) await this.hold;
    if (this.unavailable > 0) {
      this.unavailable -= 1;
      throw new TemporalUnavailableError('Temporal unavailable during signal (gRPC UNAVAILABLE)');
    }
  }

  async signalOnboarding(externalIdentifier: string, decision: CaseDecision) {
    await this.transport();
    if (!this.runningOnboardings.has(externalIdentifier)) return 'workflow-not-found' as const;
    this.calls.push({ kind: 'onboarding', externalIdentifier, decision });
    return 'signalled' as const;
  }

  async signalMonitoringCase(review: MonitoringCaseReviewInput, decision: CaseDecision) {
    await this.transport();
    if (this.closedCases.has(review.caseIdentifier)) return 'case-closed' as const;
    this.calls.push({ kind: 'monitoring', review, decision });
    return 'signalled' as const;
  }

  async signalComplyCubeCheck(event: ComplyCubeCheckEvent) {
    await this.transport();
    this.complyCubeCalls.push(event);
    return 'signalled' as const;
  }

  async routeCaClassicEvent(account: string, event: CaClassicSearchEvent) {
    await this.transport();
    this.caClassicCalls.push({ account, event });
    return 'signalled' as const;
  }

  async routeCoreEvent(event: CoreEvent) {
    this.coreInFlight += 1;
    this.coreMaxInFlight = Math.max(this.coreMaxInFlight, this.coreInFlight);
    try {
      await this.transport();
      // A turn of the event loop, so calls of one event overlap as they do against a server.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.coreUnavailable.has(event.coreCustomerId)) {
        throw new TemporalUnavailableError('Temporal unavailable during list (gRPC UNAVAILABLE)');
      }
      this.coreCalls.push(event);
      const misses = this.coreMissesFirst.get(event.coreCustomerId) ?? 0;
      if (misses > 0) {
        this.coreMissesFirst.set(event.coreCustomerId, misses - 1);
        return 'not-ours' as const;
      }
      return this.coreAnswers.get(event.coreCustomerId) ?? ('signalled' as const);
    } finally {
      this.coreInFlight -= 1;
    }
  }

  isReady() {
    return Promise.resolve(this.ready);
  }
}
