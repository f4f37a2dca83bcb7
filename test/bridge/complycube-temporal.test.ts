/**
 * The ComplyCube signal-with-start of the Temporal signaller against the real dev server of this jest run
 * (test/global-setup.ts). No worker polls the task queue: the runs stay open and their histories show
 * exactly what the bridge asked the server for (workflow type, ID, task queue, input, signal).
 */
import { createHmac } from 'node:crypto';
import { buildBridge, COMPLYCUBE_WEBHOOK_ROUTE } from '../../src/bridge/app';
import { createBridgeLogger } from '../../src/bridge/logger';
import { TemporalUnavailableError } from '../../src/bridge/signaller';
import {
  COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE,
  complyCubeCheckEventSignal,
  complyCubeCheckEventWorkflowId,
  type ComplyCubeCheckEvent,
} from '../../src/contracts/screening-provider';
import { Secret } from '../../src/platform/config/secret';
import { newSecret } from '../../testkit/webhooks';
import { temporalProbes, withUnreachableSignaller } from '../helpers/temporal-signaller';
import { uniqueTaskQueue, uniqueWorkflowId, useTestConnection } from '../helpers/temporal';

// fastify's inject (light-my-request) requires cookie@2, which is ESM-only (docs/bridge.md, "Tests").
jest.mock('cookie', () => ({ stringifySetCookie: () => '' }));

const t = useTestConnection();
const { signallerOn, signalsOf, inputOf } = temporalProbes(t);

function checkEvent(checkId: string, eventId: string, eventType = 'check.completed'): ComplyCubeCheckEvent {
  return { eventId, eventType, checkId, receivedAt: new Date().toISOString() };
}

describe('Temporal signaller: ComplyCube check events', () => {
  it('starts complycube-check-<checkId> of type complyCubeCheckEvents on the main task queue, with the signal', async () => {
    const taskQueue = uniqueTaskQueue('complycube-check');
    const checkId = uniqueWorkflowId('chk');
    const event = checkEvent(checkId, 'evt_1', 'check.completed.attention');

    await expect(signallerOn(taskQueue).signalComplyCubeCheck(event)).resolves.toBe('signalled');

    const handle = t.client.workflow.getHandle(complyCubeCheckEventWorkflowId(checkId));
    const description = await handle.describe();
    expect(handle.workflowId).toBe(`complycube-check-${checkId}`);
    expect(description.type).toBe(COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE);
    expect(description.taskQueue).toBe(taskQueue);
    expect(description.status.name).toBe('RUNNING');
    expect(await inputOf(handle.workflowId, description.runId)).toEqual([{ checkId }]);
    expect(await signalsOf(handle, description.runId)).toEqual([[complyCubeCheckEventSignal.name, [event]]]);
    await handle.terminate('test cleanup');
  });

  it('signals the running inbox rather than starting a second one', async () => {
    const taskQueue = uniqueTaskQueue('complycube-check');
    const checkId = uniqueWorkflowId('chk');
    const signaller = signallerOn(taskQueue);
    const first = checkEvent(checkId, 'evt_a', 'check.pending');
    const second = checkEvent(checkId, 'evt_b', 'check.complete');

    await signaller.signalComplyCubeCheck(first);
    const handle = t.client.workflow.getHandle(complyCubeCheckEventWorkflowId(checkId));
    const { runId } = await handle.describe();
    await signaller.signalComplyCubeCheck(second);

    expect((await handle.describe()).runId).toBe(runId);
    expect(await signalsOf(handle, runId)).toEqual([
      ['complyCubeCheckEvent', [first]],
      ['complyCubeCheckEvent', [second]],
    ]);
    await handle.terminate('test cleanup');
  });

  it('starts a new run once the previous inbox has closed (a later event is never lost)', async () => {
    const taskQueue = uniqueTaskQueue('complycube-check');
    const checkId = uniqueWorkflowId('chk');
    const signaller = signallerOn(taskQueue);

    await signaller.signalComplyCubeCheck(checkEvent(checkId, 'evt_done'));
    const handle = t.client.workflow.getHandle(complyCubeCheckEventWorkflowId(checkId));
    const { runId: firstRun } = await handle.describe();
    await handle.terminate('the inbox ended');

    const late = checkEvent(checkId, 'evt_monitoring', 'check.monitoring.attention');
    await expect(signaller.signalComplyCubeCheck(late)).resolves.toBe('signalled');

    const now = await handle.describe();
    expect(now.runId).not.toBe(firstRun);
    expect(now.status.name).toBe('RUNNING');
    expect(await signalsOf(handle, now.runId)).toEqual([['complyCubeCheckEvent', [late]]]);
    await handle.terminate('test cleanup');
  });

  it('fails with TemporalUnavailableError within its deadline when nothing listens at the address', async () => {
    await withUnreachableSignaller(async (signaller) => {
      await expect(signaller.signalComplyCubeCheck(checkEvent('chk_1', 'evt_1'))).rejects.toBeInstanceOf(
        TemporalUnavailableError,
      );
    });
  });
});

describe('POST /webhooks/complycube into Temporal', () => {
  it('turns a signed ComplyCube event into the signal of the check inbox', async () => {
    const taskQueue = uniqueTaskQueue('complycube-bridge');
    const secret = 'complycube-bridge-test-secret';
    const app = buildBridge({
      config: {
        webhookSecrets: [new Secret(newSecret())],
        legacySecret: undefined,
        complyCubeWebhookSecrets: [new Secret(secret)],
        requestTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
        dedupe: { maxEntries: 100, ttlMs: 60_000 },
      },
      signaller: signallerOn(taskQueue),
      logger: createBridgeLogger('silent'),
    });
    const checkId = uniqueWorkflowId('chk');
    const body = JSON.stringify({
      id: 'evt_bridge_1',
      type: 'check.completed.clear',
      resourceType: 'check',
      payload: { id: checkId, status: 'complete', outcome: 'clear' },
      createdAt: new Date().toISOString(),
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: COMPLYCUBE_WEBHOOK_ROUTE,
        payload: body,
        headers: {
          'content-type': 'application/json',
          'complycube-signature': createHmac('sha256', secret).update(body).digest('hex'),
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'signalled', workflow: 'complycube-check' });

      const handle = t.client.workflow.getHandle(complyCubeCheckEventWorkflowId(checkId));
      const { runId, type } = await handle.describe();
      expect(type).toBe(COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE);
      expect(await signalsOf(handle, runId)).toEqual([
        [
          'complyCubeCheckEvent',
          [
            {
              eventId: 'evt_bridge_1',
              eventType: 'check.completed.clear',
              checkId,
              receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            },
          ],
        ],
      ]);
      await handle.terminate('test cleanup');
    } finally {
      await app.close();
    }
  });
});
