import { isGrpcServiceError, type Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { caseDecisionSignal } from '../contracts/case-decision';
import { MONITORING_CASE_REVIEW_WORKFLOW_TYPE } from '../contracts/monitoring-case';
import {
  COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE,
  complyCubeCheckEventSignal,
  complyCubeCheckEventWorkflowId,
  type ComplyCubeCheckEventInput,
} from '../contracts/screening-provider';
import { monitoringCaseWorkflowId, onboardingWorkflowId } from '../contracts/workflow-ids';
import { TemporalUnavailableError, type Signaller } from './signaller';

export interface TemporalSignallerOptions {
  client: Client;
  namespace: string;
  /** Where the monitoring review and the ComplyCube check inboxes run: the worker's task queue. */
  taskQueue: string;
  /** gRPC deadline per signal: well under the sender's 16 s, so a slow server becomes a 503 the sender retries. */
  signalTimeoutMs: number;
  readinessTimeoutMs: number;
}

/**
 * gRPC codes after which the same call may succeed later, so the sender should retry the delivery.
 * (Numbers from the gRPC spec; @grpc/grpc-js is only a transitive dependency.)
 */
const TRANSIENT_CODES: ReadonlyMap<number, string> = new Map([
  [1, 'CANCELLED'],
  [4, 'DEADLINE_EXCEEDED'],
  [8, 'RESOURCE_EXHAUSTED'],
  [10, 'ABORTED'],
  [14, 'UNAVAILABLE'],
]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (isGrpcServiceError(e)) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Transport failures become `TemporalUnavailableError`; anything else (misconfiguration) stays as it is. */
function classify(err: unknown, operation: string): unknown {
  const code = grpcCode(err);
  const name = code === undefined ? undefined : TRANSIENT_CODES.get(code);
  if (name !== undefined) {
    return new TemporalUnavailableError(`Temporal unavailable during ${operation} (gRPC ${name})`, {
      cause: err,
    });
  }
  return err;
}

export function createTemporalSignaller(options: TemporalSignallerOptions): Signaller {
  const { client, namespace, taskQueue } = options;
  const deadline = (ms: number) => Date.now() + ms;

  return {
    async signalOnboarding(externalIdentifier, decision) {
      const handle = client.workflow.getHandle(onboardingWorkflowId(externalIdentifier));
      try {
        await client.withDeadline(deadline(options.signalTimeoutMs), () =>
          handle.signal(caseDecisionSignal, decision),
        );
        return 'signalled';
      } catch (err) {
        // Never started, or already closed: either way there is no onboarding waiting for this decision.
        if (err instanceof WorkflowNotFoundError) return 'workflow-not-found';
        throw classify(err, 'signal');
      }
    },

    async signalMonitoringCase(review, decision) {
      try {
        await client.withDeadline(deadline(options.signalTimeoutMs), () =>
          client.workflow.signalWithStart(MONITORING_CASE_REVIEW_WORKFLOW_TYPE, {
            workflowId: monitoringCaseWorkflowId(review.caseIdentifier),
            taskQueue,
            args: [review],
            signal: caseDecisionSignal,
            signalArgs: [decision],
            // A running review is signalled; a finished one is never started again for the same case.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            // The Web UI's one-line summary: identifiers only, harmless wherever it is shown.
            staticSummary: `KYC monitoring case ${review.caseIdentifier} of ${review.externalIdentifier}`,
          }),
        );
        return 'signalled';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'case-closed';
        throw classify(err, 'signal-with-start');
      }
    },

    async signalComplyCubeCheck(event) {
      const input: ComplyCubeCheckEventInput = { checkId: event.checkId };
      try {
        await client.withDeadline(deadline(options.signalTimeoutMs), () =>
          client.workflow.signalWithStart(COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE, {
            workflowId: complyCubeCheckEventWorkflowId(event.checkId),
            taskQueue,
            args: [input],
            signal: complyCubeCheckEventSignal,
            signalArgs: [event],
            // Unlike a monitoring case, a check's inbox is opened again: it ends when idle, and a later
            // event (a new monitoring finding, a validation) needs a run to read the check. A running
            // inbox gets the signal; it drops event ids it has already seen.
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            // The Web UI's one-line summary: identifiers only, harmless wherever it is shown.
            staticSummary: `KYC ComplyCube check ${event.checkId}`,
          }),
        );
        return 'signalled';
      } catch (err) {
        throw classify(err, 'signal-with-start');
      }
    },

    async isReady() {
      try {
        // Checks the namespace too: a bridge pointed at a missing namespace is not ready, even if the server is up.
        await client.withDeadline(deadline(options.readinessTimeoutMs), () =>
          client.workflowService.describeNamespace({ namespace }),
        );
        return true;
      } catch {
        return false;
      }
    },
  };
}
