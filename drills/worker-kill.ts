/**
 * Drill: the worker is SIGKILLed in the middle of screening and started again. Screenings are slowed
 * down (0.5-2.5 s per create-and-screen) so some are in flight when the process dies: their customers
 * may be created by Mesh with nobody left to hear the answer. After the restart, the attempts time out
 * (30 s) and retry; a duplicate external identifier must recover the customer created first.
 * Passes when every onboarding completes in the state its screening says, each external identifier
 * has exactly one Mesh customer, the one its run reports, and every run open at the kill made progress
 * on the new worker within 30 s of the kill (its history, read by `resumptionAfterKill`).
 */
import { onboardingWorkflowId } from '../src/contracts/workflow-ids';
import { distribution } from '../testkit/stats';
import { inPool, waitFor } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import { resumptionAfterKill, type ResumeCause, type Resumption } from './support/history';
import { checkOfficer, expectedUnlessRejected, startOfficer } from './support/officer';
import * as onboardings from './support/onboardings';
import { countOf, sample, type DrillReport } from './support/report';
import type { Stack } from './support/stack';

/**
 * Issue 12: a crash costs seconds, not minutes. Every run the killed worker left behind must be going
 * again within this time of the kill (docs/drills.md).
 */
const RESUME_GOAL_MS = 30_000;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Reads every run's history after the kill and checks that each run still open at the kill resumed
 * within RESUME_GOAL_MS; prints and keeps the count, the p95 and the max, and how many were held by what.
 */
async function checkResumed(
  report: DrillReport,
  stack: Stack,
  externalIdentifiers: readonly string[],
  killedAt: number,
  killedPid: number,
): Promise<void> {
  const runs: Resumption[] = [];
  await inPool(externalIdentifiers, 10, async (id) => {
    const r = await resumptionAfterKill(stack, onboardingWorkflowId(id), killedAt, killedPid);
    if (r !== undefined) runs.push(r);
  });
  const latencies = runs.flatMap((r) => (r.resumedAfterMs === undefined ? [] : [r.resumedAfterMs]));
  const { p95, max } = distribution(latencies);
  const byCause = new Map<ResumeCause, { count: number; latest: number | undefined }>();
  for (const r of runs) {
    const c = byCause.get(r.cause) ?? { count: 0, latest: 0 };
    const latest =
      c.latest === undefined || r.resumedAfterMs === undefined
        ? undefined
        : Math.max(c.latest, r.resumedAfterMs);
    byCause.set(r.cause, { count: c.count + 1, latest });
  }
  const causes = [...byCause]
    .map(
      ([cause, c]) =>
        `${c.count} ${cause} (${c.latest === undefined ? 'not all resumed' : `max ${seconds(c.latest)}`})`,
    )
    .join(', ');
  const late = runs.filter((r) => r.resumedAfterMs === undefined || r.resumedAfterMs > RESUME_GOAL_MS);
  const summary =
    runs.length === 0
      ? 'no run was open at the kill'
      : `${latencies.length}/${runs.length} runs open at the kill resumed` +
        (latencies.length === 0 ? '' : `, after max ${seconds(max)}, p95 ${seconds(p95)}`);
  report.step(`${summary}${causes === '' ? '' : `; held by: ${causes}`}`);
  report.note('runsOpenAtKill', runs.length);
  report.note('runsResumed', latencies.length);
  if (latencies.length > 0) {
    report.note('resumeMaxSeconds', Math.round(max / 100) / 10);
    report.note('resumeP95Seconds', Math.round(p95 / 100) / 10);
  }
  for (const [cause, c] of byCause) report.note(`runsHeldBy ${cause}`, c.count);
  report.check(
    `every run open at the kill resumed within ${seconds(RESUME_GOAL_MS)}`,
    runs.length > 0 && late.length === 0,
    `${summary}; later or not at all: ${sample(
      late.map(
        (r) =>
          `${r.workflowId} ${r.resumedAfterMs === undefined ? 'not resumed' : seconds(r.resumedAfterMs)} (${r.cause})`,
      ),
    )}`,
  );
}

