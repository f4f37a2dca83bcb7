/**
 * Drill: tenants and the fail-closed screening failover (docs/adr/0010-tenants-and-fail-closed-failover.md)
 * with the real worker, bridge and sandboxes. One worker serves two tenants from a TENANTS_FILE: `a` is
 * screened by Mesh alone, `b` by ComplyAdvantage classic on an account of its own (its own API key
 * variable, its own queue `<queue>-ca-classic-b` and budget) with Mesh as its fallback.
 * 1. Side by side: clean applicants of both tenants at once; each is screened by its tenant's provider,
 *    and the CA sandbox's request log shows the pace tenant b's account was called at, beside its budget.
 * 2. Primary down: one create at CA loses its answer after CA made the (monitored) search, then CA answers
 *    every call 503; tenant b's applicants fall back to Mesh after `failoverAfter`, each leaving a
 *    `reconcileAbandonedScreening` run; once CA is back these finish and CA monitors none of them.
 * 3. Both down: CA and Mesh answer 503; the runs wait in SCREENING flagged `KycProviderOutage`, never
 *    approved; Mesh comes back and they are approved, the flag cleared.
 */
import { kycProviderOutage } from '../src/contracts/search-attributes';
import { onboardingWorkflowId, reconcileWorkflowId } from '../src/contracts/workflow-ids';
import type { OnboardingStatus } from '../src/contracts/onboarding';
import { waitFor } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';
import { DRILL_CA_CLASSIC } from './support/stack';
import {
  enteredAt,
  longestScreeningCallMs,
  requestRate,
  startForTenant,
  statusesOf,
  waitForReconciliations,
} from './support/tenants';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const maxOf = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values));

const TENANT_B_WEBHOOK_TOKEN = 'drill-tenant-b-ca-classic-webhook-token';

