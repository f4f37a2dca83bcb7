import type { CaseDecision } from '../../src/contracts/case-decision';
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

  isReady() {
    return Promise.resolve(this.ready);
  }
}
