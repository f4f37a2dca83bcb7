/**
 * Drill: the Temporal dev server is stopped for a minute (short form: 10 s) while onboardings wait for
 * review, then started again on its SQLite file. Meanwhile the analyst decides every case: the first half
 * right after the stop (the sender's retries run out during the outage and it gives up), the second half
 * shortly before the restart (a retry lands after it). Signed probe webhooks hit the bridge all along.
 * Passes when the bridge answered every probe during the outage with 503 within 1 s and never with a
 * 2xx, no run was lost, every run ends as its decision says, and the decisions the sender gave up on
 * were found by the runs' own case checks.
 */
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { SANDBOX_DEV_WEBHOOK_SECRET } from '../src/sandbox/mesh';
import { delay, inPool } from '../testkit/wait';
import { casePayload, standardWebhookHeaders } from '../testkit/webhooks';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';

interface ProbeAnswer {
  sentAt: number;
  ms: number;
  /** The HTTP status, or 0 when no answer came (connection refused, reset, 10 s timeout). */
  status: number;
}

/**
 * Sends one signed, valid webhook the way Mesh would: a CASE_TRANSITIONED for a real onboarding's case,
 * moved to a stage without a decision, so even an accepted probe changes no outcome.
 */
async function sendProbe(
  bridgeUrl: string,
  externalIdentifier: string,
  caseIdentifier: string,
): Promise<ProbeAnswer> {
  const body = JSON.stringify(
    casePayload({ caseIdentifier, externalIdentifier, customerIdentifier: 'cust_probe', decisionType: null }),
  );
  const headers = standardWebhookHeaders({ secret: SANDBOX_DEV_WEBHOOK_SECRET, body });
  const sentAt = Date.now();
  try {
    const response = await fetch(`${bridgeUrl}${WEBHOOK_ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return { sentAt, ms: Date.now() - sentAt, status: response.status };
  } catch {
    return { sentAt, ms: Date.now() - sentAt, status: 0 };
  }
}

export const temporalOutage = defineDrill(
  'temporal-outage',
  'Temporal dev server stopped while onboardings wait for review, restarted on its SQLite file',
  async ({ report, opts, size, startStack }) => {
    const outageMs = size(60_000, 10_000);
    // The sender's real schedule (1 s, 5 s, 10 s) outlasts a 10 s outage; the short form scales it down
    // so the "sender gave up" path is still exercised.
    const retryDelaysMs = opts.short ? [1_000, 2_000, 3_000] : [1_000, 5_000, 10_000];
    const retrySpanMs = retryDelaysMs.reduce((a, b) => a + b, 0);
    // Case checks every 5 s: they must find the decisions whose webhooks the sender gave up on.
    const stack = await startStack({
      sandbox: { webhookRetryDelaysMs: retryDelaysMs },
      workerEnv: { REVIEW_POLL_INTERVAL: '5s' },
    });
    await stack.control.settings({ webhookRetryDelaysMs: retryDelaysMs });
    await stack.startWorker();
    await stack.startBridge();

    const planned = onboardings.plan('to', size(40, 10), ['match']);
    const decisionOf = (i: number) => (i % 2 === 0 ? 'POSITIVE' : 'NEGATIVE');
    report.step(`starting ${planned.length} onboardings that need review (case checks every 5 s)`);
    const cases = await onboardings.startForReview(stack, planned);
    report.step(`${planned.length} awaiting review, ${cases.size} cases open`);

    // Probes all along the outage, one every 200 ms.
    const first = planned[0]!;
    const probes: ProbeAnswer[] = [];
    let probing = true;
    let upAt = Number.POSITIVE_INFINITY;
    // Probes run until the bridge accepts one after the restart: that is when webhooks flow again (or the
    // drill is over, however it ends).
    const prober = (async () => {
      while (probing && stack.open) {
        const answer = await sendProbe(
          stack.bridgeUrl,
          first.externalIdentifier,
          cases.get(first.externalIdentifier)!,
        );
        probes.push(answer);
        if (answer.sentAt >= upAt && answer.status === 200) break;
        await delay(200);
      }
    })();

    const stop = await stack.temporal.stop('SIGTERM');
    const downAt = Date.now();
    report.step(
      `Temporal stopped (SIGTERM, exited in ${stop.ms} ms${stop.forced ? ', had to SIGKILL' : ''}); outage of ${outageMs / 1000} s`,
    );

    const half = Math.ceil(planned.length / 2);
    const decide = (list: typeof planned, offset: number) =>
      inPool(list, 5, async (p, i) => {
        await stack.control.decideCase(cases.get(p.externalIdentifier)!, decisionOf(offset + i));
      });
    await decide(planned.slice(0, half), 0);
    report.step(`analyst decided ${half} cases (their webhooks will run out of retries during the outage)`);
    // The rest late in the outage, so the sender's last retry comes after the restart.
    await delay(Math.max(0, outageMs - retrySpanMs / 2 - (Date.now() - downAt)), undefined, {
      signal: stack.signal,
    });
    await decide(planned.slice(half), half);
    report.step(`analyst decided ${planned.length - half} more cases`);
    await delay(Math.max(0, outageMs - (Date.now() - downAt)), undefined, { signal: stack.signal });

    upAt = Date.now();
    const startMs = await stack.restartTemporal();
    const restartedAt = Date.now();
    report.step(
      `Temporal restarted on ${stack.temporal.dbFile} in ${startMs} ms after ${((upAt - downAt) / 1000).toFixed(1)} s down`,
    );

    await onboardings.waitForAllClosed(stack, planned.length, 120_000);
    const closedAt = Date.now();
    await Promise.race([prober, delay(60_000)]);
    probing = false;
    await prober;
    const firstAccepted = probes.find((p) => p.sentAt >= upAt && p.status === 200);
    const bridgeBackMs =
      firstAccepted === undefined ? -1 : firstAccepted.sentAt + firstAccepted.ms - restartedAt;
    report.step(
      firstAccepted === undefined
        ? 'the bridge accepted no probe within 60 s of the restart'
        : `the bridge accepted webhooks again ${bridgeBackMs} ms after Temporal was back`,
    );
    report.step(`all onboardings closed ${((closedAt - upAt) / 1000).toFixed(1)} s after the restart`);

    // ---- Checks ----------------------------------------------------------------------------------
    const during = probes.filter((p) => p.sentAt >= downAt && p.sentAt + p.ms <= upAt);
    const falseOk = during.filter((p) => p.status >= 200 && p.status < 300).length;
    const not503 = during.filter((p) => p.status !== 503);
    const maxMs = Math.max(0, ...during.map((p) => p.ms));
    const log = await stack.control.deliveries();
    const transitioned = log.filter((e) => e.type === 'CASE_TRANSITIONED');
    const deliveredWhileDown = transitioned.filter((e) => {
      const at = Date.parse(e.at);
      return e.outcome === 'delivered' && at >= downAt && at < upAt;
    }).length;
    const gaveUpCases = new Set(
      transitioned.filter((e) => e.outcome === 'gave-up').map((e) => e.caseIdentifier),
    );
    const deliveredCases = new Set(
      transitioned.filter((e) => e.outcome === 'delivered').map((e) => e.caseIdentifier),
    );
    const results = await onboardings.outcomes(stack, planned);
    const wrong = planned.filter(
      (p, i) =>
        results.get(p.externalIdentifier)?.status?.state !== onboardings.DECISION_STATE[decisionOf(i)],
    );
    const gaveUp = planned.filter((p) => gaveUpCases.has(cases.get(p.externalIdentifier)));
    const notByCaseCheck = gaveUp.filter(
      (p) => results.get(p.externalIdentifier)?.status?.decision?.source !== 'case-check',
    );
    const bySource = (source: string) =>
      [...results.values()].filter((r) => r.status?.decision?.source === source).length;

    report.note('outageSeconds', Math.round((upAt - downAt) / 100) / 10);
    report.note('probesDuringOutage', during.length);
    report.note('probe503MaxMs', maxMs);
    report.note('false2xx', falseOk + deliveredWhileDown);
    report.note('decisionsGivenUpBySender', gaveUp.length);
    report.note(
      'decisionsDeliveredAfterRestart',
      planned.filter((p) => deliveredCases.has(cases.get(p.externalIdentifier))).length,
    );
    report.note('appliedViaWebhook', bySource('webhook'));
    report.note('appliedViaCaseCheck', bySource('case-check'));
    report.note('bridgeAcceptingAgainMsAfterRestart', bridgeBackMs);
    report.note('secondsFromRestartToAllComplete', Math.round((closedAt - upAt) / 100) / 10);

    report.check(
      'bridge answered 503 within 1 s while Temporal was down',
      during.length > 0 && not503.length === 0 && maxMs <= 1_000,
      `${during.length} probes, ${not503.length} not 503 (${sample(not503.map((p) => String(p.status)))}), max ${maxMs} ms`,
    );
    report.check(
      'never a false 2xx',
      falseOk === 0 && deliveredWhileDown === 0,
      `${falseOk} probes and ${deliveredWhileDown} sandbox deliveries got a 2xx while Temporal was down`,
    );
    report.check(
      'none lost: every run ends as its decision says',
      wrong.length === 0,
      `${countOf(planned.length - wrong.length, planned.length)} as decided; wrong: ${sample(wrong.map((p) => `${p.externalIdentifier}=${results.get(p.externalIdentifier)?.status?.state ?? results.get(p.externalIdentifier)?.failure ?? '?'}`))}`,
    );
    report.check(
      'decisions the sender gave up on were recovered by case checks',
      gaveUp.length > 0 && notByCaseCheck.length === 0,
      `${gaveUp.length} given up by the sender, ${gaveUp.length - notByCaseCheck.length} applied via case check; via webhook ${bySource('webhook')}, via case check ${bySource('case-check')}`,
    );
    report.check(
      'worker and bridge rode out the outage',
      stack.worker?.running === true && stack.bridge?.running === true && firstAccepted !== undefined,
      `worker ${stack.worker?.running ? 'running' : `exited ${JSON.stringify(stack.worker?.exitStatus)}`}, bridge ${stack.bridge?.running ? 'running' : `exited ${JSON.stringify(stack.bridge?.exitStatus)}`}, accepting again ${bridgeBackMs} ms after the restart`,
    );
    onboardings.checkWorkerTerms(report, stack, results);
  },
);

if (require.main === module) runStandalone(temporalOutage);
