/**
 * Drill: a storm of duplicate and out-of-order webhooks. The analyst really moves each case through
 * "In Review", for every third case a PARTIAL_POSITIVE (escalated, still waiting), then a final
 * POSITIVE or NEGATIVE. The sandbox's real, signed deliveries are caught before the bridge, then
 * replayed to it all at once: every delivery several times (same webhook-id), shuffled, so decisions
 * overtake "In Review" and CASE_CREATED, and repeats come before and after the originals.
 * Case checks are set to an hour: only webhooks decide. Passes when every run ends in the state its
 * last real decision says and the bridge answered every delivery 2xx.
 */
import { randomInt } from 'node:crypto';
import { WEBHOOK_ROUTE } from '../src/bridge/app';
import { HttpReceiver, pickHeaders, WEBHOOK_HEADERS, type ReceivedRequest } from '../testkit/http-receiver';
import { inPool, waitFor } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';

/** A real delivery of the sandbox, as caught before the bridge: to be replayed byte for byte. */
interface Caught {
  headers: Record<string, string>;
  body: Buffer;
  caseIdentifier: string;
  decisionType: string | null;
}

function caught(request: ReceivedRequest): Caught {
  const parsed = JSON.parse(request.body.toString('utf8')) as {
    case_identifier?: string;
    case_stage?: { decision_type?: string | null };
  };
  return {
    headers: pickHeaders(request.headers, WEBHOOK_HEADERS),
    body: request.body,
    caseIdentifier: parsed.case_identifier ?? '',
    decisionType: parsed.case_stage?.decision_type ?? null,
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export const webhookStorm = defineDrill(
  'webhook-storm',
  'a storm of duplicate and out-of-order webhooks',
  async ({ report, size, startStack }) => {
    // Stands where the bridge would be: answers every delivery 200 and keeps it, signed headers and exact bytes.
    const front = await HttpReceiver.start({ path: WEBHOOK_ROUTE });
    try {
      const stack = await startStack({
        sandbox: { webhookUrls: [front.url] },
        // Only webhooks decide; a PARTIAL_POSITIVE escalates and keeps the run waiting for the final decision.
        workerEnv: { REVIEW_POLL_INTERVAL: '1h', PARTIAL_POSITIVE_POLICY: 'escalate' },
      });
      await stack.startWorker();
      await stack.startBridge();
      const planned = onboardings.plan('ws', size(40, 12), ['match']);
      const finalOf = (i: number) => (i % 2 === 0 ? 'POSITIVE' : 'NEGATIVE');
      report.step(`starting ${planned.length} onboardings that need review (case checks only after 1 h)`);
      const cases = await onboardings.startForReview(stack, planned);

      let transitions = 0;
      await inPool(planned, 5, async (p, i) => {
        const caseIdentifier = cases.get(p.externalIdentifier)!;
        await stack.control.transitionCase(caseIdentifier, 'IN_REVIEW');
        if (i % 3 === 0) await stack.control.decideCase(caseIdentifier, 'PARTIAL_POSITIVE');
        await stack.control.decideCase(caseIdentifier, finalOf(i));
        transitions += i % 3 === 0 ? 3 : 2;
      });
      const expectedDeliveries = planned.length + transitions; // CASE_CREATED + CASE_TRANSITIONED each
      await waitFor(() => front.received.length >= expectedDeliveries, {
        description: `${expectedDeliveries} deliveries caught`,
        timeoutMs: 30_000,
        intervalMs: 200,
        signal: stack.signal,
      });
      const real = front.received.map(caught);
      report.step(
        `analyst made ${transitions} transitions; ${real.length} real deliveries caught before the bridge`,
      );

      const copies = size(5, 3);
      const storm = shuffle(real.flatMap((d) => Array.from({ length: copies }, () => d)));
      const answers: { status: number; duplicate: boolean }[] = [];
      const stormAt = Date.now();
      await inPool(storm, 20, async (d) => {
        const response = await fetch(`${stack.bridgeUrl}${WEBHOOK_ROUTE}`, {
          method: 'POST',
          headers: d.headers,
          body: d.body,
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await response.json().catch(() => ({}))) as { duplicate?: boolean };
        answers.push({ status: response.status, duplicate: body.duplicate === true });
      });
      const stormMs = Date.now() - stormAt;
      report.step(
        `storm: ${storm.length} deliveries (${copies} copies each, shuffled, 20 at a time) in ${stormMs} ms`,
      );

      await onboardings.waitForAllClosed(stack, planned.length, 60_000);
      report.step('all onboardings closed');

      const results = await onboardings.outcomes(stack, planned);
      const wrong = planned.filter(
        (p, i) => results.get(p.externalIdentifier)?.status?.state !== onboardings.DECISION_STATE[finalOf(i)],
      );
      const notOk = answers.filter((a) => a.status < 200 || a.status >= 300);
      const duplicates = answers.filter((a) => a.duplicate).length;
      const decisionBeforeReview = planned.filter((p) => {
        const caseIdentifier = cases.get(p.externalIdentifier);
        const order = storm.filter((d) => d.caseIdentifier === caseIdentifier);
        const firstFinal = order.findIndex(
          (d) => d.decisionType === 'POSITIVE' || d.decisionType === 'NEGATIVE',
        );
        const firstOther = order.findIndex(
          (d) => d.decisionType !== 'POSITIVE' && d.decisionType !== 'NEGATIVE',
        );
        return firstFinal >= 0 && firstFinal < firstOther;
      }).length;

      report.note('onboardings', planned.length);
      report.note('realDeliveries', real.length);
      report.note('stormDeliveries', storm.length);
      report.note('stormMs', stormMs);
      report.note('answeredDuplicate', duplicates);
      report.note('runsWhoseFinalDecisionCameFirst', decisionBeforeReview);

      report.check(
        'every run ends in the state its last real decision says',
        wrong.length === 0,
        `${countOf(planned.length - wrong.length, planned.length)}; wrong: ${sample(wrong.map((p) => `${p.externalIdentifier}=${results.get(p.externalIdentifier)?.status?.state ?? results.get(p.externalIdentifier)?.failure ?? '?'}`))}`,
      );
      report.check(
        'the bridge answered every delivery 2xx',
        notOk.length === 0,
        `${countOf(answers.length - notOk.length, answers.length)} 2xx (${duplicates} recognised as repeats); others: ${sample(notOk.map((a) => String(a.status)))}`,
      );
      report.check(
        'the storm really was out of order',
        decisionBeforeReview > 0,
        `in ${decisionBeforeReview} of ${planned.length} cases the final decision arrived before an earlier stage`,
      );
      onboardings.checkWorkerTerms(report, stack, results);
    } finally {
      await front.close();
    }
  },
);

if (require.main === module) runStandalone(webhookStorm);
