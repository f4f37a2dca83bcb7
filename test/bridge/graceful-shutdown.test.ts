/**
 * `npm run bridge` as a process (src/bridge/main.ts) against the real Temporal dev server of this jest
 * run: SIGTERM while a delivery is in flight lets that delivery finish and be acknowledged, refuses new
 * work, and exits 0; its output carries no secret.
 */
import { WEBHOOK_ROUTE } from '../../src/bridge/app';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { onboardCustomer } from '../../src/workflows';
import { startBridgeProcess } from '../../testkit/bridge';
import { freePort, httpStatus, TcpProxy } from '../../testkit/net';
import { waitFor } from '../../testkit/wait';
import { casePayload, newSecret, standardWebhookHeaders } from '../../testkit/webhooks';
import { testConnection, uniqueTaskQueue, type TestConnection } from '../helpers/temporal';
import { externalId } from '../helpers/mesh-sandbox';

let t: TestConnection;
beforeAll(async () => {
  t = await testConnection();
});
afterAll(async () => {
  await t.close();
});

describe('bridge shutdown', () => {
  it('finishes and acknowledges the delivery in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const secret = newSecret();
    // Every connection to "Temporal" waits until `release()`: the bridge's signal is then provably in
    // flight for as long as the test wants.
    const proxy = await TcpProxy.start(t.address, { hold: true });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { proc: bridge } = await startBridgeProcess({
      temporalAddress: proxy.address,
      taskQueue: 'unused',
      port,
      webhookSecret: secret,
      // Longer than the test holds the call, so the answer is the signal's, not a timeout's.
      env: { WEBHOOK_SIGNAL_TIMEOUT: '30s' },
      keepLines: Infinity,
      timeoutMs: 30_000,
    });
    try {
      // A waiting onboarding (no worker needed: the server accepts signals for it all the same).
      const externalIdentifier = externalId('SHUTDOWN');
      const handle = await t.client.workflow.start(onboardCustomer, {
        taskQueue: uniqueTaskQueue('shutdown'),
        workflowId: onboardingWorkflowId(externalIdentifier),
        args: [{ customer: { external_identifier: externalIdentifier } }],
      });

      const body = JSON.stringify(casePayload({ externalIdentifier, decisionType: 'POSITIVE' }));
      const delivery = fetch(`${base}${WEBHOOK_ROUTE}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...standardWebhookHeaders({ secret, body }) },
      });
      await proxy.connected;

      bridge.kill('SIGTERM');
      await waitFor(() => bridge.output().includes('shutting down'), {
        timeoutMs: 10_000,
        description: 'the bridge to start shutting down',
      });
      // New work is refused (503 on a kept-alive socket, or no listener at all) while the old one runs.
      await waitFor(
        async () => {
          const status = await httpStatus(`${base}/healthz`);
          return status === undefined || status === 503;
        },
        { timeoutMs: 10_000, description: 'the bridge to stop taking requests' },
      );
      expect(bridge.running).toBe(true);

      proxy.release();
      const response = await delivery;

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'signalled', workflow: 'onboarding' });
      // Promptly: the answered socket does not hold the shutdown for its keep-alive timeout.
      expect((await bridge.exited).code).toBe(0);
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
        'caseDecision',
      ]);
      expect(bridge.output()).not.toContain(secret);
      await handle.terminate('test finished');
    } finally {
      bridge.kill('SIGKILL');
      await proxy.down();
    }
  });
});
