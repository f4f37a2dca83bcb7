import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ClientOptions,
  type ConnectionLike,
} from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID } from '../contracts/screening-provider';

/**
 * ComplyCube disables a webhook after its last failed retry, and says nothing. The worker makes sure a
 * Schedule checks the registration every COMPLYCUBE_WEBHOOK_CHECK_INTERVAL (the `complyCubeWebhookHealth`
 * workflow enables it again). Created when missing; an existing one gets the configured interval, so a
 * changed setting takes effect at the next worker start. Several workers starting at once are fine: the
 * first creates it, the others update it to the same spec.
 */
export interface WebhookHealthScheduleOptions {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  intervalMs: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  dataConverter?: ClientOptions['dataConverter'];
}

export async function ensureWebhookHealthSchedule(
  o: WebhookHealthScheduleOptions,
): Promise<'created' | 'updated'> {
  const client = new Client({
    connection: o.connection,
    namespace: o.namespace,
    ...(o.dataConverter !== undefined && { dataConverter: o.dataConverter }),
  });
  const spec = { intervals: [{ every: o.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'complyCubeWebhookHealth',
    taskQueue: o.taskQueue,
    args: [] as [],
    workflowExecutionTimeout: '5 minutes' as const,
    workflowId: COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
  };
  try {
    await client.schedule.create({
      scheduleId: COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
      spec,
      action,
      // A check that is still running (ComplyCube slow to answer) makes the next one pointless.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
    o.logger.info('ComplyCube webhook-health schedule created', {
      scheduleId: COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
      everyMs: o.intervalMs,
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID).update((previous) => ({
    ...previous,
    spec,
    action,
  }));
  return 'updated';
}
