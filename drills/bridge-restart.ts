/**
 * Drill: the analyst decides a stream of cases while the bridge is killed (SIGKILL, a crash) and later
 * stopped (SIGTERM, a deploy) and started again each time. Deliveries that meet a dead or closing bridge
 * get no answer or a non-2xx; the sandbox retries them (1 s, 5 s, 10 s, same webhook-id). The runs' own
 * case checks are set to an hour, so every decision must arrive by webhook.
 * Passes when every run ends as decided, via webhook, and every delivery that failed was retried and applied.
 */
import { delay } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';

export const bridgeRestart = defineDrill(
  'bridge-restart',
  'the bridge restarted while webhooks arrive',
  async ({ report, size, startStack }) => {
    // Case checks only after an hour: every decision must arrive by webhook.
    const stack = await startStack({ workerEnv: { REVIEW_POLL_INTERVAL: '1h' } });
    await stack.startWorker();
    await stack.startBridge();
    const planned = onboardings.plan('br', size(40, 12), ['match']);
    const decisionOf = (i: number) => (i % 3 === 2 ? 'NEGATIVE' : 'POSITIVE');
    report.step(`starting ${planned.length} onboardings that need review (case checks only after 1 h)`);
    const cases = await onboardings.startForReview(stack, planned);

    const gapMs = size(200, 150);
    const killAt = Math.floor(planned.length / 3);
    const termAt = Math.floor((2 * planned.length) / 3);
    // The restarts run beside the decisions; one that fails fails the drill where it is awaited, never
    // as an unhandled rejection meanwhile.
    let restarts: Promise<void> = Promise.resolve();
    const restart = (step: () => Promise<void>) => {
      restarts = restarts.then(step);
      void restarts.catch(() => undefined);
    };
    let termExit = '';
    report.step(`analyst decides ${planned.length} cases, one every ${gapMs} ms`);
    for (const [i, p] of planned.entries()) {
      if (i === killAt) {
        const bridge = stack.bridge!;
        bridge.kill('SIGKILL');
        report.step(`bridge ${bridge.pid} SIGKILLed after ${i} decisions`);
        restart(async () => {
          await bridge.exited;
          await stack.startBridge();
        });
      }
      if (i === termAt) {
        await restarts;
        const bridge = stack.bridge!;
        report.step(`bridge ${bridge.pid} sent SIGTERM after ${i} decisions`);
        restart(async () => {
          const { code, signal, ms } = await bridge.stop('SIGTERM', 20_000);
          termExit = `${signal ?? `code ${String(code)}`} after ${ms} ms`;
          await stack.startBridge();
        });
      }
      await stack.control.decideCase(cases.get(p.externalIdentifier)!, decisionOf(i));
      await delay(gapMs, undefined, { signal: stack.signal });
    }
    await restarts;
    await onboardings.waitForAllClosed(stack, planned.length, 60_000);
    report.step('all onboardings closed');

    const results = await onboardings.outcomes(stack, planned);
    const wrong = planned.filter(
      (p, i) =>
        results.get(p.externalIdentifier)?.status?.state !== onboardings.DECISION_STATE[decisionOf(i)],
    );
    const notWebhook = planned.filter(
      (p) => results.get(p.externalIdentifier)?.status?.decision?.source !== 'webhook',
    );
    const log = (await stack.control.deliveries()).filter((e) => e.type === 'CASE_TRANSITIONED');
    const failedIds = new Set(log.filter((e) => e.outcome === 'failed').map((e) => e.webhookId));
    const deliveredIds = new Set(log.filter((e) => e.outcome === 'delivered').map((e) => e.webhookId));
    const gaveUp = log.filter((e) => e.outcome === 'gave-up').length;
    const retriedAndDelivered = [...failedIds].filter((id) => deliveredIds.has(id)).length;
    const failedAttempts = log.filter((e) => e.outcome === 'failed');
    const refused = failedAttempts.filter((e) => e.status === undefined).length;

    report.note('decisions', planned.length);
    report.note('deliveriesWithFailedAttempt', failedIds.size);
    report.note('failedAttemptsNoAnswer', refused);
    report.note('failedAttemptsNon2xx', failedAttempts.length - refused);
    report.note('retriedAndApplied', retriedAndDelivered);
    report.note('sigtermExit', termExit);

    report.check(
      'the restarts hit deliveries',
      failedIds.size > 0,
      `${failedIds.size} decisions met a dead or closing bridge (${refused} attempts unanswered, ${failedAttempts.length - refused} non-2xx)`,
    );
    report.check(
      'every failed delivery was retried by the sandbox and applied',
      retriedAndDelivered === failedIds.size && gaveUp === 0,
      `${countOf(retriedAndDelivered, failedIds.size)} delivered on a retry, ${gaveUp} given up`,
    );
    report.check(
      'every run ends as decided, via webhook',
      wrong.length === 0 && notWebhook.length === 0,
      `${countOf(planned.length - wrong.length, planned.length)} as decided, ${notWebhook.length} not via webhook: ${sample(notWebhook.map((p) => p.externalIdentifier))}`,
    );
    report.check('SIGTERM stopped the bridge cleanly', termExit.startsWith('code 0'), `exit ${termExit}`);
    onboardings.checkWorkerTerms(report, stack, results);
  },
);

if (require.main === module) runStandalone(bridgeRestart);
