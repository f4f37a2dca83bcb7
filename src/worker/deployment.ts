import type { NativeConnection } from '@temporalio/worker';
import type { PromoteMode } from './deployment-config';

// gRPC status codes (from the spec; @grpc/grpc-js is only a transitive dependency).
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;

/**
 * Makes this worker's deployment version the Current Version (where new runs start) when its promote mode
 * says so. The server only knows a version once its workers have polled, so this waits for that first.
 */
export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

export type PromoteOutcome =
  | { kind: 'already-current' }
  | { kind: 'promoted'; previous: string | undefined }
  | { kind: 'left-to-operator'; current: string | undefined; command: string };

export interface PromoteOptions {
  connection: Pick<NativeConnection, 'workflowService'>;
  namespace: string;
  version: DeploymentVersion;
  mode: PromoteMode;
  identity: string;
  /** How long to wait for the server to register the version (the workers' first polls). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The command an operator runs to make `version` current (docs/deploying.md). */
export function promoteCommand(version: DeploymentVersion, namespace: string): string {
  const ns = namespace === 'default' ? '' : ` --namespace ${namespace}`;
  return `temporal worker deployment set-current-version${ns} --deployment-name ${version.deploymentName} --build-id ${version.buildId}`;
}

export async function promoteIfWanted(o: PromoteOptions): Promise<PromoteOutcome> {
  const { connection, namespace, version } = o;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    o.signal?.throwIfAborted();
    const described = await describe(o);
    const known = described?.workerDeploymentInfo?.versionSummaries?.some(
      (v) => v.deploymentVersion?.buildId === version.buildId,
    );
    if (described !== undefined && known === true) {
      const current =
        described.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
      if (current === version.buildId) return { kind: 'already-current' };
      if (o.mode === 'never' || (o.mode === 'if-unset' && current !== undefined && current !== '')) {
        return { kind: 'left-to-operator', current, command: promoteCommand(version, namespace) };
      }
      try {
        await connection.workflowService.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken: described.conflictToken,
          identity: o.identity,
        });
        return { kind: 'promoted', previous: current === '' ? undefined : current };
      } catch (err) {
        // Another worker of a rolling deploy changed the routing first: look again.
        if (!hasCode(err, FAILED_PRECONDITION, ABORTED, NOT_FOUND)) throw err;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the server has not registered deployment version ${version.deploymentName}:${version.buildId} ` +
          `after ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s of polling; is Worker Versioning enabled ` +
          '(Temporal Server 1.28 or later, system.enableDeploymentVersions)? Set WORKER_VERSIONING=false to run unversioned.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function describe(o: PromoteOptions) {
  // Listed first: a describe of a deployment that does not exist yet is logged by the server as an error.
  const listed = await o.connection.workflowService.listWorkerDeployments({
    namespace: o.namespace,
    pageSize: 1000,
  });
  const complete =
    listed.nextPageToken === undefined || listed.nextPageToken === null || listed.nextPageToken.length === 0;
  if (complete && !listed.workerDeployments.some((d) => d.name === o.version.deploymentName))
    return undefined;
  try {
    return await o.connection.workflowService.describeWorkerDeployment({
      namespace: o.namespace,
      deploymentName: o.version.deploymentName,
    });
  } catch (err) {
    // Not yet: the deployment exists once a worker of it has polled.
    if (hasCode(err, NOT_FOUND)) return undefined;
    throw err;
  }
}

function hasCode(err: unknown, ...codes: number[]): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && codes.includes(err.code as number);
}
