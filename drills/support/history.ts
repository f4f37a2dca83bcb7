import type { Stack } from './stack';

export interface ActivityAttempts {
  /** Attempt number of every start of the activity, in order. */
  attempts: number[];
  completed: number;
}

/** How often an activity type was started (with which attempt numbers) and completed in one run's history. */
export async function activityAttempts(
  stack: Stack,
  workflowId: string,
  activityType: string,
): Promise<ActivityAttempts> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduledIds = new Set<string>();
  const attempts: number[] = [];
  let completed = 0;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === activityType) scheduledIds.add(id);
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduledIds.has(String(started.scheduledEventId))) attempts.push(started.attempt ?? 0);
    const done = event.activityTaskCompletedEventAttributes;
    if (done && scheduledIds.has(String(done.scheduledEventId))) completed += 1;
  }
  return { attempts, completed };
}
