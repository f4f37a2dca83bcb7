import { setWorkflowOptions } from '@temporalio/workflow';
import type { WebhookHealth } from '../../contracts/screening-activities';
import { behaviourWhenVersioned, VERSIONING_BEHAVIOR } from '../common/versioning';
import { complyCubeActivities, CUSTOMER_READ } from '../common/provider-activities';

/**
 * Run by the `complycube-webhook-health` Schedule (src/worker/complycube-schedule.ts): ComplyCube
 * disables a webhook after its last failed retry, and then sends nothing for any check. This finds our
 * registration and enables it again (a metric and a log line in the activity); the waiting runs' polls
 * cover the events missed meanwhile.
 */
export async function complyCubeWebhookHealth(): Promise<WebhookHealth> {
  return await complyCubeActivities(CUSTOMER_READ).ensureComplyCubeWebhooks();
}

// Pinned or auto-upgrading: src/workflows/common/versioning.ts.
setWorkflowOptions(
  behaviourWhenVersioned(VERSIONING_BEHAVIOR.complyCubeWebhookHealth),
  complyCubeWebhookHealth,
);
