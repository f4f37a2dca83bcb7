import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../../testkit/wait';

type History = temporal.api.history.v1.IHistory;
const { EventType, VersionDrainageStatus, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/**
 * What the deploy drill reads about Worker Deployment versions: the routing the server keeps per
 * deployment, and in each run's history which build completed its workflow tasks.
 */
export interface VersionView {
  current: string | undefined;
  /** Build ID → drainage status as the server reports it (DRAINING, DRAINED, …; unset while current). */
  drainage: Map<string, string>;
}

type WorkflowService = Pick<Connection, 'workflowService'>;

export async function describeDeployment(
  connection: WorkflowService,
  namespace: string,
  deploymentName: string,
): Promise<VersionView> {
  const { workerDeploymentInfo: info } = await connection.workflowService.describeWorkerDeployment({
    namespace,
    deploymentName,
  });
  const drainage = new Map<string, string>();
  for (const v of info?.versionSummaries ?? []) {
    const status =
      v.drainageInfo?.status ?? v.drainageStatus ?? VersionDrainageStatus.VERSION_DRAINAGE_STATUS_UNSPECIFIED;
    drainage.set(
      v.deploymentVersion?.buildId ?? '?',
      VersionDrainageStatus[status].replace('VERSION_DRAINAGE_STATUS_', ''),
    );
  }
  return { current: info?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined, drainage };
}

/** Waits until `buildId` is the deployment's current version (the worker promoted itself). */
export async function waitForCurrent(
  connection: WorkflowService,
  namespace: string,
  deploymentName: string,
  buildId: string,
  signal: AbortSignal,
): Promise<void> {
  await waitFor(
    async () => (await describeDeployment(connection, namespace, deploymentName)).current === buildId,
    {
      description: `${deploymentName}:${buildId} to be the current version`,
      timeoutMs: 60_000,
      intervalMs: 250,
      signal,
    },
  );
}

export interface RunVersions {
  /** Build IDs of the workers that completed this run's workflow tasks. */
  buildIds: Set<string>;
  workflowTaskFailures: number;
  nonDeterminismErrors: number;
  workflowTaskTimeouts: number;
  /** The first command of the run: version 2 of the drill starts with a timer. */
  firstCommand: string | undefined;
}

export function runVersions(history: History): RunVersions {
  const buildIds = new Set<string>();
  let workflowTaskFailures = 0;
  let nonDeterminismErrors = 0;
  let workflowTaskTimeouts = 0;
  let firstCommand: string | undefined;
  let afterFirstCompletion = false;
  for (const event of history.events ?? []) {
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed) {
      buildIds.add(completed.deploymentVersion?.buildId ?? 'unversioned');
      afterFirstCompletion = true;
      continue;
    }
    if (event.workflowTaskFailedEventAttributes) {
      workflowTaskFailures += 1;
      if (
        event.workflowTaskFailedEventAttributes.cause ===
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
      )
        nonDeterminismErrors += 1;
    }
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) workflowTaskTimeouts += 1;
    if (
      afterFirstCompletion &&
      firstCommand === undefined &&
      event.eventType !== undefined &&
      event.eventType !== null
    ) {
      firstCommand = EventType[event.eventType].replace('EVENT_TYPE_', '');
    }
  }
  return { buildIds, workflowTaskFailures, nonDeterminismErrors, workflowTaskTimeouts, firstCommand };
}
