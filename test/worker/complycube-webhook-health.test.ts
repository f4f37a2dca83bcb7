import { ScheduleOverlapPolicy } from '@temporalio/client';
import {
  COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
  providerTaskQueue,
} from '../../src/contracts/screening-provider';
import { createComplyCubeActivities } from '../../src/providers/complycube/activities';
import { createComplyCubeClient } from '../../src/providers/complycube/client';
import { loadComplyCubeConfig } from '../../src/providers/complycube/config';
import { startComplyCubeSandbox, type ComplyCubeSandbox } from '../../src/sandbox/complycube';
import { ensureWebhookHealthSchedule } from '../../src/worker/complycube-schedule';
import { complyCubeWebhookHealth } from '../../src/workflows';
import { bundleOnce } from '../../testkit/bundle';
import { runWorker, uniqueTaskQueue, uniqueWorkflowId, useTestConnection } from '../helpers/temporal';

/**
 * ComplyCube disables a webhook after its last failed retry and then sends nothing: the worker keeps a
 * Schedule that runs `complyCubeWebhookHealth`, which finds our registration and enables it again.
 */

const t = useTestConnection();
const quiet = { info: () => undefined, warn: () => undefined };
const KEY = 'webhook-health-test-key';

let sandbox: ComplyCubeSandbox;
beforeAll(async () => {
  sandbox = await startComplyCubeSandbox({ apiKey: KEY, logLevel: 'silent' });
});
afterAll(async () => {
  await sandbox.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: KEY, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

describe('the ComplyCube webhook-health check', () => {
  it('enables our disabled registration again, and leaves other registrations alone', async () => {
    const ours = await api<{ id: string }>('POST', '/webhooks', {
      url: 'https://bridge.example.com/webhooks/complycube',
      enabled: true,
      events: ['*'],
      description: 'KYC onboarding bridge',
    });
    const other = await api<{ id: string }>('POST', '/webhooks', {
      url: 'https://elsewhere.example.com/hooks',
      enabled: false,
      events: ['*'],
      description: 'someone else',
    });
    // What ComplyCube does after the last failed retry.
    await api('POST', `/webhooks/${ours.id}`, { enabled: false });

    const config = loadComplyCubeConfig({ COMPLYCUBE_BASE_URL: sandbox.url, COMPLYCUBE_API_KEY: KEY });
    const activities = createComplyCubeActivities({
      complycube: createComplyCubeClient({ config, logger: quiet }),
      config,
      logger: quiet,
    });
    const taskQueue = uniqueTaskQueue('webhook-health');
    const workflowBundle = await bundleOnce(require.resolve('../../src/workflows'));
    const health = await runWorker({ taskQueue, workflowBundle, enableNonLocalActivities: false }, () =>
      runWorker({ taskQueue: providerTaskQueue(taskQueue, 'complycube'), activities }, () =>
        t.client.workflow.execute(complyCubeWebhookHealth, {
          taskQueue,
          workflowId: uniqueWorkflowId('webhook-health'),
        }),
      ),
    );
    expect(health).toEqual({ registrations: 1, reenabled: [ours.id] });
    const after = await api<{ items: { id: string; enabled: boolean }[] }>('GET', '/webhooks');
    expect(after.items.find((w) => w.id === ours.id)?.enabled).toBe(true);
    expect(after.items.find((w) => w.id === other.id)?.enabled).toBe(false);
  });

  it('is scheduled by the worker at start: created once, updated to the configured interval afterwards', async () => {
    const taskQueue = uniqueTaskQueue('webhook-health-schedule');
    const options = { connection: t.connection, namespace: 'default', taskQueue, logger: quiet };
    const handle = t.client.schedule.getHandle(COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID);
    await handle.delete().catch(() => undefined);
    try {
      expect(await ensureWebhookHealthSchedule({ ...options, intervalMs: 15 * 60_000 })).toBe('created');
      expect(await ensureWebhookHealthSchedule({ ...options, intervalMs: 5 * 60_000 })).toBe('updated');
      const described = await handle.describe();
      expect(described.spec.intervals).toMatchObject([{ every: 5 * 60_000 }]);
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'complyCubeWebhookHealth',
      });
      expect(described.action.type === 'startWorkflow' && described.action.taskQueue).toBe(taskQueue);
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    } finally {
      await handle.delete().catch(() => undefined);
    }
  });
});
