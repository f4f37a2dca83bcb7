/**
 * Drill: the worker is SIGKILLed in the middle of screening and started again. Screenings are slowed
 * down (0.5-2.5 s per create-and-screen) so some are in flight when the process dies: their customers
 * may be created by Mesh with nobody left to hear the answer. After the restart, the attempts time out
 * (30 s) and retry; a duplicate external identifier must recover the customer created first.
 * Passes when every onboarding completes in the state its screening says and each external identifier
 * has exactly one Mesh customer, the one its run reports.
 */
import { waitFor } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import { checkOfficer, expectedUnlessRejected, startOfficer } from './support/officer';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';

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

    // Which attempts are running right now: these are the ones the kill cuts off.
    let inFlight = 0;
    for (const p of planned) {
      const d = await stack.client.workflow.getHandle(`onboarding-${p.externalIdentifier}`).describe();
      inFlight += d.raw.pendingActivities?.filter((a) => Number(a.state) === 2).length ?? 0; // 2 = STARTED
    }
    const createdAtKill = await createdSoFar();
    stack.worker?.kill('SIGKILL');
    const killedAt = Date.now();
    await stack.worker?.exited;
    report.step(
      `worker SIGKILLed with ${createdAtKill}/${planned.length} customers created, ${inFlight} screenings in flight`,
    );
    report.note('onboardings', planned.length);
    report.note('screeningsInFlightAtKill', inFlight);

    await stack.startWorker();
    await onboardings.waitForAllClosed(stack, planned.length, 120_000);
    await officer.stop();
    const recoveryMs = Date.now() - killedAt;
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
