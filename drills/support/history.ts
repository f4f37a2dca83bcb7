import { tsToMs } from '@temporalio/common/lib/time';
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

export type ResumeCause =
  | 'sticky queue'
  | 'workflow task on the killed worker'
  | 'activity on the killed worker'
  | 'waiting for a worker';

export interface Resumption {
  workflowId: string;
  /** From the kill to the run's first progress on another worker; undefined while it has made none. */
  resumedAfterMs: number | undefined;
  /** What held the run up after the kill (the first timeout that let it go on, if any). */
  cause: ResumeCause;
}

const { EventType, TaskQueueKind, TimeoutType } = temporal.api.enums.v1;

const CLOSED = new Set<temporal.api.enums.v1.EventType>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/**
 * How long a run open when its worker (process `killedPid`) was killed at `killedAt` (epoch ms) waited
 * before it made progress again: the first workflow task or activity attempt a live worker started for
 * it after the kill (the killed worker's identity, `<pid>@host`, excluded), or its close. Undefined for
 * a run that closed before the kill. The cause tells a task left on the dead worker's sticky queue
 * (released by its schedule-to-start timeout, WORKER_STICKY_SCHEDULE_TO_START_TIMEOUT) from a workflow
 * task the dead worker held (the run's workflow task timeout), an activity attempt it held (retried after
 * the activity's start-to-close or heartbeat timeout) and a task that only waited for the new worker.
 */
export async function resumptionAfterKill(
  stack: Stack,
  workflowId: string,
  killedAt: number,
  killedPid: number,
): Promise<Resumption | undefined> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const byKilled = (identity: string | null | undefined) => (identity ?? '').startsWith(`${killedPid}@`);
  let resumedAt: number | undefined;
  let resumedByActivityRetry = false;
  let lastTaskByKilled = false;
  let waitingOnSticky = false;
  const taskTimeouts: { at: number; cause: ResumeCause }[] = [];
  for (const event of history.events ?? []) {
    const at = tsToMs(event.eventTime);
    const type = event.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED;
    const scheduled = event.workflowTaskScheduledEventAttributes;
    if (scheduled) waitingOnSticky = scheduled.taskQueue?.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY;
    if (event.workflowTaskStartedEventAttributes) waitingOnSticky = false;
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed) lastTaskByKilled = byKilled(completed.identity);
    // Closed before the kill, or by the killed worker's last answer, sent as the signal went out: not
    // left behind.
    if (CLOSED.has(type) && (at <= killedAt || lastTaskByKilled)) return undefined;
    if (at <= killedAt) continue;
    const timedOut = event.workflowTaskTimedOutEventAttributes;
    if (timedOut) {
      taskTimeouts.push({
        at,
        cause:
          timedOut.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
            ? 'sticky queue'
            : 'workflow task on the killed worker',
      });
    }
    const byWorker =
      event.workflowTaskStartedEventAttributes ?? completed ?? event.activityTaskStartedEventAttributes;
    const progress = CLOSED.has(type) || (Boolean(byWorker) && !byKilled(byWorker?.identity));
    // A retried activity's started event is written when the attempt ends, stamped with its start time:
    // the earliest progress wins, not the first in the history's order.
    if (progress && (resumedAt === undefined || at < resumedAt)) {
      resumedAt = at;
      resumedByActivityRetry = Boolean(
        event.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo,
      );
    }
  }
  const heldBy = taskTimeouts.find((t) => resumedAt === undefined || t.at <= resumedAt);
  return {
    workflowId,
    resumedAfterMs: resumedAt === undefined ? undefined : resumedAt - killedAt,
    cause: resumedByActivityRetry
      ? 'activity on the killed worker'
      : (heldBy?.cause ?? (waitingOnSticky ? 'sticky queue' : 'waiting for a worker')),
  };
}