export const workerKill = defineDrill(
  'worker-kill',
  'worker SIGKILLed in the middle of screening, restarted',
  async ({ report, size, startStack }) => {
    // A retried create-and-screen is treated as a duplicate (the guide's 409 behaviour, not the reference's
    // idempotent replay), so a customer created by a killed attempt must be recovered, not re-created.
    const stack = await startStack({ bridge: false, sandbox: { identicalRetry: 'duplicate' } });
    const planned = onboardings.plan('wk', size(60, 12), ['clean', 'clean', 'clean', 'prohibited']);
    await stack.control.addFault({
      kind: 'latency',
      latencyMs: { min: 500, max: 2500 },
      match: { path: 'create-and-screen' },
    });
    await stack.startWorker();
    report.step(`starting ${planned.length} onboardings (create-and-screen slowed to 0.5-2.5 s)`);
    await onboardings.startOnboardings(stack, planned);
    const officer = startOfficer(stack);

    const ids = new Set(planned.map((p) => p.externalIdentifier));
    const createdSoFar = async () =>
      (await stack.control.customers()).filter((c) => ids.has(c.external_identifier)).length;
    const killAfter = Math.ceil(planned.length / 3);
    await waitFor(async () => (await createdSoFar()) >= killAfter, {
      description: `${killAfter} customers created`,
      timeoutMs: 60_000,
      intervalMs: 50,
      retryErrors: false,
      signal: stack.signal,
    });

    // Which attempts are running right now: these are the ones the kill cuts off. Read all at once: one
    // after the other took seconds on a busy machine, and the kill then met few or no screenings.
    const inFlight = (await onboardings.activitiesInFlight(stack, planned)).running.length;
    const createdAtKill = await createdSoFar();
    const killed = stack.worker!;
    killed.kill('SIGKILL');
    const killedAt = Date.now();
    await killed.exited;
    report.step(
      `worker SIGKILLed with ${createdAtKill}/${planned.length} customers created, ${inFlight} screenings in flight`,
    );
    report.note('onboardings', planned.length);
    report.note('screeningsInFlightAtKill', inFlight);

    await stack.startWorker();
    // A run still stuck (e.g. on the dead worker's sticky queue) fails the wait: the resume check then
    // names it and what holds it before the drill ends.
    const stuck = await onboardings.waitForAllClosed(stack, planned.length, 120_000).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const recoveryMs = Date.now() - killedAt;
    stack.signal.throwIfAborted();
    await checkResumed(report, stack, [...ids], killedAt, killed.pid);
    if (stuck !== undefined) throw stuck;
    await officer.stop();
    report.step(`all onboardings closed ${(recoveryMs / 1000).toFixed(1)} s after the kill`);
    report.note('secondsFromKillToAllComplete', Math.round(recoveryMs / 100) / 10);

    const results = await onboardings.outcomes(stack, planned);
    const wrong = planned.filter(
      (p) =>
        results.get(p.externalIdentifier)?.status?.state !==
        expectedUnlessRejected(officer, p.externalIdentifier, onboardings.expectedWithoutReview(p.applicant)),
    );
    const recovered = [...results.values()].filter((r) => r.status?.recoveredFromDuplicate === true).length;
    const customers = await onboardings.customerCount(stack, planned, results);
    report.note('recoveredFromDuplicate', recovered);
    report.note('customers', customers.total);

    report.check(
      'every onboarding completed as its screening says',
      wrong.length === 0,
      `completed ${countOf(planned.length - wrong.length, planned.length)}; wrong or unfinished: ${sample(wrong.map((p) => `${p.externalIdentifier}=${results.get(p.externalIdentifier)?.status?.state ?? results.get(p.externalIdentifier)?.failure ?? '?'}`))}`,
    );
    report.check(
      'one Mesh customer per external identifier',
      customers.notOne.length === 0 && customers.total === planned.length,
      `${customers.total} customers for ${planned.length} identifiers; not exactly one: ${sample(customers.notOne)}`,
    );
    report.check(
      'each run reports the customer Mesh holds',
      customers.mismatched.length === 0,
      `mismatched ${customers.mismatched.length}; ${recovered} recovered a customer an earlier (killed) attempt created`,
    );
    report.check(
      'the kill hit screenings in flight',
      inFlight > 0,
      `${inFlight} create-and-screen attempts were running when the worker died`,
    );
    checkOfficer(report, officer, results);
    onboardings.checkWorkerTerms(report, stack, results);
  },
);

if (require.main === module) runStandalone(workerKill);