export const tenantFailover = defineDrill(
  'tenant-failover',
  'two tenants on one worker; the primary down (fallback, reconciliation), then every provider down',
  async ({ report, size, startStack }) => {
    // Counts queueing: the short form leaves a loaded 2-core CI machine room (5 s failed one applicant over once).
    const failoverAfterMs = size(15_000, 8_000);
    const budgetPerMinute = 240;
    const stack = await startStack({
      tenants: {
        defaultTenant: 'a',
        tenants: {
          a: { primary: 'mesh', failoverAfter: `${failoverAfterMs / 1000}s` },
          b: {
            primary: 'ca-classic',
            fallbacks: ['mesh'],
            failoverAfter: `${failoverAfterMs / 1000}s`,
            env: {
              CA_CLASSIC_API_KEY: 'TENANT_B_CA_CLASSIC_API_KEY',
              CA_CLASSIC_RATE_LIMIT_PER_MINUTE: 'TENANT_B_CA_RATE',
              CA_CLASSIC_WEBHOOK_TOKEN: 'TENANT_B_CA_CLASSIC_WEBHOOK_TOKEN',
            },
          },
        },
        values: {
          // The sandbox is one account: tenant b's key is its key (the worker's own account holds it too).
          TENANT_B_CA_CLASSIC_API_KEY: DRILL_CA_CLASSIC.apiKey,
          TENANT_B_CA_RATE: String(budgetPerMinute),
          TENANT_B_CA_CLASSIC_WEBHOOK_TOKEN: TENANT_B_WEBHOOK_TOKEN,
        },
        // The sandbox stands for tenant b's account: its events come under b's token.
        caClassicWebhookToken: TENANT_B_WEBHOOK_TOKEN,
      },
    });
    await Promise.all([stack.startWorker(), stack.startBridge()]);
    const ca = stack.caClassic;
    report.note('failoverAfterMs', failoverAfterMs);
    report.note('tenantBBudgetPerMinute', budgetPerMinute);

    // ---- 1. Two tenants side by side ----------------------------------------------------------------
    const perTenant = size(20, 6);
    const planA = onboardings.plan('tfa', perTenant, ['clean']);
    const planB = onboardings.plan('tfb', perTenant, ['clean']);
    const sideBySideAt = Date.now();
    await Promise.all([startForTenant(stack, planA, 'a'), startForTenant(stack, planB, 'b')]);
    report.step(
      `${perTenant} applicants of tenant a (Mesh) and ${perTenant} of tenant b (CA classic, own account, ${budgetPerMinute}/min, fallback Mesh after ${seconds(failoverAfterMs)}) started together`,
    );
    await onboardings.waitForAllClosed(stack, 2 * perTenant, 90_000);
    const sideBySideMs = Date.now() - sideBySideAt;
    report.step(`all ${2 * perTenant} closed after ${seconds(sideBySideMs)}`);
    const [resultsA, resultsB, caRequests, searchesA, searchesB, meshA, meshB, tenantCountA, tenantCountB] =
      await Promise.all([
        onboardings.outcomes(stack, planA),
        onboardings.outcomes(stack, planB),
        ca.requests(),
        Promise.all(planA.map((p) => ca.searchesOf(p.externalIdentifier))),
        Promise.all(planB.map((p) => ca.searchesOf(p.externalIdentifier))),
        Promise.all(planA.map((p) => stack.control.customers(p.externalIdentifier))),
        Promise.all(planB.map((p) => stack.control.customers(p.externalIdentifier))),
        onboardings.countRuns(stack, 'KycTenant = "a"'),
        onboardings.countRuns(stack, 'KycTenant = "b"'),
      ]);
    // How close each tenant's calls came to the window (queueing behind the account's budget included).
    const [longestA, longestB] = await Promise.all(
      [planA, planB].map(async (planned) =>
        maxOf(
          await Promise.all(
            planned.map((p) => longestScreeningCallMs(stack, onboardingWorkflowId(p.externalIdentifier))),
          ),
        ),
      ),
    );
    // Only tenant b's account calls CA in this phase: every request of the log since its start is b's.
    const rate = requestRate(caRequests.map((r) => Date.parse(r.at)).filter((at) => at >= sideBySideAt));
    const wrongA = planA.filter((p) => {
      const s = resultsA.get(p.externalIdentifier)?.status;
      const chain = s?.terms?.screeningChain ?? [];
      return (
        s?.state !== 'APPROVED' ||
        s.tenant !== 'a' ||
        s.screening?.provider !== 'mesh' ||
        chain.length !== 1 ||
        chain[0]?.provider !== 'mesh' ||
        chain[0]?.account !== 'default'
      );
    });
    const wrongB = planB.filter((p) => {
      const s = resultsB.get(p.externalIdentifier)?.status;
      const chain = s?.terms?.screeningChain ?? [];
      return (
        s?.state !== 'APPROVED' ||
        s.tenant !== 'b' ||
        s.screening?.provider !== 'ca-classic' ||
        s.failover?.screenedBy !== 'ca-classic' ||
        s.failover.giveUps !== 0 ||
        chain.map((l) => `${l.provider}/${l.account}`).join(',') !== 'ca-classic/b,mesh/default' ||
        s.terms?.failoverAfterMs !== failoverAfterMs
      );
    });
    const describe = (s: OnboardingStatus | undefined): string =>
      s === undefined
        ? '?'
        : `${s.state}/${s.tenant ?? '-'}/${s.screening?.provider ?? '-'}/${s.failover?.giveUps ?? '-'}`;
    report.note('sideBySideClosedMs', sideBySideMs);
    report.note('longestMeshCallTenantAMs', longestA!);
    report.note('longestCaCallTenantBMs', longestB!);
    report.note('tenantBCaRequests', rate.requests);
    report.note('tenantBCaPerMinute', Math.round(rate.perMinute));
    report.note('tenantBCaBusiest10s', rate.busiestWindow);
    report.check(
      'tenant a: every applicant APPROVED, screened by Mesh alone',
      wrongA.length === 0 && tenantCountA === perTenant,
      `${countOf(perTenant - wrongA.length, perTenant)} APPROVED with status.tenant a, screened by mesh (chain mesh/default), longest call ${seconds(longestA!)}; KycTenant="a" counts ${tenantCountA}; other: ${sample(wrongA.map((p) => `${p.externalIdentifier}=${describe(resultsA.get(p.externalIdentifier)?.status)}`))}`,
    );
    report.check(
      'tenant b: every applicant APPROVED, screened by CA classic on its own account',
      wrongB.length === 0 && tenantCountB === perTenant,
      `${countOf(perTenant - wrongB.length, perTenant)} APPROVED with status.tenant b, screened by ca-classic without a give-up (chain ca-classic/b, mesh/default), longest call ${seconds(longestB!)} of the ${seconds(failoverAfterMs)} window (queueing included); KycTenant="b" counts ${tenantCountB}; other: ${sample(wrongB.map((p) => `${p.externalIdentifier}=${describe(resultsB.get(p.externalIdentifier)?.status)}`))}`,
    );
    const bOneMonitored = searchesB.filter((s) => s.length === 1 && s[0]!.is_monitored).length;
    const aAtCa = searchesA.filter((s) => s.length > 0).length;
    const aAtMesh = meshA.filter((c) => c.length === 1).length;
    const bAtMesh = meshB.filter((c) => c.length > 0).length;
    report.check(
      "each tenant's customers only at its own provider",
      bOneMonitored === perTenant && aAtCa === 0 && aAtMesh === perTenant && bAtMesh === 0,
      `CA holds one monitored search for ${countOf(bOneMonitored, perTenant)} of tenant b's and none for ${aAtCa === 0 ? 'any' : `${aAtCa} (!)`} of tenant a's; Mesh holds one customer for ${countOf(aAtMesh, perTenant)} of tenant a's and ${bAtMesh} of tenant b's`,
    );
    // Not a timing assertion: the queue's server-side limit paces dispatch, the count shows the budget was kept.
    const burstMargin = 10;
    report.check(
      "tenant b's CA account kept within its budget",
      rate.requests > 0 && rate.busiestWindow <= budgetPerMinute / 6 + burstMargin,
      `${rate.requests} requests in ${seconds(rate.spanMs)}: ${Math.round(rate.perMinute)}/min over the burst (budget ${budgetPerMinute}/min, ${(budgetPerMinute / 60).toFixed(1)}/s), busiest 10 s ${rate.busiestWindow} (budget ${budgetPerMinute / 6} + ${burstMargin} burst margin)`,
    );

    // ---- 2. The primary down ------------------------------------------------------------------------
    // A create that CA does, monitored (an account whose searches all start monitored), whose answer is lost:
    // a search at CA the run never learns of. CA is down before the attempt's retry (2 s later) reaches it.
    const planLost = onboardings.plan('tfl', 1, ['clean']);
    const lostId = planLost[0]!.externalIdentifier;
    await ca.settings({ monitorNewSearches: true });
    await ca.addFault({ kind: 'lost-response', count: 1, match: { method: 'POST', path: '^/searches$' } });
    const startedLost = await startForTenant(stack, planLost, 'b');
    await waitFor(async () => (await ca.faults()).find((f) => f.kind === 'lost-response')?.applied === 1, {
      description: "the lost answer of the first applicant's search",
      timeoutMs: 20_000,
      intervalMs: 50,
      signal: stack.signal,
    });
    await ca.addFault({ kind: 'down', status: 503 });
    const caDownAt = Date.now();
    const downCount = size(8, 4);
    const planDown = onboardings.plan('tfd', downCount, ['clean']);
    const [startedDown, lostSearchBefore] = await Promise.all([
      startForTenant(stack, planDown, 'b'),
      ca.searchesOf(lostId),
      ca.settings({ monitorNewSearches: false }),
    ]);
    const planPhase2 = [...planLost, ...planDown];
    const startedPhase2 = new Map([...startedLost, ...startedDown]);
    report.step(
      `CA made a search and lost its answer (search ${lostSearchBefore.map((s) => `${s.id}, monitored ${s.is_monitored}`).join('; ') || 'none'}); CA down (503); ${downCount} more tenant-b applicants started`,
    );
    await onboardings.waitForAllClosed(
      stack,
      2 * perTenant + planPhase2.length,
      4 * failoverAfterMs + 60_000,
    );
    const [results2, caStats2, caFaults2] = await Promise.all([
      onboardings.outcomes(stack, planPhase2),
      ca.stats(),
      ca.faults(),
    ]);
    // Every run is past CA: it may come back, and the reconciliations find what it holds.
    await ca.clearFaults();
    const caBackAt = Date.now();
    const lostApplied = caFaults2.find((f) => f.kind === 'lost-response')?.applied ?? 0;
    const downInjected = caStats2.faultsInjected['down'] ?? 0;
    const fellBackAfter: number[] = [];
    const approvedAfter2: number[] = [];
    const wrong2 = planPhase2.filter((p) => {
      const s = results2.get(p.externalIdentifier)?.status;
      const startedAt = startedPhase2.get(p.externalIdentifier)!;
      const gaveUp = s?.failover?.unavailable.find((u) => u.provider === 'ca-classic')?.at;
      if (gaveUp !== undefined) fellBackAfter.push(Date.parse(gaveUp) - startedAt);
      const approved = enteredAt(s, 'APPROVED');
      if (approved !== undefined) approvedAfter2.push(approved - startedAt);
      return (
        s?.state !== 'APPROVED' ||
        s.tenant !== 'b' ||
        s.screening?.provider !== 'mesh' ||
        s.failover?.screenedBy !== 'mesh' ||
        s.failover.giveUps < 1 ||
        s.failover.outage ||
        !(s.failover.reconciliations ?? []).some(
          (r) =>
            r.provider === 'ca-classic' &&
            r.workflowId === reconcileWorkflowId(p.externalIdentifier, 'ca-classic'),
        )
      );
    });
    report.step(
      `all ${planPhase2.length} closed: CA given up on ${seconds(maxOf(fellBackAfter))} after start at most, approved by Mesh after ${seconds(maxOf(approvedAfter2))} at most; CA back after ${seconds(caBackAt - caDownAt)} down (${downInjected} × 503)`,
    );
    const reconcileIds2 = planPhase2.map((p) => reconcileWorkflowId(p.externalIdentifier, 'ca-classic'));
    const reconciliations2 = await waitForReconciliations(stack, reconcileIds2, size(150_000, 90_000));
    const reconciledAfter = maxOf(
      [...reconciliations2.values()].map((r) => (r.closedAt ?? Number.NaN) - caBackAt),
    );
    report.step(`the reconciliations closed ${seconds(reconciledAfter)} after CA came back at most`);
    const searches2 = await Promise.all(planPhase2.map((p) => ca.searchesOf(p.externalIdentifier)));
    const lostSearches = searches2[0]!;
    const monitoredAtCa = planPhase2.filter((_, i) => searches2[i]!.some((s) => s.is_monitored));
    const othersWithSearch = planDown.filter((_, i) => searches2[i + 1]!.length > 0);
    const reconcileOf = (id: string) => reconciliations2.get(reconcileWorkflowId(id, 'ca-classic'));
    const lostReconcile = reconcileOf(lostId);
    const wrongReconcile = planPhase2.filter((p) => {
      const r = reconcileOf(p.externalIdentifier);
      if (r?.state !== 'COMPLETED') return true;
      return p.externalIdentifier === lostId
        ? r.result?.found !== true || r.result.monitoringSwitchedOff !== true
        : r.result?.found !== false;
    });
    const othersFound = planDown.map((p) => String(reconcileOf(p.externalIdentifier)?.result?.found));

    report.note('fellBackAfterMaxMs', maxOf(fellBackAfter));
    report.note('approvedByFallbackAfterMaxMs', maxOf(approvedAfter2));
    report.note('reconciledAfterCaBackMaxMs', reconciledAfter);
    report.check(
      'the primary really failed',
      lostApplied === 1 &&
        downInjected > 0 &&
        lostSearchBefore.length === 1 &&
        lostSearchBefore[0]!.is_monitored,
      `${lostApplied} create done by CA and its answer lost (search ${lostSearchBefore[0]?.id ?? 'missing'}, monitored ${lostSearchBefore[0]?.is_monitored ?? '-'}), then ${downInjected} × 503 while down`,
    );
    report.check(
      'primary down: every tenant-b applicant APPROVED by the fallback, with a reconciliation',
      wrong2.length === 0,
      `${countOf(planPhase2.length - wrong2.length, planPhase2.length)} APPROVED, screenedBy mesh after ≥ 1 give-up on ca-classic, outage false, screening-reconcile-ca-classic-<id> listed; CA given up on ${seconds(maxOf(fellBackAfter))} after start at most (a provider is given up on after the whole ${seconds(failoverAfterMs)} window without an answer), approved ${seconds(maxOf(approvedAfter2))} after start at most; other: ${sample(wrong2.map((p) => `${p.externalIdentifier}=${describe(results2.get(p.externalIdentifier)?.status)}`))}`,
    );
    report.check(
      'reconciliations: all finished once CA was back; the abandoned search unmonitored, nothing else at CA',
      wrongReconcile.length === 0 &&
        monitoredAtCa.length === 0 &&
        lostSearches.length === 1 &&
        othersWithSearch.length === 0,
      `${countOf(planPhase2.length - wrongReconcile.length, planPhase2.length)} COMPLETED as expected, the last ${seconds(reconciledAfter)} after CA came back; the lost create's: "${lostReconcile?.result?.reason ?? lostReconcile?.state ?? '?'}", its search now ${lostSearches.map((s) => `${s.id}, monitored ${s.is_monitored}`).join('; ') || 'gone'}; the others found: ${sample(othersFound, 2)}; searches still monitored at CA: ${sample(monitoredAtCa.map((p) => p.externalIdentifier))}; searches of the others: ${othersWithSearch.length}; not as expected: ${sample(wrongReconcile.map((p) => `${p.externalIdentifier}=${reconcileOf(p.externalIdentifier)?.state ?? '?'}/found ${String(reconcileOf(p.externalIdentifier)?.result?.found)}`))}`,
    );

    // ---- 3. Every provider down ---------------------------------------------------------------------
    await Promise.all([
      ca.addFault({ kind: 'down', status: 503 }),
      stack.control.addFault({ kind: 'server-error', status: 503 }),
    ]);
    const bothDownAt = Date.now();
    const outageCount = size(5, 3);
    const planOutage = onboardings.plan('tfo', outageCount, ['clean']);
    const startedOutage = await startForTenant(stack, planOutage, 'b');
    report.step(`CA and Mesh down (503); ${outageCount} tenant-b applicants started`);
    const flagged = `KycTenant = "b" AND ${kycProviderOutage.name} = true`;
    await waitFor(async () => (await onboardings.countRuns(stack, flagged)) >= outageCount, {
      description: `${outageCount} runs flagged ${kycProviderOutage.name}`,
      timeoutMs: 4 * failoverAfterMs + 30_000,
      intervalMs: 250,
      signal: stack.signal,
    });
    const flaggedAfterMs = Date.now() - bothDownAt;
    const [during, approvedDuring] = await Promise.all([
      statusesOf(stack, planOutage),
      onboardings.countRuns(stack, 'KycTenant = "b" AND KycOnboardingState = "APPROVED"'),
    ]);
    const outageSinceAfter = planOutage.map(
      (p) =>
        Date.parse(during.get(p.externalIdentifier)?.failover?.outageSince ?? '') -
        startedOutage.get(p.externalIdentifier)!,
    );
    const notWaiting = planOutage.filter((p) => {
      const s = during.get(p.externalIdentifier);
      return (
        s?.state !== 'SCREENING' || s.failover?.outage !== true || enteredAt(s, 'APPROVED') !== undefined
      );
    });
    // The outage ends: both answer again. The runs, in their second round, ask CA first (a window twice as long).
    const [caStats3, meshStats3] = await Promise.all([ca.stats(), stack.control.stats()]);
    await Promise.all([ca.clearFaults(), stack.control.clearFaults()]);
    const backAt = Date.now();
    report.step(
      `all ${outageCount} flagged ${kycProviderOutage.name}=true ${seconds(flaggedAfterMs)} after both went down (status.failover.outage ${seconds(maxOf(outageSinceAfter))} after start at most); both back`,
    );
    await onboardings.waitForAllClosed(
      stack,
      2 * perTenant + planPhase2.length + outageCount,
      8 * failoverAfterMs + 60_000,
    );
    const results3 = await onboardings.outcomes(stack, planOutage);
    const recoveredAfter = planOutage.map(
      (p) => (enteredAt(results3.get(p.externalIdentifier)?.status, 'APPROVED') ?? Number.NaN) - backAt,
    );
    const stillFlagged = await waitFor(async () => (await onboardings.countRuns(stack, flagged)) === 0, {
      description: `no run flagged ${kycProviderOutage.name}`,
      timeoutMs: 5_000,
      intervalMs: 250,
      signal: stack.signal,
    }).then(
      () => 0,
      async () => onboardings.countRuns(stack, flagged),
    );
    const wrong3 = planOutage.filter((p) => {
      const s = results3.get(p.externalIdentifier)?.status;
      const approved = enteredAt(s, 'APPROVED');
      return (
        s?.state !== 'APPROVED' ||
        s.failover?.screenedBy === undefined ||
        s.failover.outage ||
        s.failover.outageSince === undefined ||
        approved === undefined ||
        approved < backAt
      );
    });
    const screenedBy3 = planOutage.map(
      (p) => results3.get(p.externalIdentifier)?.status?.failover?.screenedBy ?? '?',
    );
    report.step(`all ${outageCount} closed ${seconds(maxOf(recoveredAfter))} after the outage ended`);
    // The provider each run gave up on and was not screened by is reconciled (Mesh here: CA screened).
    const reconcileIds3 = planOutage.flatMap((p) =>
      (results3.get(p.externalIdentifier)?.status?.failover?.reconciliations ?? []).map((r) => r.workflowId),
    );
    const reconciliations3 = await waitForReconciliations(stack, reconcileIds3, 30_000);
    const notReconciled3 = [...reconciliations3.values()].filter((r) => r.state !== 'COMPLETED');
    const meshDown =
      (meshStats3['faultsInjected'] as Record<string, number> | undefined)?.['server-error'] ?? 0;
    const caDown3 = (caStats3.faultsInjected['down'] ?? 0) - downInjected;

    report.note('outageFlaggedAfterMs', flaggedAfterMs);
    report.note('outageSinceAfterStartMaxMs', maxOf(outageSinceAfter));
    report.note('approvedAfterOutageMaxMs', maxOf(recoveredAfter));
    report.check(
      'every provider down: the runs wait in SCREENING flagged as an outage, never approved',
      notWaiting.length === 0 &&
        approvedDuring === perTenant + planPhase2.length &&
        meshDown > 0 &&
        caDown3 > 0,
      `${countOf(outageCount - notWaiting.length, outageCount)} in SCREENING with status.failover.outage and ${kycProviderOutage.name}=true, all flagged ${seconds(flaggedAfterMs)} after both went down (CA given up on, then Mesh, each after a ${seconds(failoverAfterMs)} window without an answer: outageSince ${seconds(maxOf(outageSinceAfter))} after start at most); ${approvedDuring - perTenant - planPhase2.length} of them APPROVED meanwhile; ${caDown3} × 503 from CA, ${meshDown} from Mesh; other: ${sample(notWaiting.map((p) => `${p.externalIdentifier}=${describe(during.get(p.externalIdentifier))}`))}`,
    );
    report.check(
      'after the outage: every run APPROVED, the flag cleared, the provider given up on reconciled',
      wrong3.length === 0 && stillFlagged === 0 && reconcileIds3.length > 0 && notReconciled3.length === 0,
      `${countOf(outageCount - wrong3.length, outageCount)} APPROVED only after the outage ended, ${seconds(maxOf(recoveredAfter))} after it at most, screened by ${sample([...new Set(screenedBy3)])}; status.failover.outage false, ${stillFlagged} still flagged ${kycProviderOutage.name}; ${countOf(reconcileIds3.length - notReconciled3.length, reconcileIds3.length)} reconciliations COMPLETED (${sample(
        [...reconciliations3.values()].map(
          (r) => `${r.workflowId.replace(/-tfo-.*$/, '')}: found ${String(r.result?.found ?? r.state)}`,
        ),
        1,
      )}); other: ${sample(wrong3.map((p) => `${p.externalIdentifier}=${describe(results3.get(p.externalIdentifier)?.status)}`))}`,
    );
  },
);

if (require.main === module) runStandalone(tenantFailover);
