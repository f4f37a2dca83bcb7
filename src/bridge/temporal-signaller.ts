import {
  isGrpcServiceError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/common';
import {
  CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE,
  caClassicSearchEventSignal,
  caClassicSearchEventsWorkflowId,
  type CaClassicSearchEventsInput,
} from '../contracts/ca-classic';
import { caseDecisionSignal } from '../contracts/case-decision';
import {
  CORE_CUSTOMER_WORKFLOW_PREFIX,
  coreEventSignal,
  coreReviewWorkflowId,
  type CoreEvent,
  type CoreReviewInput,
  type CoreState,
} from '../contracts/core-banking';
import { MONITORING_CASE_REVIEW_WORKFLOW_TYPE } from '../contracts/monitoring-case';
import {
  COMPLYCUBE_CHECK_EVENT_WORKFLOW_TYPE,
  complyCubeCheckEventSignal,
  complyCubeCheckEventWorkflowId,
  isScreeningProvider,
  type ComplyCubeCheckEventInput,
} from '../contracts/screening-provider';
import {
  kycCoreCustomerId,
  kycCoreState,
  kycExternalIdentifier,
  kycScreeningProvider,
} from '../contracts/search-attributes';
import { monitoringCaseWorkflowId, onboardingWorkflowId } from '../contracts/workflow-ids';
import { TemporalUnavailableError, type Signaller } from './signaller';

/** The core-banking workflows the bridge finds and starts, by type name (src/workflows/core/). */
export const CORE_CUSTOMER_ONBOARDING_WORKFLOW_TYPE = 'coreCustomerOnboarding';
export const CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE = 'coreCustomerReview';

/**
 * COS customer ids are UUIDs: anything else is no customer of ours and never reaches a visibility query. The
 * route parses the same shape; this guard stays because the id is put into a query string here.
 */
const CORE_CUSTOMER_ID = /^[A-Za-z0-9-]{1,64}$/;
/** A run that ended so: its customer was offboarded, later events for it start nothing. */
const DECLINED: CoreState = 'CORE_DECLINED';

/** What routing reads of a run that ended: its ID and its search attributes. */
type EndedRun = Pick<WorkflowExecutionInfo, 'workflowId' | 'typedSearchAttributes'>;

/** A run in these states still takes signals. */
const OPEN_STATUSES: ReadonlySet<WorkflowExecutionStatusName> = new Set(['RUNNING', 'PAUSED']);
/** A customer id belongs to one onboarding run (and its continue-as-new successors): a handful at most. */
const MAX_RUNS_READ = 20;

/** A string literal of Temporal's list filter. */
function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function coreCustomerRunsQuery(coreCustomerId: string): string {
  return (
    `(WorkflowType = ${quoted(CORE_CUSTOMER_ONBOARDING_WORKFLOW_TYPE)} ` +
    `OR WorkflowType = ${quoted(CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE)}) ` +
    `AND ${kycCoreCustomerId.name} = ${quoted(coreCustomerId)}`
  );
}

export interface TemporalSignallerOptions {
  client: Client;
  namespace: string;
  /** Where the monitoring review, the ComplyCube check and CA-classic search inboxes and the core reviews run: the worker's task queue. */
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

/**
 * The run that ended last, leaving out runs that continued as new: their successor carries on (and,
 * once visibility shows it, is the running one).
 */
function lastEnded(runs: readonly WorkflowExecutionInfo[]): WorkflowExecutionInfo | undefined {
  let last: WorkflowExecutionInfo | undefined;
  for (const run of runs) {
    if (OPEN_STATUSES.has(run.status.name) || run.status.name === 'CONTINUED_AS_NEW') continue;
    const at = (run.closeTime ?? run.startTime).getTime();
    if (last === undefined || at > (last.closeTime ?? last.startTime).getTime()) last = run;
  }
  return last;
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

  /** The `coreCustomerOnboarding` runs that carry this COS customer id, as visibility knows them now. */
  async function findCoreCustomerRuns(coreCustomerId: string): Promise<WorkflowExecutionInfo[]> {
    try {
      return await client.withDeadline(deadline(options.signalTimeoutMs), async () => {
        const runs: WorkflowExecutionInfo[] = [];
        for await (const run of client.workflow.list({
          query: coreCustomerRunsQuery(coreCustomerId),
          pageSize: MAX_RUNS_READ,
        })) {
          runs.push(run);
          if (runs.length >= MAX_RUNS_READ) break;
        }
        return runs;
      });
    } catch (err) {
      throw classify(err, 'list');
    }
  }

  /** False when the run is gone (closed since visibility saw it running). */
  async function signalCoreRun(workflowId: string, event: CoreEvent): Promise<boolean> {
    // By workflow ID alone: the current run, also when the one visibility saw has continued as new.
    const handle = client.workflow.getHandle(workflowId);
    try {
      await client.withDeadline(deadline(options.signalTimeoutMs), () =>
        handle.signal(coreEventSignal, event),
      );
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw classify(err, 'signal');
    }
  }

  /** The run under `workflowId` once it has ended (undefined while it still runs or when it is unknown). */
  async function describeEnded(workflowId: string): Promise<EndedRun | undefined> {
    try {
      const described = await client.withDeadline(deadline(options.signalTimeoutMs), () =>
        client.workflow.getHandle(workflowId).describe(),
      );
      return OPEN_STATUSES.has(described.status.name) ? undefined : described;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw classify(err, 'describe');
    }
  }

  /** The customer's external identifier: its run's KycExternalIdentifier, else the run's workflow ID. */
  function externalIdentifierOf(run: EndedRun): string | undefined {
    const upserted = run.typedSearchAttributes.get(kycExternalIdentifier);
    if (upserted !== undefined && upserted !== '') return upserted;
    return run.workflowId.startsWith(CORE_CUSTOMER_WORKFLOW_PREFIX)
      ? run.workflowId.slice(CORE_CUSTOMER_WORKFLOW_PREFIX.length)
      : undefined;
  }

  async function startCoreReview(
    run: EndedRun,
    externalIdentifier: string,
    event: CoreEvent,
  ): Promise<'review-started'> {
    const provider = run.typedSearchAttributes.get(kycScreeningProvider);
    const input: CoreReviewInput = {
      externalIdentifier,
      coreCustomerId: event.coreCustomerId,
      event,
      ...(isScreeningProvider(provider) && { provider }),
    };
    try {
      await client.withDeadline(deadline(options.signalTimeoutMs), () =>
        client.workflow.start(CORE_CUSTOMER_REVIEW_WORKFLOW_TYPE, {
          workflowId: coreReviewWorkflowId(externalIdentifier, event.eventId),
          taskQueue,
          args: [input],
          // One review per customer and event: COS redelivers the whole event, and a review that already
          // ran (or runs) for it is not started again.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // The Web UI's one-line summary: identifiers only, harmless wherever it is shown.
          staticSummary: `KYC core review of ${externalIdentifier} for COS event ${event.eventId}`,
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'review-started';
      throw classify(err, 'start');
    }
    return 'review-started';
  }

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

    async routeCaClassicEvent(account, event) {
      const input: CaClassicSearchEventsInput = {
        searchId: event.searchId,
        account,
        ...(event.clientRef !== undefined && { externalIdentifier: event.clientRef }),
      };
      try {
        await client.withDeadline(deadline(options.signalTimeoutMs), () =>
          client.workflow.signalWithStart(CA_CLASSIC_SEARCH_EVENTS_WORKFLOW_TYPE, {
            workflowId: caClassicSearchEventsWorkflowId(account, event.searchId),
            taskQueue,
            // Used only when no inbox runs: a running one keeps the input it was started with (the
            // onboarding's, which knows whose search it is).
            args: [input],
            signal: caClassicSearchEventSignal,
            signalArgs: [event],
            // As a ComplyCube check's inbox: a running one gets the signal, a closed one is opened again,
            // since a later event (a monitoring update) needs a run to read the search.
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            // The Web UI's one-line summary: identifiers only, harmless wherever it is shown.
            staticSummary: `KYC ComplyAdvantage classic search ${event.searchId} (account ${account})`,
          }),
        );
        return 'signalled';
      } catch (err) {
        throw classify(err, 'signal-with-start');
      }
    },

    async routeCoreEvent(event) {
      if (!CORE_CUSTOMER_ID.test(event.coreCustomerId)) return 'not-ours';
      // A run seen running may close before the signal lands: then it is looked up once more, and its
      // final state decides (a CORE_READY end means a review).
      for (let attempt = 1; ; attempt++) {
        const runs = await findCoreCustomerRuns(event.coreCustomerId);
        const running = runs.find((run) => OPEN_STATUSES.has(run.status.name));
        let last: EndedRun | undefined = lastEnded(runs);
        if (running !== undefined) {
          const signalled = await signalCoreRun(running.workflowId, event);
          if (signalled) return 'signalled';
          if (attempt < 2) continue;
          // Visibility still shows it running: the run itself (read by ID, consistent) says how it ended.
          last = await describeEnded(running.workflowId);
        }
        if (running !== undefined && last === undefined) {
          // Visibility says running, the run cannot be signalled nor read as ended: COS retries (503).
          throw new TemporalUnavailableError(
            `core run ${running.workflowId} could be neither signalled nor read as ended`,
          );
        }
        const externalIdentifier = last === undefined ? undefined : externalIdentifierOf(last);
        // Any ended run but a declined one (offboarded already) leaves a customer the core may rescan:
        // CORE_READY, CORE_EXPIRED, or a run terminated or failed mid-wait. The event starts a review.
        const declined = last?.typedSearchAttributes.get(kycCoreState) === DECLINED;
        if (last !== undefined && externalIdentifier !== undefined && !declined) {
          return startCoreReview(last, externalIdentifier, event);
        }
        // No run of ours carries this id, or its customer was declined. Visibility is eventually
        // consistent: the route looks the batch's misses up once more (cos-route.ts); past that the run's
        // own poll of the customer (CORE_POLL_INTERVAL) reads what the event would have told it.
        return 'not-ours';
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
