import { decideUpdate, statusQuery } from '../../src/contracts/onboarding';
import type { onboardCustomer } from '../../src/workflows';
import { delay } from '../../testkit/wait';
import type { Outcome } from './onboardings';
import { sample, type DrillReport } from './report';
import type { Stack } from './stack';

/** What the drill's compliance officer did: the runs it rejected through the `decide` Update. */
export interface Officer {
  rejected: Set<string>;
  stop(): Promise<void>;
}

/**
 * The compliance officer of the fail-closed rule (docs/workflow.md): when a create-and-screen answer is
 * lost (a fault, a killed worker, Temporal down when the activity completes), the retry meets the
 * customer as a duplicate, and where the first screening cannot be read back the run is never approved
 * on a guess: it waits in review with no case. Once such a run has waited `graceMs` without a case (its
 * case checks would have found one Mesh was still creating), the officer rejects it with the `decide`
 * Update (APPROVE stays refused while a case may appear). So a clean applicant whose answer was lost ends
 * REJECTED by an officer: fail closed, as the product promises.
 */
export function startOfficer(stack: Stack, graceMs = 15_000): Officer {
  const rejected = new Set<string>();
  const since = new Map<string, number>();
  let stopped = false;
  const review = async () => {
    const waiting = stack.client.workflow.list({
      query: `WorkflowType = "onboardCustomer" AND TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Running" AND KycOnboardingState = "AWAITING_REVIEW"`,
    });
    for await (const run of waiting) {
      const handle = stack.client.workflow.getHandle<typeof onboardCustomer>(run.workflowId);
      const status = await handle.query(statusQuery);
      if (status.recoveredFromDuplicate !== true || status.case !== undefined) continue;
      const first = since.get(run.workflowId) ?? Date.now();
      since.set(run.workflowId, first);
      if (Date.now() - first < graceMs) continue;
      await handle.executeUpdate(decideUpdate, {
        args: [
          {
            outcome: 'REJECT',
            actor: 'drill-officer',
            reason: 'first screening unreadable after a duplicate, and no case appeared',
          },
        ],
      });
      rejected.add(status.externalIdentifier);
    }
  };
  const loop = (async () => {
    while (!stopped && stack.open) {
      // Temporal may be down on purpose (temporal-outage): the officer simply looks again later.
      await review().catch(() => undefined);
      await delay(1_000).catch(() => undefined);
    }
  })();
  return {
    rejected,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The checks that go with `startOfficer`. The drills run the sandbox's default duplicate answer
 * (`errored-200`: the customer only, no screening to read back), so a run that recovered its customer
 * from a duplicate can be APPROVED only through its case, decided by the analyst: one APPROVED with no
 * case was approved on a guess (the recovery inferred "no profiles"). And every run the officer rejected
 * ended REJECTED with its decision recorded.
 */
export function checkOfficer(report: DrillReport, officer: Officer, results: Map<string, Outcome>): void {
  const recovered = [...results.values()].filter((r) => r.status?.recoveredFromDuplicate === true);
  const guessed = recovered.filter((r) => r.status?.state === 'APPROVED' && r.status.case === undefined);
  report.check(
    'no run that recovered its customer from a duplicate was approved without its case',
    guessed.length === 0,
    `${recovered.length} recovered, ${recovered.length - guessed.length} ended by a case decision, the officer or a rejection; approved with no case: ${sample(guessed.map((r) => r.externalIdentifier))}`,
  );
  const wrong = [...officer.rejected].filter((id) => {
    const status = results.get(id)?.status;
    return status?.state !== 'REJECTED' || status.officerDecision?.outcome !== 'REJECT';
  });
  report.check(
    'runs left in review with no case after a duplicate end REJECTED by the officer',
    wrong.length === 0,
    `${officer.rejected.size} escalated with no case and rejected by the officer; not REJECTED by it: ${sample(wrong)}`,
  );
}

/** The state a run must end in: REJECTED where the officer rejected it, else what `expected` says. */
export function expectedUnlessRejected(
  officer: Officer,
  externalIdentifier: string,
  expected: string | undefined,
): string | undefined {
  return officer.rejected.has(externalIdentifier) ? 'REJECTED' : expected;
}
