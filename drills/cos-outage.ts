/**
 * Drill (issue 14): the bank's core (COS) is down while approved customers must be created in it. Clean
 * applicants with an address and a phone are onboarded while every COS API call answers 503 and, for the
 * first half of the window, its identity server refuses tokens too. When the outage ends, a third of the
 * POSTs still lose their answer after COS did the work (retries after partial success meet COS's
 * idempotency replay), some event deliveries are dropped, and one registration is suspended after four
 * failed deliveries (the worker's webhook watch restarts it, src/worker/cos-webhook-watch.ts). Passes when every onboarding ends
 * APPROVED, every `core-customer-<id>` run ends CORE_READY, and COS holds exactly one customer per
 * onboarding with exactly one address and one phone each.
 */
import { CORE_OFAC_CHANGED, CORE_PEP_CHANGED } from '../src/contracts/core-banking';
import { delay, waitFor } from '../testkit/wait';
import * as core from './support/core';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';
import { DRILL_COS } from './support/stack';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const cosOutage = defineDrill(
  'cos-outage',
  'COS (core banking) down and refusing tokens, then losing answers and deliveries',
  async ({ report, size, startStack }) => {
    const stack = await startStack({ core: true });
    // Independent of each other: started together, the drill's set-up costs one start, not two.
    await Promise.all([stack.startWorker(), stack.startBridge()]);
    const planned = onboardings.plan('cos', size(30, 8), ['clean']);
    const outageMs = size(30_000, 10_000);
    const tokenRefusedMs = outageMs / 2;
    const lossMs = size(20_000, 10_000);

    // The outage. COS's identity server is another host: it refuses for the first half of the window,
    // while every API call answers 503 throughout (a token fetched in the second half meets only 503s).
    const tokensExpired = await stack.cos.expireTokens();
    await stack.cos.addFault({ kind: 'down', status: 503 });
    await stack.cos.addFault({ kind: 'token-refused' });
    const outageAt = Date.now();
    report.step(
      `COS down (503) for ${seconds(outageMs)}, tokens refused for the first ${seconds(tokenRefusedMs)}; starting ${planned.length} onboardings (core polls every ${DRILL_COS.pollInterval})`,
    );
    await onboardings.startOnboardings(stack, planned, { withContact: true });
    await onboardings.waitForAllClosed(stack, planned.length, outageMs + 60_000);
    const approvedAfterMs = Date.now() - outageAt;
    report.step(`all ${planned.length} onboardings closed ${seconds(approvedAfterMs)} into the outage`);

    await delay(Math.max(0, outageAt + tokenRefusedMs - Date.now()), undefined, { signal: stack.signal });
    // Only the token refusal ends: the faults are cleared and the outage set again at once. While tokens were
    // refused no call could carry one, so none reached the API in between.
    await stack.cos.clearFaults();
    await stack.cos.addFault({ kind: 'down', status: 503 });
    report.step('tokens issued again; COS still down');

    await delay(Math.max(0, outageAt + outageMs - Date.now()), undefined, { signal: stack.signal });
    const creatingAtEnd = await core.countCoreRuns(stack, 'KycCoreState = "CORE_CREATING"');
    const customersDuringOutage = (await stack.cos.customers()).length;
    await stack.cos.clearFaults();
    const faults = [
      { kind: 'lost-response', probability: 0.3, match: { method: 'POST', path: '^/core/v1/cm/customers' } },
      // Ofac events: the first is dropped (a handful of batches may otherwise lose none), then 30 %.
      { kind: 'drop-webhook', count: 1, match: { eventName: CORE_OFAC_CHANGED } },
      { kind: 'drop-webhook', probability: 0.3, match: { eventName: CORE_OFAC_CHANGED } },
      // PepScan events: the first fails all four attempts, so COS suspends that registration; its events
      // queue until the operator restarts it after the loss window. A run whose Ofac event was dropped
      // meanwhile learns its scans from its own poll.
      { kind: 'fail-webhook', status: 503, count: 4, match: { eventName: CORE_PEP_CHANGED } },
    ] as const;
    for (const fault of faults) await stack.cos.addFault(fault);
    const outageEndedAt = Date.now();
    report.step(
      `outage over (${creatingAtEnd} core runs waiting in CORE_CREATING, ${customersDuringOutage} COS customers); for ${seconds(lossMs)}: 30 % of POSTs lose their answer, Ofac deliveries dropped (the first, then 30 %), the first PepScan event fails 4×`,
    );

    await delay(lossMs, undefined, { signal: stack.signal });
    const lossFaults = await stack.cos.faults();
    await stack.cos.clearFaults();
    report.step(
      'lost answers and dropped deliveries over; the worker restarts the suspended registration (every CORE_POLL_INTERVAL)',
    );

    await core.waitForCoreClosed(stack, planned.length, size(180_000, 90_000));
    // The suspended registration may still be on its last failed attempts, or just restarted with events
    // queued: the keeper stays until every registration is Active with nothing waiting.
    await waitFor(
      async () =>
        (await stack.cos.deliveries()).some((d) => d.outcome === 'suspended') &&
        (await stack.cos.registrations()).every((r) => r.state === 'Active' && r.queued === 0),
      {
        description: 'the suspended registration restarted',
        timeoutMs: 15_000,
        intervalMs: 250,
        signal: stack.signal,
      },
    ).catch(() => undefined);
    report.step(
      `all core-customer runs closed ${seconds(Date.now() - outageEndedAt)} after the outage ended`,
    );

    const results = await onboardings.outcomes(stack, planned);
    const notApproved = planned.filter(
      (p) => results.get(p.externalIdentifier)?.status?.state !== 'APPROVED',
    );
    const cores = await core.coreOutcomes(stack, planned);
    const notReady = [...cores.values()].filter((c) => c.status?.state !== 'CORE_READY');
    const held = await core.coreCustomerCount(stack, cores);
    const stats = await stack.cos.stats();
    const requests = await stack.cos.requests();
    const deliveries = await stack.cos.deliveries();
    const registrations = await stack.cos.registrations();

    // Recovery: from the end of the outage to the first write COS accepted, to the last run with its
    // customer, address and phone created (CORE_SCANNING), and to the last run CORE_READY.
    const firstWriteAt = requests
      .filter(
        (r) => r.method === 'POST' && r.status >= 200 && r.status < 300 && !r.path.startsWith('/connect'),
      )
      .map((r) => Date.parse(r.at))
      .filter((at) => at >= outageEndedAt)
      .sort((a, b) => a - b)[0];
    const lastOf = (state: 'CORE_SCANNING' | 'CORE_READY') =>
      Math.max(...[...cores.values()].map((c) => core.enteredAt(c.status, state) ?? Number.NaN));
    const createdAfterMs = lastOf('CORE_SCANNING') - outageEndedAt;
    const readyAfterMs = lastOf('CORE_READY') - outageEndedAt;
    const apiDuringOutage = requests.filter(
      (r) =>
        !r.path.startsWith('/connect') &&
        Date.parse(r.at) >= outageAt &&
        Date.parse(r.at) < outageEndedAt &&
        r.status !== 503,
    ).length;
    const lost = requests.filter((r) => r.lost).length;
    const replayed = requests.filter((r) => r.replayed).length;
    const attempts = deliveries.filter((d) => d.attempt > 0);
    const failedDeliveries = attempts.filter(
      (d) => d.outcome === 'failed' || d.outcome === 'suspended',
    ).length;
    const suspensions = deliveries.filter((d) => d.outcome === 'suspended').length;
    const dropped = deliveries.filter((d) => d.outcome === 'dropped').length;
    const byEvent = [...cores.values()].filter((c) => (c.status?.eventsSeen ?? 0) > 0).length;
    const injected = stats.faultsInjected;
    // An Ofac event that reaches the bridge after its run ended CORE_READY (the run read the scans first)
    // starts a coreCustomerReview, as a rescan's would: it must read the customer and change nothing.
    const reviews = await core.coreReviews(stack);
    const reviewsNotReady = reviews.filter((r) => r.state !== 'CORE_READY');
    const lostApplied = lossFaults.find((f) => f.kind === 'lost-response')?.applied ?? 0;

    report.note('onboardings', planned.length);
    report.note('outageMs', outageMs);
    report.note('tokensExpiredAtStart', tokensExpired);
    for (const [kind, n] of Object.entries(injected)) report.note(`injected.${kind}`, n);
    report.note('coreRunsCreatingAtOutageEnd', creatingAtEnd);
    report.note(
      'firstWriteAfterOutageMs',
      firstWriteAt === undefined ? 'none' : firstWriteAt - outageEndedAt,
    );
    report.note('allCreatedAfterOutageMs', createdAfterMs);
    report.note('allReadyAfterOutageMs', readyAfterMs);
    report.note('lostAnswers', lost);
    report.note('replays', replayed);
    report.note('deliveryAttempts', attempts.length);
    report.note('deliveriesFailed', failedDeliveries);
    report.note('deliveriesDropped', dropped);
    report.note('registrationsSuspended', suspensions);
    report.note('runsToldByEvent', byEvent);
    report.note('cosCustomers', held.total);
    report.note('coreReviewsStarted', reviews.length);

    report.check(
      'the outage and the faults were really injected',
      // Tokens refused only if a worker had to fetch one: a token held from before the outage meets 503s only.
      (injected['down'] ?? 0) > 0 &&
        lostApplied > 0 &&
        dropped > 0 &&
        suspensions > 0 &&
        apiDuringOutage === 0 &&
        customersDuringOutage === 0,
      `${injected['down'] ?? 0} × 503, ${injected['token-refused'] ?? 0} tokens refused, ${apiDuringOutage} API calls answered otherwise during the outage, ${customersDuringOutage} COS customers at its end (${creatingAtEnd} runs waiting); then ${lostApplied} lost answers, ${dropped} deliveries dropped, ${suspensions} registration suspended`,
    );
    report.check(
      'every onboarding ends APPROVED (COS is not in its way)',
      notApproved.length === 0,
      `${countOf(planned.length - notApproved.length, planned.length)}, all closed ${seconds(approvedAfterMs)} into the ${seconds(outageMs)} outage; other: ${sample(notApproved.map((p) => `${p.externalIdentifier}=${results.get(p.externalIdentifier)?.status?.state ?? results.get(p.externalIdentifier)?.failure ?? '?'}`))}`,
    );
    report.check(
      'every core-customer run ends CORE_READY',
      notReady.length === 0,
      `${countOf(cores.size - notReady.length, cores.size)}; ${byEvent} told by an event, ${cores.size - byEvent} only by their own poll; other: ${sample(notReady.map((c) => `${c.workflowId}=${c.status?.state ?? c.failure ?? '?'}${c.running ? ' (running)' : ''}`))}`,
    );
    report.check(
      'late Ofac events changed nothing',
      reviewsNotReady.length === 0,
      `${reviews.length} coreCustomerReview runs started by an Ofac event that came after its run ended CORE_READY, ${countOf(reviews.length - reviewsNotReady.length, reviews.length)} ended CORE_READY; other: ${sample(reviewsNotReady.map((r) => `${r.workflowId}=${r.state}`))}`,
    );
    report.check(
      'COS holds one customer per onboarding, one address and one phone each',
      held.total === planned.length &&
        held.unknown.length === 0 &&
        held.orphans.length === 0 &&
        held.shared.length === 0 &&
        held.notOneEach.length === 0,
      `${held.total} customers, ${held.addresses} addresses, ${held.phones} phones for ${planned.length} onboardings; ${lost} answers lost, ${replayed} replayed by idempotency key; runs naming no COS customer: ${sample(held.unknown)}; customers no run names: ${sample(held.orphans)}; not one address and phone: ${sample(held.notOneEach)}`,
    );
    report.check(
      'recovered after the outage',
      firstWriteAt !== undefined && Number.isFinite(createdAfterMs) && Number.isFinite(readyAfterMs),
      `first write accepted ${firstWriteAt === undefined ? 'never' : seconds(firstWriteAt - outageEndedAt)} after the outage ended, every customer with address and phone after ${seconds(createdAfterMs)}, every run CORE_READY after ${seconds(readyAfterMs)}`,
    );
    report.check(
      'deliveries: failed ones retried, a suspended registration restarted by the worker',
      suspensions > 0 && registrations.every((r) => r.state === 'Active' && r.queued === 0),
      `${attempts.length} delivery attempts, ${failedDeliveries} failed, ${dropped} events dropped; ${suspensions} suspension(s); registrations now ${registrations.map((r) => `${r.state} (${r.queued} queued)`).join(', ')}`,
    );
    onboardings.checkWorkerTerms(report, stack, results);
  },
);

if (require.main === module) runStandalone(cosOutage);
