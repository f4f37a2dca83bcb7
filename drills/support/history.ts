import { temporal } from '@temporalio/proto';
import type { Stack } from './stack';

export interface ActivityAttempts {
  /** Attempt number of every start of the activity, in order. */
  attempts: number[];
  completed: number;
  /** Why each retried start was needed: the attempt before timed out (`start-to-close`, …) or failed. */
  retriedAfter: ('start-to-close' | 'other timeout' | 'failure')[];
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
  const retriedAfter: ActivityAttempts['retriedAfter'] = [];
  let completed = 0;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === activityType) scheduledIds.add(id);
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduledIds.has(String(started.scheduledEventId))) {
      attempts.push(started.attempt ?? 0);
      const failure = started.lastFailure;
      if (failure) {
        const timeout = failure.timeoutFailureInfo?.timeoutType;
        retriedAfter.push(
          timeout === temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE
            ? 'start-to-close'
            : timeout
              ? 'other timeout'
              : 'failure',
        );
      }
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done && scheduledIds.has(String(done.scheduledEventId))) completed += 1;
  }
  return { attempts, completed, retriedAfter };
}
