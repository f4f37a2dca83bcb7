/**
 * Records the event histories of real runs of every workflow type into test/fixtures/histories/*.json,
 * the corpus test/workflows/replay.test.ts (and `npm run replay -- test/fixtures/histories`) replays on
 * every CI run: a later change to a workflow that would break the runs in flight (nondeterminism) then
 * fails the test instead of production.
 *
 *   npm run record-histories                          every scenario below (about a minute)
 *   npm run record-histories -- --only offboard       only the scenarios writing a file whose name
 *                                                     contains "offboard" (--only may be repeated)
 *
 * Prints one line per history (file, workflow type, final state, event count) and a total. Runs
 * everything in process on free ports: a Temporal dev server (the binary the tests use,
 * testkit/temporal-cli.ts), the Mesh and ComplyCube sandboxes (the risk and COS ones too, see below), the
 * workflow worker (with the worker's default terms, both providers configured), the Mesh and the
 * ComplyCube activity workers (the real adapters against the sandboxes), as src/worker/main.ts splits
 * them; the analyst is played through the sandboxes' control routes and the webhook bridge by sending
 * what it would: Mesh's `caseDecision` signal, and for ComplyCube a signal-with-start of the check's
 * `complyCubeCheckEvents` inbox (no webhook is registered at the ComplyCube sandbox, so the script sends
 * the event the sandbox would have). Record again only on purpose (a deliberate, patched change); commit
 * the new files next to the old ones and name them in replay.test.ts's checklist.
 *
 * The steps around screening (issue 14: the risk score before screening, the core-banking customer after
 * an approved onboarding) are on only when the workflow worker's defaults carry them, so they are recorded
 * by a second set of workers on a task queue of their own, AROUND_TASK_QUEUE: a workflow worker whose
 * defaults (AROUND_DEFAULTS) add the risk terms, the core-banking terms and Mesh's extensive profile, its
 * Mesh worker, a risk worker (`<queue>-risk`, the real adapter against an in-process risk sandbox) and a
 * COS worker (`<queue>-cos`, the real adapter against an in-process COS sandbox). The first set keeps its
 * DEFAULTS and TASK_QUEUE unchanged: the earlier scenarios must keep recording what they recorded. Both
 * sets are the same Worker Deployment version. No webhook is registered at the COS sandbox either: the
 * script signals the waiting `core-customer-<id>` run what the bridge would (`coreEvent`, one event per
 * scan step the run must read, fixed event ids), or starts `coreCustomerReview` for a customer already
 * CORE_READY as the bridge's routeCoreEvent does. A core-banking run is started by its onboarding as an
 * abandoned child; its first run is recorded, found by its workflow ID (`core-customer-<external id>`).
 *
 * A `complyCubeCheckEvents` inbox ends only after 10 idle minutes: its histories are recorded while it
 * waits on that idle timer, once it has delivered what the scenario sent (an open history replays up to
 * its last event).
 *
 * The dev server suggests continue-as-new after SUGGEST_CONTINUE_AS_NEW_AFTER events (Temporal's own
 * limit is thousands), so the two continue-as-new scenarios need seconds of fast polling, not days; every
 * other scenario must stay below it, which the script checks.
 *
 * No personal data: the customers are the sandboxes' fictitious test names with nothing else
 * (src/sandbox/mesh/screening-rules.ts, src/sandbox/complycube/screening.ts; ComplyCube's also an
 * example.com address, which it requires), and every identity the server writes into events is the fixed
 * string below instead of pid@hostname. The core-banking customers also carry what COS requires, all
 * fictitious: a birth date, a made-up address and a 555-01xx phone number; their names are the risk and
 * Mesh sandboxes' test names, or COS's documented sandbox names (docs/providers/cos-sandbox.md, "Scan
 * table": Cross River's OFAC and PEP test data, with the documented birth date).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createActivities, createOnboardingTermsActivities } from '../../src/activities';
import { caseDecisionSignal, type CaseDecision } from '../../src/contracts/case-decision';
import {
  CORE_OFAC_CHANGED,
  CORE_PEP_CHANGED,
  coreAmendCustomerUpdate,
  coreCustomerWorkflowId,
  coreDecideUpdate,
  coreEventSignal,
  coreReviewWorkflowId,
  coreStatusQuery,
  coreTaskQueue,
  type CoreStatus,
} from '../../src/contracts/core-banking';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  offboardCustomerWorkflowId,
  setCustomerMonitoringWorkflowId,
  updateCustomerDataWorkflowId,
} from '../../src/contracts/customer-operations';
import {
  monitoringCaseStatusQuery,
  type MonitoringCaseReviewInput,
} from '../../src/contracts/monitoring-case';
import {
  amendCustomerUpdate,
  decideUpdate,
  DEFAULT_ONBOARDING_POLICY,
  meshTaskQueue,
  withdrawApplicationUpdate,
  type OnboardingDefaults,
  type OnboardingInput,
} from '../../src/contracts/onboarding';
import {
  COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
  complyCubeCheckEventSignal,
  complyCubeCheckEventWorkflowId,
  isScreeningProvider,
  providerTaskQueue,
} from '../../src/contracts/screening-provider';
import { riskTaskQueue } from '../../src/contracts/risk';
import { kycScreeningProvider } from '../../src/contracts/search-attributes';
import { monitoringCaseWorkflowId } from '../../src/contracts/workflow-ids';
import { Secret } from '../../src/platform/config/secret';
import { createComplyCubeActivities } from '../../src/providers/complycube/activities';
import type { ComplyCubeApi } from '../../src/providers/complycube/api';
import { complyCubeApplicantProblems } from '../../src/providers/complycube/applicant';
import { createComplyCubeClient } from '../../src/providers/complycube/client';
import { loadComplyCubeConfig } from '../../src/providers/complycube/config';
import { createCosActivities } from '../../src/providers/cos/activities';
import { createCosClient } from '../../src/providers/cos/client';
import { createCosTokenProvider } from '../../src/providers/cos/token-provider';
import { createMeshClient } from '../../src/providers/mesh/client';
import { createRiskActivities } from '../../src/providers/risk/activities';
import { createRiskClient } from '../../src/providers/risk/client';
import { DEFAULT_COMPLYCUBE_API_KEY, startComplyCubeSandbox } from '../../src/sandbox/complycube';
import { startCosSandbox } from '../../src/sandbox/cos';
import { startSandbox } from '../../src/sandbox/mesh';
import { DEFAULT_RISK_API_KEY, startRiskSandbox } from '../../src/sandbox/risk';
import { promoteIfWanted, type DeploymentVersion } from '../../src/worker/deployment';
import { versioningOptions } from '../../src/worker/options';
import {
  complyCubeCheckEvents,
  complyCubeWebhookHealth,
  coreCustomerReview,
  monitoringCaseReview,
  offboardCustomer,
  type onboardCustomer,
  setCustomerMonitoring,
  updateCustomerData,
} from '../../src/workflows';
import { bundleOnce } from '../../testkit/bundle';
import { historyToJson, startOf } from '../../testkit/history-json';
import { ComplyCubeSandboxControl } from '../../testkit/complycube-sandbox-control';
import { CosSandboxControl, type CosSandboxCustomer } from '../../testkit/cos-sandbox-control';
import { installRuntime } from '../../testkit/runtime';
import { SandboxControl } from '../../testkit/sandbox-control';
import { startLocalTemporal } from '../../testkit/temporal-server';
import { waitFor } from '../../testkit/wait';
import {
  startOnboarding,
  waitForState,
  waitForStatus,
  type OnboardingHandle,
} from '../../test/helpers/onboarding';

const OUT_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const IDENTITY = 'record-histories';
const TASK_QUEUE = 'record-histories';
/**
 * The workers are one Worker Deployment version, as src/worker/main.ts runs them (WORKER_VERSIONING on by
 * default), made current so new runs start on it: the histories carry what a cluster's would.
 */
const VERSION: DeploymentVersion = { deploymentName: 'record-histories', buildId: 'record-histories' };
const HOUR = 3_600_000;
/** History length after which the dev server suggests continue-as-new; above every other scenario's. */
const SUGGEST_CONTINUE_AS_NEW_AFTER = 80;
/** ComplyCube's screening check type, what COMPLYCUBE_CHECK_TYPE gives the workers by default. */
const COMPLYCUBE_CHECK_TYPE = 'standard_screening_check';

/**
 * The workflow worker's defaults, as src/worker/main.ts builds them with ComplyCube configured: Mesh
 * screens unless the input's `screening.provider` says otherwise, and each run records them as its terms.
 */
const DEFAULTS: OnboardingDefaults = {
  screeningConfigurationIdentifier: 'sandbox-default',
  policy: { ...DEFAULT_ONBOARDING_POLICY, reviewPollIntervalMs: HOUR },
  provider: 'mesh',
  providers: {
    mesh: { screeningProfile: 'sandbox-default' },
    complycube: { screeningProfile: COMPLYCUBE_CHECK_TYPE },
  },
};

/**
 * The second set of workers' queue: a workflow worker with AROUND_DEFAULTS, and its Mesh, risk and COS
 * workers (`-mesh`, `-risk`, `-cos`), for the steps around screening; TASK_QUEUE's runs never take them.
 */
const AROUND_TASK_QUEUE = 'record-histories-around';

/**
 * DEFAULTS plus what a worker with RISK_API_BASE_URL, COS_BASE_URL and MESH_EXTENSIVE_CONFIGURATION_ID
 * set gives its runs (src/worker/main.ts): every run risk-scored before screening (the enhanced route
 * screened with the extensive profile), every approved run creating its core-banking customer. An hour
 * between the core run's own reads: what it reads, it reads after an event the script sends.
 */
const AROUND_DEFAULTS: OnboardingDefaults = {
  ...DEFAULTS,
  providers: {
    ...DEFAULTS.providers,
    mesh: { screeningProfile: 'sandbox-default', extensiveProfile: 'sandbox-extensive' },
  },
  risk: { standardLevels: ['low', 'medium'], checkTimeoutMs: 20_000 },
  core: {
    partnerId: '00000000-0000-0000-0000-000000000000',
    pollIntervalMs: HOUR,
    reviewDeadlineMs: 7 * 24 * HOUR,
  },
};

/** The COS sandbox's only client credentials (fictitious, in-process). */
const COS_CLIENT = { clientId: 'record-histories', clientSecret: 'record-histories-secret' };

/** When the bridge received the recorded webhooks (a fixed time: the histories carry no real one). */
const RECEIVED_AT = '2026-01-01T00:00:00.000Z';

/** A ComplyCube event id, shaped like theirs (24 hex characters), from `n`. */
const complyCubeEventId = (n: number): string => `cc0000000000${String(n).padStart(12, '0')}`;

/** A COS event envelope's id (a UUID, as COS's), from `n`. */
const coreEventId = (n: number): string => `c05e0000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Histories recorded before the worker supplied each run's terms (the input carried configuration and
 * policy). Kept as they are: they stand for runs started before that deploy, and no scenario below may
 * write them. The scenarios record the current code, started the way the onboarding service, the bridge
 * and the starter start runs; new files go next to the old ones.
 */
const LEGACY_FILES: readonly string[] = [
  'approve-straight-through.json',
  'prohibited-reject.json',
  'review-positive-decision.json',
  'review-update-then-case-check-negative.json',
];

/** One run to record: which execution, and whether it is expected to end by continuing as new. */
interface RunRef {
  workflowId: string;
  runId: string;
  continuesAsNew?: boolean;
  /**
   * Recorded while still open, waiting on a timer (a `complyCubeCheckEvents` inbox idles for 10 minutes
   * before it ends): its history so far, up to the TimerStarted it waits on.
   */
  open?: boolean;
}

interface Scenario {
  /** The files it writes, in the order of the runs `record` returns. */
  files: readonly string[];
  /** Drives its runs (started, signalled, decided) to their end; returns them in the order of `files`. */
  record(ctx: Recorder): Promise<RunRef[]>;
}

/** What scenarios drive runs with: the client, the sandboxes' analysts, and a few shortcuts. */
class Recorder {
  constructor(
    readonly client: Client,
    readonly sandbox: SandboxControl,
    /** The ComplyCube sandbox's control routes: its analyst and its monitoring. */
    readonly complycube: ComplyCubeSandboxControl,
    /** ComplyCube's API (the sandbox's), to see where a check stands. */
    readonly complyCubeApi: ComplyCubeApi,
    /** The COS sandbox's control routes: its customers, the AML team, the nightly rescan. */
    readonly cos: CosSandboxControl,
  ) {}

  /** An onboarding as the onboarding service starts it: the customer alone (and a policy, if given). */
  startOnboarding(customer: MeshCustomer, policy?: OnboardingInput['policy']): Promise<OnboardingHandle> {
    return startOnboarding(this.client, TASK_QUEUE, { customer, ...(policy !== undefined && { policy }) });
  }

  /** A customer whose onboarding (not recorded) ended APPROVED, under ongoing monitoring; Mesh's id. */
  async onboarded(customer: MeshCustomer): Promise<string> {
    const handle = await this.startOnboarding(customer);
    const status = await handle.result();
    if (status.state !== 'APPROVED' || status.customerIdentifier === undefined) {
      throw new Error(`${customer.external_identifier}: expected APPROVED, got ${status.state}`);
    }
    return status.customerIdentifier;
  }

  /** The analyst decides the case in the sandbox (Mesh would then send its webhook). */
  analyst(caseIdentifier: string, decision: string): Promise<void> {
    return this.sandbox.decideCase(caseIdentifier, decision);
  }

  /** An onboarding the onboarding service starts for ComplyCube: the customer and `screening.provider`. */
  startComplyCube(customer: MeshCustomer, policy?: OnboardingInput['policy']): Promise<OnboardingHandle> {
    return startOnboarding(this.client, TASK_QUEUE, {
      customer,
      screening: { provider: 'complycube' },
      ...(policy !== undefined && { policy }),
    });
  }

  /**
   * The check of a ComplyCube onboarding that waits in SCREENING for it, once the sandbox completed it
   * (what ComplyCube would announce with `check.completed.<outcome>`).
   */
  async completedCheck(handle: OnboardingHandle): Promise<string> {
    const status = await waitForStatus(
      handle,
      (s) => s.screening?.screeningId !== undefined,
      'the ComplyCube check',
    );
    const checkId = status.screening!.screeningId!;
    if (status.state !== 'SCREENING') {
      throw new Error(
        `${handle.workflowId}: expected SCREENING while check ${checkId} runs, got ${status.state}`,
      );
    }
    await waitFor(async () => (await this.complyCubeApi.getCheck(checkId)).status !== 'pending', {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: `check ${checkId} to complete`,
    });
    return checkId;
  }

  /**
   * What the bridge does with a verified ComplyCube webhook (src/bridge/temporal-signaller.ts): opens the
   * check's event inbox, or signals the one running. `n` makes the event's id.
   */
  async checkEvent(checkId: string, eventType: string, n: number): Promise<RunRef> {
    const handle = await this.client.workflow.signalWithStart(complyCubeCheckEvents, {
      taskQueue: TASK_QUEUE,
      workflowId: complyCubeCheckEventWorkflowId(checkId),
      args: [{ checkId }],
      signal: complyCubeCheckEventSignal,
      signalArgs: [{ eventId: complyCubeEventId(n), eventType, checkId, receivedAt: RECEIVED_AT }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `KYC ComplyCube check ${checkId}`,
    });
    return { workflowId: handle.workflowId, runId: handle.signaledRunId, open: true };
  }

  /**
   * Waits until a check's inbox has tried `deliveries` signals (taken or not), heard the end of every review
   * it started, and idles again on its timer: its history is then complete up to now.
   */
  async checkEventsSettled(run: RunRef, deliveries: number): Promise<void> {
    const handle = this.client.workflow.getHandle(run.workflowId, run.runId);
    await waitFor(
      async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const tried = events.filter(
          (e) =>
            e.externalWorkflowExecutionSignaledEventAttributes ||
            e.signalExternalWorkflowExecutionFailedEventAttributes,
        ).length;
        // A review it started reports its end to the inbox too (an abandoned child, while the parent runs).
        const children = events.filter((e) => e.childWorkflowExecutionStartedEventAttributes).length;
        const childrenEnded = events.filter(
          (e) =>
            e.childWorkflowExecutionCompletedEventAttributes ||
            e.childWorkflowExecutionFailedEventAttributes ||
            e.childWorkflowExecutionCanceledEventAttributes ||
            e.childWorkflowExecutionTerminatedEventAttributes ||
            e.childWorkflowExecutionTimedOutEventAttributes,
        ).length;
        const settled = tried >= deliveries && childrenEnded === children && idleOnTimer(events);
        return settled ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `${run.workflowId} to deliver ${deliveries} times` },
    );
  }

  /**
   * An onboarding on AROUND_TASK_QUEUE (risk-scored first) that must end APPROVED having started its
   * core-banking run; `approve` plays the officer when the risk route holds it for one. The onboarding's
   * run and the core run's first.
   */
  async approvedWithCore(
    customer: MeshCustomer,
    approve?: (handle: OnboardingHandle) => Promise<void>,
  ): Promise<{ onboarding: RunRef; core: RunRef }> {
    const handle = await startOnboarding(this.client, AROUND_TASK_QUEUE, { customer });
    await approve?.(handle);
    const status = await expectState(handle, 'APPROVED');
    const workflowId = coreCustomerWorkflowId(customer.external_identifier);
    if (status.core?.workflowId !== workflowId) {
      throw new Error(`${handle.workflowId}: approved without starting ${workflowId}`);
    }
    // Started by the onboarding (an abandoned child) and never continued as new: the current run is its first.
    const { runId } = await this.client.workflow.getHandle(workflowId).describe();
    return { onboarding: Recorder.run(handle), core: { workflowId, runId } };
  }

  /** Waits until the customer's core-banking run shows a status `predicate` accepts. */
  coreStatus(
    externalIdentifier: string,
    predicate: (status: CoreStatus) => boolean,
    description: string,
  ): Promise<CoreStatus> {
    const handle = this.client.workflow.getHandle(coreCustomerWorkflowId(externalIdentifier));
    return waitFor(
      async () => {
        const status = await handle.query(coreStatusQuery);
        return predicate(status) ? status : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, description: `${handle.workflowId}: ${description}` },
    );
  }

  /**
   * The core run's first read of its customer saw both scans still Pending (COS scans by itself, after the
   * sandbox's scanDelayMs), so what it reads next it reads after an event; its COS customer id.
   */
  async firstReadPending(externalIdentifier: string): Promise<string> {
    const status = await this.coreStatus(
      externalIdentifier,
      (s) => CORE_WAITING.test(s.reason ?? '') || !['CORE_CREATING', 'CORE_SCANNING'].includes(s.state),
      'its first read of the scans',
    );
    if (status.ofac !== 'Pending' || status.pepScan !== 'Pending' || status.coreCustomerId === undefined) {
      throw new Error(
        `core-customer-${externalIdentifier}: first read ${status.state}, OFAC ${status.ofac ?? '-'}, PEP ${status.pepScan ?? '-'}; expected both Pending (raise the COS sandbox's scanDelayMs)`,
      );
    }
    return status.coreCustomerId;
  }

  /** The COS customer as the sandbox holds it, once `predicate` holds (its scans move on by themselves). */
  cosCustomer(
    id: string,
    predicate: (customer: CosSandboxCustomer) => boolean,
    description: string,
  ): Promise<CosSandboxCustomer> {
    return waitFor(
      async () => {
        const customer = await this.cos.customer(id);
        return predicate(customer) ? customer : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, description: `COS customer ${id}: ${description}` },
    );
  }

  /**
   * What the bridge does with a COS event naming a customer whose core run is running (src/bridge/
   * temporal-signaller.ts, routeCoreEvent): signals it the event. `n` makes the envelope's id.
   */
  async coreEvent(
    externalIdentifier: string,
    eventName: string,
    coreCustomerId: string,
    n: number,
  ): Promise<void> {
    await this.client.workflow.getHandle(coreCustomerWorkflowId(externalIdentifier)).signal(coreEventSignal, {
      eventId: coreEventId(n),
      eventName,
      coreCustomerId,
      receivedAt: RECEIVED_AT,
    });
  }

  /**
   * What the bridge does with an OFAC event naming a customer whose core run ended CORE_READY: starts its
   * `coreCustomerReview` (routeCoreEvent), with the provider the core run recorded. `n` makes the event's id.
   */
  async coreReview(
    externalIdentifier: string,
    coreCustomerId: string,
    n: number,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof coreCustomerReview>> {
    const core = await this.client.workflow.getHandle(coreCustomerWorkflowId(externalIdentifier)).describe();
    const provider = core.typedSearchAttributes.get(kycScreeningProvider);
    const event = {
      eventId: coreEventId(n),
      eventName: CORE_OFAC_CHANGED,
      coreCustomerId,
      receivedAt: RECEIVED_AT,
    };
    return this.client.workflow.start(coreCustomerReview, {
      taskQueue: AROUND_TASK_QUEUE,
      workflowId: coreReviewWorkflowId(externalIdentifier, event.eventId),
      args: [
        { externalIdentifier, coreCustomerId, event, ...(isScreeningProvider(provider) && { provider }) },
      ],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `KYC core review of ${externalIdentifier} for COS event ${event.eventId}`,
    });
  }

  /** The first (or only) run of a handle. */
  static run(handle: { workflowId: string; firstExecutionRunId: string }): RunRef {
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  /** The run now current under `workflowId`, once it is another than `previousRunId` (continue-as-new). */
  async nextRun(workflowId: string, previousRunId: string): Promise<RunRef> {
    const runId = await waitFor(
      async () => {
        const { runId } = await this.client.workflow.getHandle(workflowId).describe();
        return runId !== previousRunId ? runId : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `${workflowId} to continue as new` },
    );
    return { workflowId, runId };
  }
}

const person = (externalIdentifier: string, firstName: string, lastName: string): MeshCustomer => ({
  external_identifier: externalIdentifier,
  person: { first_name: firstName, last_name: lastName },
});

/**
 * A ComplyCube applicant: the sandbox decides by the last name (`Clear`: clear, `Attention`: two
 * matches, `Failed`: not_processed); ComplyCube requires an e-mail address, a fictitious one here.
 */
const complyCubePerson = (externalIdentifier: string, lastName: string): MeshCustomer => ({
  ...person(externalIdentifier, 'Jane', lastName),
  email_address: 'applicant@example.com',
});

/**
 * A customer the core-banking step can create: a name, and what COS requires besides (a birth date, an
 * address, a phone number; all fictitious). `phone: false` leaves the phone number out.
 */
function coreApplicant(
  externalIdentifier: string,
  firstName: string,
  lastName: string,
  o: { birthDate?: { day: number; month: number; year: number }; phone?: boolean } = {},
): MeshCustomer {
  return {
    ...person(externalIdentifier, firstName, lastName),
    date_of_birth: o.birthDate ?? { day: 1, month: 1, year: 1990 },
    address: {
      address_line_1: '123 Any St',
      city: 'Anywhere',
      country_subdivision: 'NY',
      postal_code: '12345',
      country: 'US',
    },
    ...(o.phone !== false && { phone_number: '2015550123' }),
  };
}

/** A core run's reason once it read the scans and waits for more (src/workflows/core/core-customer.ts). */
const CORE_WAITING = /^OFAC \S+, PEP \S+: waiting for the core's scans$/;

/** What the webhook bridge signals for a case event; `n` makes the delivery's webhook-id. */
function webhookDecision(
  caseIdentifier: string,
  decisionType: string | null,
  n: number,
  caseType = 'CUSTOMER_ONBOARDING',
): CaseDecision {
  return {
    caseIdentifier,
    caseType,
    decisionType,
    source: 'webhook',
    webhookId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    receivedAt: RECEIVED_AT,
  };
}

/** Starts an onboarding and returns it with its case once it awaits review. */
async function inReview(
  ctx: Recorder,
  customer: MeshCustomer,
  policy?: OnboardingInput['policy'],
): Promise<{ handle: OnboardingHandle; caseIdentifier: string }> {
  const handle = await ctx.startOnboarding(customer, policy);
  const waiting = await waitForState(handle, 'AWAITING_REVIEW');
  const caseIdentifier = waiting.case?.caseIdentifier;
  if (caseIdentifier === undefined) throw new Error(`${handle.workflowId}: no case in review`);
  return { handle, caseIdentifier };
}

/** The analyst decides, and the bridge relays Mesh's webhook; the run reads the case to confirm it. */
async function decidedByWebhook(
  ctx: Recorder,
  handle: WorkflowHandle<typeof onboardCustomer>,
  caseIdentifier: string,
  decision: string,
  n: number,
): Promise<void> {
  await ctx.analyst(caseIdentifier, decision);
  await handle.signal(caseDecisionSignal, webhookDecision(caseIdentifier, decision, n));
}

/** The monitoring case review of a new monitoring case, started as the bridge starts it (CASE_CREATED). */
async function monitoringCase(
  ctx: Recorder,
  customer: MeshCustomer,
  input: Partial<MonitoringCaseReviewInput>,
  n: number,
): Promise<{ handle: WorkflowHandle<typeof monitoringCaseReview>; caseIdentifier: string; run: RunRef }> {
  const customerIdentifier = await ctx.onboarded(customer);
  const caseIdentifier = await ctx.sandbox.openMonitoringCase(customerIdentifier);
  // What src/bridge/temporal-signaller.ts does with the case's first webhook.
  const handle = await ctx.client.workflow.signalWithStart(monitoringCaseReview, {
    taskQueue: TASK_QUEUE,
    workflowId: monitoringCaseWorkflowId(caseIdentifier),
    args: [
      { caseIdentifier, externalIdentifier: customer.external_identifier, customerIdentifier, ...input },
    ],
    signal: caseDecisionSignal,
    signalArgs: [webhookDecision(caseIdentifier, null, n, 'CUSTOMER_MONITORING')],
  });
  return { handle, caseIdentifier, run: { workflowId: handle.workflowId, runId: handle.signaledRunId } };
}

/**
 * Every scenario, grouped as replay.test.ts's checklist reads. File names say the workflow (`terms-*`:
 * onboardCustomer started with the customer alone; `complycube-*`: runs screened by ComplyCube, and the
 * ComplyCube-only types; `risk-*`: onboardCustomer on AROUND_TASK_QUEUE; `core-*`: the core-banking types)
 * and the branch.
 */
const SCENARIOS: Scenario[] = [
  // --- onboardCustomer: screening decides ------------------------------------------------------------
  {
    files: ['terms-approve-straight-through.json'],
    async record(ctx) {
      const handle = await ctx.startOnboarding(person('REPLAY-TERMS-APPROVE-0001', 'Test', 'CleanUser'));
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['terms-prohibited-reject.json'],
    async record(ctx) {
      const handle = await ctx.startOnboarding(person('REPLAY-TERMS-PROHIBITED-0001', 'Pablo', 'Prohibited'));
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: the analyst's decision, by webhook (confirmed by a case read) -------------------
  {
    files: ['terms-review-confirmed-webhook-positive.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-REVIEW-0001', 'Victor', 'Bout'),
      );
      await decidedByWebhook(ctx, handle, caseIdentifier, 'POSITIVE', 1);
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['terms-review-confirmed-webhook-negative.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-REVIEW-NEGATIVE-0001', 'Victor', 'Bout'),
      );
      await decidedByWebhook(ctx, handle, caseIdentifier, 'NEGATIVE', 3);
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: PARTIAL_POSITIVE escalates to a compliance officer (the `decide` Update) -------
  {
    files: ['terms-officer-approves-partial-positive.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-OFFICER-0001', 'Victor', 'Bout'),
      );
      await decidedByWebhook(ctx, handle, caseIdentifier, 'PARTIAL_POSITIVE', 2);
      await waitForStatus(handle, (s) => s.escalated, 'the escalation');
      await handle.executeUpdate(decideUpdate, {
        args: [{ outcome: 'APPROVE', actor: 'replay-officer', reason: 'false positive' }],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['terms-officer-rejects-partial-positive.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-OFFICER-REJECT-0001', 'Victor', 'Bout'),
      );
      await decidedByWebhook(ctx, handle, caseIdentifier, 'PARTIAL_POSITIVE', 4);
      await waitForStatus(handle, (s) => s.escalated, 'the escalation');
      await handle.executeUpdate(decideUpdate, {
        args: [{ outcome: 'REJECT', actor: 'replay-officer', reason: 'confirmed match' }],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: a lost webhook, the decision found by the run's own case check ----------------
  {
    files: ['terms-case-check-finds-lost-decision.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-LOST-WEBHOOK-0001', 'Victor', 'Bout'),
        { reviewPollIntervalMs: 1_000, reviewPollJitter: 0 },
      );
      await ctx.analyst(caseIdentifier, 'POSITIVE'); // and no webhook reaches the bridge
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: customer changes while in review (the `amendCustomer` Update) -----------------
  {
    // The case check finds the decision after an amendment re-scored the customer.
    files: ['terms-amend-then-case-check-negative.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-CASECHECK-0001', 'Hannah', 'Highmatch'),
        { reviewPollIntervalMs: 2_000 },
      );
      await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'replay-update-1' }],
      });
      await ctx.analyst(caseIdentifier, 'NEGATIVE');
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['terms-amend-rescored-prohibited-reject.json'],
    async record(ctx) {
      const { handle } = await inReview(ctx, person('REPLAY-TERMS-AMEND-PROHIBITED-0001', 'Victor', 'Bout'));
      await handle.executeUpdate(amendCustomerUpdate, {
        args: [
          {
            customer: { person: { first_name: 'Pablo', last_name: 'Prohibited' } },
            requestId: 'replay-update-2',
          },
        ],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: the applicant withdraws; a cancelled run -------------------------------------
  {
    files: ['terms-withdraw-application-update.json'],
    async record(ctx) {
      const { handle } = await inReview(ctx, person('REPLAY-TERMS-WITHDRAW-0001', 'Victor', 'Bout'));
      await handle.executeUpdate(withdrawApplicationUpdate, {
        args: [{ reason: 'applicant withdrew', requestId: 'replay-withdraw-1' }],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['terms-cancelled-monitoring-off.json'],
    async record(ctx) {
      const { handle } = await inReview(ctx, person('REPLAY-TERMS-CANCEL-0001', 'Victor', 'Bout'));
      await handle.cancel();
      return [Recorder.run(handle)];
    },
  },
  // --- onboardCustomer: the review's timers -------------------------------------------------------------
  {
    // Overdue after a second (KycReviewOverdue=true), then decided.
    files: ['terms-review-reminder-then-approved.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-REMINDER-0001', 'Victor', 'Bout'),
        { reviewReminderMs: 1_000 },
      );
      await waitForStatus(handle, (s) => s.reviewOverdue, 'the reminder');
      await decidedByWebhook(ctx, handle, caseIdentifier, 'POSITIVE', 5);
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    // Overdue after one second, expired after two (the shortest deadline the terms allow).
    files: ['terms-review-deadline-expired.json'],
    async record(ctx) {
      const { handle } = await inReview(ctx, person('REPLAY-TERMS-EXPIRED-0001', 'Victor', 'Bout'), {
        reviewReminderMs: 1_000,
        reviewDeadlineMs: 2_000,
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    // A review polling every second continues as new; the run it continued into is then decided.
    files: ['terms-review-continued-as-new.json', 'terms-review-continued-run-approved.json'],
    async record(ctx) {
      const { handle, caseIdentifier } = await inReview(
        ctx,
        person('REPLAY-TERMS-CONTINUED-0001', 'Victor', 'Bout'),
        { reviewPollIntervalMs: 1_000, reviewPollJitter: 0 },
      );
      const first = Recorder.run(handle);
      const next = await ctx.nextRun(handle.workflowId, first.runId);
      const latest = ctx.client.workflow.getHandle<typeof onboardCustomer>(handle.workflowId, next.runId);
      await decidedByWebhook(ctx, latest, caseIdentifier, 'POSITIVE', 6);
      await latest.result();
      return [{ ...first, continuesAsNew: true }, next];
    },
  },
  // --- offboardCustomer (and the onboarding it withdraws with the `withdraw` signal) -------------------
  {
    files: ['offboard-customer-after-onboarding.json'],
    async record(ctx) {
      const ext = 'REPLAY-OPS-OFFBOARD-0001';
      await ctx.onboarded(person(ext, 'Test', 'CleanUser'));
      const handle = await ctx.client.workflow.start(offboardCustomer, {
        taskQueue: TASK_QUEUE,
        workflowId: offboardCustomerWorkflowId(ext, 'replay-offboard-1'),
        args: [{ externalIdentifier: ext, reason: 'account closed', requestId: 'replay-offboard-1' }],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    files: ['offboard-customer-withdraws-onboarding.json', 'terms-withdrawn-by-offboarding-signal.json'],
    async record(ctx) {
      const ext = 'REPLAY-OPS-OFFBOARD-0002';
      const { handle: onboarding } = await inReview(ctx, person(ext, 'Victor', 'Bout'));
      const handle = await ctx.client.workflow.start(offboardCustomer, {
        taskQueue: TASK_QUEUE,
        workflowId: offboardCustomerWorkflowId(ext, 'replay-offboard-2'),
        args: [{ externalIdentifier: ext, reason: 'customer left', requestId: 'replay-offboard-2' }],
      });
      await handle.result();
      await onboarding.result();
      return [Recorder.run(handle), Recorder.run(onboarding)];
    },
  },
  // --- updateCustomerData, setCustomerMonitoring -------------------------------------------------------
  {
    files: ['update-customer-data-rescored.json'],
    async record(ctx) {
      const ext = 'REPLAY-OPS-UPDATE-0001';
      await ctx.onboarded(person(ext, 'Test', 'CleanUser'));
      const handle = await ctx.client.workflow.start(updateCustomerData, {
        taskQueue: TASK_QUEUE,
        workflowId: updateCustomerDataWorkflowId(ext, 'replay-update-1'),
        args: [
          {
            externalIdentifier: ext,
            customer: { person: { first_name: 'Hugo', last_name: 'Highrisk' } },
            requestId: 'replay-update-1',
          },
        ],
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  {
    // A re-score to PROHIBITED starts the customer's offboarding, a run of its own.
    files: ['update-customer-data-prohibited-starts-offboarding.json'],
    async record(ctx) {
      const ext = 'REPLAY-OPS-UPDATE-0002';
      const customerIdentifier = await ctx.onboarded(person(ext, 'Test', 'CleanUser'));
      const handle = await ctx.client.workflow.start(updateCustomerData, {
        taskQueue: TASK_QUEUE,
        workflowId: updateCustomerDataWorkflowId(ext, 'replay-update-2'),
        args: [
          {
            externalIdentifier: ext,
            customerIdentifier,
            customer: { person: { first_name: 'Pablo', last_name: 'Prohibited' } },
            requestId: 'replay-update-2',
          },
        ],
      });
      const result = await handle.result();
      if (result.offboardingWorkflowId === undefined) throw new Error(`${ext}: no offboarding started`);
      await ctx.client.workflow.getHandle(result.offboardingWorkflowId).result();
      return [Recorder.run(handle)];
    },
  },
  {
    // Off by external identifier (one customer lookup), on again with Mesh's id (none).
    files: ['set-customer-monitoring-off.json', 'set-customer-monitoring-on.json'],
    async record(ctx) {
      const ext = 'REPLAY-OPS-MONITORING-0001';
      const customerIdentifier = await ctx.onboarded(person(ext, 'Test', 'CleanUser'));
      const off = await ctx.client.workflow.start(setCustomerMonitoring, {
        taskQueue: TASK_QUEUE,
        workflowId: setCustomerMonitoringWorkflowId(ext, 'replay-off-1'),
        args: [{ externalIdentifier: ext, enabled: false, requestId: 'replay-off-1' }],
      });
      await off.result();
      const on = await ctx.client.workflow.start(setCustomerMonitoring, {
        taskQueue: TASK_QUEUE,
        workflowId: setCustomerMonitoringWorkflowId(ext, 'replay-on-1'),
        args: [{ externalIdentifier: ext, customerIdentifier, enabled: true, requestId: 'replay-on-1' }],
      });
      await on.result();
      return [Recorder.run(off), Recorder.run(on)];
    },
  },
  // --- monitoringCaseReview (signal-with-start by the bridge) ------------------------------------------
  {
    // NEGATIVE: marked for offboarding, and the offboarding it starts (with Mesh's id: no lookup).
    files: [
      'monitoring-case-negative-starts-offboarding.json',
      'offboard-customer-from-monitoring-case.json',
    ],
    async record(ctx) {
      const { handle, caseIdentifier, run } = await monitoringCase(
        ctx,
        person('REPLAY-MONITORING-0001', 'Test', 'CleanUser'),
        {},
        101,
      );
      await ctx.analyst(caseIdentifier, 'NEGATIVE');
      await handle.signal(
        caseDecisionSignal,
        webhookDecision(caseIdentifier, 'NEGATIVE', 102, 'CUSTOMER_MONITORING'),
      );
      const result = await handle.result();
      if (result.offboardingWorkflowId === undefined) throw new Error(`${caseIdentifier}: no offboarding`);
      const offboarding = ctx.client.workflow.getHandle(result.offboardingWorkflowId);
      await offboarding.result();
      const { runId } = await offboarding.describe();
      return [run, { workflowId: result.offboardingWorkflowId, runId }];
    },
  },
  {
    // Case checks every 200 ms until the server suggests continue-as-new; the next run's check finds the
    // analyst's POSITIVE (no webhook).
    files: ['monitoring-case-continued-as-new.json', 'monitoring-case-continued-run-cleared.json'],
    async record(ctx) {
      const {
        handle,
        caseIdentifier,
        run: first,
      } = await monitoringCase(
        ctx,
        person('REPLAY-MONITORING-0002', 'Test', 'CleanUser'),
        { caseCheckIntervalMs: 200 },
        103,
      );
      const next = await ctx.nextRun(handle.workflowId, first.runId);
      await ctx.analyst(caseIdentifier, 'POSITIVE');
      await ctx.client.workflow.getHandle(handle.workflowId, next.runId).result();
      return [{ ...first, continuesAsNew: true }, next];
    },
  },
  // --- ComplyCube (`screening: { provider: 'complycube' }`): an asynchronous check, its events' inbox -----
  {
    // The check completes after the screening answered `pending`; its event's inbox reads it (clear).
    files: ['complycube-approve-after-check-event.json'],
    async record(ctx) {
      const handle = await ctx.startComplyCube(complyCubePerson('REPLAY-CC-APPROVE-0001', 'Clear'));
      const checkId = await ctx.completedCheck(handle);
      const inbox = await ctx.checkEvent(checkId, 'check.completed.clear', 1);
      await expectState(handle, 'APPROVED');
      await ctx.checkEventsSettled(inbox, 1);
      return [Recorder.run(handle)];
    },
  },
  {
    // Matches (attention): the inbox's read puts the run in review; the analyst clears every match, and the
    // inbox's next read approves it. The inbox's history too (two reads, one client read, two signals).
    files: ['complycube-review-analyst-clears.json', 'complycube-check-events-onboarding-decided.json'],
    async record(ctx) {
      const handle = await ctx.startComplyCube(complyCubePerson('REPLAY-CC-REVIEW-0001', 'Attention'));
      const checkId = await ctx.completedCheck(handle);
      const inbox = await ctx.checkEvent(checkId, 'check.completed.attention', 2);
      await waitForState(handle, 'AWAITING_REVIEW');
      await ctx.complycube.decide(checkId, 'clear');
      await ctx.checkEvent(checkId, 'check.completed.clear', 3);
      await expectState(handle, 'APPROVED');
      await ctx.checkEventsSettled(inbox, 2);
      return [Recorder.run(handle), inbox];
    },
  },
  {
    // The analyst confirms a match: REJECTED, and the check's monitoring switched off.
    files: ['complycube-review-analyst-confirms-match-rejected.json'],
    async record(ctx) {
      const handle = await ctx.startComplyCube(complyCubePerson('REPLAY-CC-REJECT-0001', 'Attention'));
      const checkId = await ctx.completedCheck(handle);
      const inbox = await ctx.checkEvent(checkId, 'check.completed.attention', 4);
      await waitForState(handle, 'AWAITING_REVIEW');
      await ctx.complycube.decide(checkId, 'match_confirmed');
      await ctx.checkEvent(checkId, 'check.completed.match_confirmed', 5);
      await expectState(handle, 'REJECTED');
      const check = await ctx.complyCubeApi.getCheck(checkId);
      if (check.enableMonitoring !== false) throw new Error(`check ${checkId}: monitoring still on`);
      await ctx.checkEventsSettled(inbox, 2);
      return [Recorder.run(handle)];
    },
  },
  {
    // not_processed: no decision the adapter can read (unrecognised), so an escalated review; withdrawn.
    files: ['complycube-not-processed-escalated-withdrawn.json'],
    async record(ctx) {
      const handle = await ctx.startComplyCube(complyCubePerson('REPLAY-CC-NOT-PROCESSED-0001', 'Failed'));
      const checkId = await ctx.completedCheck(handle);
      const inbox = await ctx.checkEvent(checkId, 'check.completed.not_processed', 6);
      await waitForStatus(
        handle,
        (s) => s.state === 'AWAITING_REVIEW' && s.escalated,
        'the escalated review',
      );
      await ctx.checkEventsSettled(inbox, 1);
      await handle.executeUpdate(withdrawApplicationUpdate, {
        args: [{ reason: 'applicant withdrew', requestId: 'replay-cc-withdraw-1' }],
      });
      await expectState(handle, 'WITHDRAWN');
      return [Recorder.run(handle)];
    },
  },
  {
    // Monitoring finds a new match on an approved customer's check: the check's inbox starts a monitoring
    // review (provider complycube); the analyst confirms the match: MARKED_FOR_OFFBOARDING, and the
    // offboarding it starts switches the client's checks' monitoring off. The inbox's history too (a
    // child started, the signals to the ended onboarding failing, the ones to the review taken).
    files: [
      'complycube-monitoring-case-match-confirmed-starts-offboarding.json',
      'complycube-offboard-customer-from-monitoring-case.json',
      'complycube-check-events-starts-monitoring-review.json',
    ],
    async record(ctx) {
      // Approved by its own poll (not recorded): no inbox is opened for the onboarding's check.
      const onboarding = await ctx.startComplyCube(complyCubePerson('REPLAY-CC-MONITORING-0001', 'Clear'), {
        reviewPollIntervalMs: 1_000,
        reviewPollJitter: 0,
      });
      const approved = await expectState(onboarding, 'APPROVED');
      const checkId = approved.screening?.screeningId;
      if (checkId === undefined) throw new Error(`${onboarding.workflowId}: no ComplyCube check`);
      await ctx.complycube.monitoringAttention(checkId, { newMatch: true });
      const n = 7;
      const inbox = await ctx.checkEvent(checkId, 'check.monitoring.attention', n);
      // The review's ID, as the inbox names it (src/workflows/screening/complycube-check-events.ts).
      const review = ctx.client.workflow.getHandle<typeof monitoringCaseReview>(
        `monitoring-case-complycube-${checkId}-${complyCubeEventId(n)}`,
      );
      await waitFor(
        async () =>
          (await review.query(monitoringCaseStatusQuery)).lastStage !== undefined ? true : undefined,
        { timeoutMs: 20_000, intervalMs: 200, description: 'the monitoring review to see the check open' },
      );
      await ctx.complycube.decide(checkId, 'match_confirmed');
      await ctx.checkEvent(checkId, 'check.completed.match_confirmed', n + 1);
      const result = await review.result();
      if (result.state !== 'MARKED_FOR_OFFBOARDING' || result.offboardingWorkflowId === undefined) {
        throw new Error(`${review.workflowId}: expected MARKED_FOR_OFFBOARDING, got ${result.state}`);
      }
      const offboarding = ctx.client.workflow.getHandle(result.offboardingWorkflowId);
      await offboarding.result();
      const check = await ctx.complyCubeApi.getCheck(checkId);
      if (check.enableMonitoring !== false) throw new Error(`check ${checkId}: monitoring still on`);
      await ctx.checkEventsSettled(inbox, 4);
      const { runId: reviewRunId } = await review.describe();
      const { runId: offboardingRunId } = await offboarding.describe();
      return [
        { workflowId: review.workflowId, runId: reviewRunId },
        { workflowId: result.offboardingWorkflowId, runId: offboardingRunId },
        inbox,
      ];
    },
  },
  {
    // What the `complycube-webhook-health` Schedule starts (src/worker/complycube-schedule.ts), started
    // once directly. No webhook is registered at the sandbox: none found, none enabled again.
    files: ['complycube-webhook-health.json'],
    async record(ctx) {
      const handle = await ctx.client.workflow.start(complyCubeWebhookHealth, {
        taskQueue: TASK_QUEUE,
        workflowId: COMPLYCUBE_WEBHOOK_HEALTH_SCHEDULE_ID,
        args: [],
        workflowExecutionTimeout: '5 minutes',
      });
      await handle.result();
      return [Recorder.run(handle)];
    },
  },
  // --- Around screening (AROUND_TASK_QUEUE): the risk score, then the core-banking customer -------------
  {
    // Low risk (standard route), clean screening: APPROVED, and the core run it starts (abandoned child)
    // creates the customer, its address and phone, reads both scans Pending, and reads them Clear after
    // COS's event: CORE_READY.
    files: ['risk-standard-approved-starts-core.json', 'core-customer-ready-after-event.json'],
    async record(ctx) {
      const ext = 'REPLAY-CORE-READY-0001';
      const { onboarding, core } = await ctx.approvedWithCore(coreApplicant(ext, 'Test', 'CleanUser'));
      const id = await ctx.firstReadPending(ext);
      await ctx.cosCustomer(id, (c) => c.ofac === 'Clear' && c.pepScan === 'Clear', 'scans Clear');
      await ctx.coreEvent(ext, CORE_OFAC_CHANGED, id, 1);
      await expectCore(ctx, core, 'CORE_READY');
      return [onboarding, core];
    },
  },
  {
    // The risk sandbox scores "High": the enhanced route, screened with the extensive profile (clean at
    // Mesh); never approved straight through, a compliance officer approves (decide); its core run started.
    files: ['risk-enhanced-officer-approves.json'],
    async record(ctx) {
      const { onboarding } = await ctx.approvedWithCore(
        coreApplicant('REPLAY-RISK-ENHANCED-0001', 'Hugo', 'Highrisk'),
        async (handle) => {
          const waiting = await waitForStatus(
            handle,
            (s) => s.state === 'AWAITING_REVIEW' && s.escalated,
            "the officer's review",
          );
          if (waiting.risk?.route !== 'enhanced' || waiting.screening?.profile !== 'sandbox-extensive') {
            throw new Error(
              `${handle.workflowId}: expected the enhanced route, got ${JSON.stringify(waiting.risk)}`,
            );
          }
          await handle.executeUpdate(decideUpdate, {
            args: [
              { outcome: 'APPROVE', actor: 'replay-officer', reason: 'enhanced due diligence complete' },
            ],
          });
        },
      );
      return [onboarding];
    },
  },
  {
    // No phone number: CORE_INCOMPLETE before anything is created; the amendCustomer Update on the core run
    // supplies it, then customer, address and phone are created and the scans read: CORE_READY.
    files: ['core-customer-incomplete-then-amended.json'],
    async record(ctx) {
      const ext = 'REPLAY-CORE-INCOMPLETE-0001';
      const { core } = await ctx.approvedWithCore(coreApplicant(ext, 'Test', 'CleanUser', { phone: false }));
      const incomplete = await ctx.coreStatus(ext, (s) => s.state === 'CORE_INCOMPLETE', 'CORE_INCOMPLETE');
      if (incomplete.missing?.join() !== 'customer.phone_number' || incomplete.coreCustomerId !== undefined) {
        throw new Error(
          `${core.workflowId}: expected only the phone number missing and nothing created, got ${incomplete.missing?.join()}`,
        );
      }
      await ctx.client.workflow.getHandle(core.workflowId).executeUpdate(coreAmendCustomerUpdate, {
        args: [{ customer: { phone_number: '2015550123' }, requestId: 'replay-core-amend-1' }],
      });
      // The first read may still find the scans Pending: a scan event then tells the run to read again.
      const created = await ctx.coreStatus(
        ext,
        (s) => s.state === 'CORE_SCANNING' || s.state === 'CORE_READY',
        'CORE_SCANNING',
      );
      if (created.state === 'CORE_READY') return [core];
      await ctx.cosCustomer(
        created.coreCustomerId!,
        (c) => c.ofac === 'Clear' && c.pepScan === 'Clear',
        'scans Clear',
      );
      await ctx.client.workflow.getHandle(core.workflowId).signal(coreEventSignal, {
        eventId: 'c05e0000-0000-4000-8000-000000000009',
        eventName: 'Core.Customer.Ofac.Changed',
        coreCustomerId: created.coreCustomerId!,
        receivedAt: RECEIVED_AT,
      });
      await expectCore(ctx, core, 'CORE_READY');
      return [core];
    },
  },
  {
    // COS's documented OFAC hit (Arellano Félix, born 1969-12-11): OFAC Failed, Reviewing, then Positive,
    // each read after its event: CORE_DECLINED, and the offboarding it starts.
    files: ['core-customer-ofac-positive-declined.json'],
    async record(ctx) {
      const ext = 'REPLAY-CORE-OFAC-0001';
      const { core } = await ctx.approvedWithCore(
        coreApplicant(ext, 'Francisco', 'Javier Arellano Félix', {
          birthDate: { day: 11, month: 12, year: 1969 },
        }),
      );
      const id = await ctx.firstReadPending(ext);
      for (const [n, ofac] of [
        [2, 'Failed'],
        [3, 'Reviewing'],
      ] as const) {
        await ctx.cosCustomer(id, (c) => c.ofac === ofac, `OFAC ${ofac}`);
        await ctx.coreEvent(ext, CORE_OFAC_CHANGED, id, n);
        await ctx.coreStatus(ext, (s) => s.ofac === ofac, `its read of OFAC ${ofac}`);
      }
      await ctx.cosCustomer(id, (c) => c.ofac === 'Positive', 'OFAC Positive');
      await ctx.coreEvent(ext, CORE_OFAC_CHANGED, id, 4);
      await expectCore(ctx, core, 'CORE_DECLINED', { offboarded: true });
      return [core];
    },
  },
  {
    // COS's documented PEP hit (OFAC Clear, PEP Positive; clean at Mesh and low risk): CORE_REVIEW after the
    // PEP event; an officer accepts it (decide): CORE_READY.
    files: ['core-customer-pep-officer-approves.json'],
    async record(ctx) {
      const ext = 'REPLAY-CORE-PEP-0001';
      const { core } = await ctx.approvedWithCore(coreApplicant(ext, 'Vladimir', 'Putin'));
      const id = await ctx.firstReadPending(ext);
      await ctx.cosCustomer(id, (c) => c.pepScan === 'Positive' && c.ofac === 'Clear', 'PEP Positive');
      await ctx.coreEvent(ext, CORE_PEP_CHANGED, id, 5);
      await ctx.coreStatus(ext, (s) => s.state === 'CORE_REVIEW', 'CORE_REVIEW');
      await ctx.client.workflow.getHandle(core.workflowId).executeUpdate(coreDecideUpdate, {
        args: [{ outcome: 'APPROVE', actor: 'replay-officer', reason: 'enhanced due diligence complete' }],
      });
      await expectCore(ctx, core, 'CORE_READY');
      return [core];
    },
  },
  {
    // A customer CORE_READY (its runs not recorded) that COS's nightly rescan finds OFAC Positive: the bridge
    // starts its review, which reads it: CORE_DECLINED, and the offboarding it starts.
    files: ['core-review-ofac-positive-offboards.json'],
    async record(ctx) {
      const ext = 'REPLAY-CORE-REVIEW-0001';
      const { core } = await ctx.approvedWithCore(coreApplicant(ext, 'Test', 'CleanUser'));
      const id = await ctx.firstReadPending(ext);
      await ctx.cosCustomer(id, (c) => c.ofac === 'Clear' && c.pepScan === 'Clear', 'scans Clear');
      await ctx.coreEvent(ext, CORE_OFAC_CHANGED, id, 6);
      await expectCore(ctx, core, 'CORE_READY');
      await ctx.cos.rescan(id, { ofac: 'Positive' });
      const review = await ctx.coreReview(ext, id, 7);
      await expectCore(ctx, Recorder.run(review), 'CORE_DECLINED', { offboarded: true });
      return [Recorder.run(review)];
    },
  },
];

/** Waits for a core-banking run's result and checks its final state (and that it started an offboarding). */
async function expectCore(
  ctx: Recorder,
  run: RunRef,
  state: CoreStatus['state'],
  o: { offboarded?: boolean } = {},
): Promise<CoreStatus> {
  const status = (await ctx.client.workflow.getHandle(run.workflowId, run.runId).result()) as CoreStatus;
  if (status.state !== state) {
    throw new Error(`${run.workflowId}: expected ${state}, got ${status.state} (${status.reason ?? ''})`);
  }
  if (o.offboarded === true) {
    if (status.offboardingWorkflowId === undefined)
      throw new Error(`${run.workflowId}: no offboarding started`);
    await ctx.client.workflow.getHandle(status.offboardingWorkflowId).result();
  }
  return status;
}

/** Waits for an onboarding's result and checks its final state. */
async function expectState(handle: OnboardingHandle, state: string) {
  const status = await handle.result();
  if (status.state !== state) {
    throw new Error(`${handle.workflowId}: expected ${state}, got ${status.state} (${status.reason ?? ''})`);
  }
  return status;
}

/**
 * Whether an open run waits for nothing but a timer (and messages): its last workflow task completed with
 * no command after it but timers, and a timer it started has neither fired nor been cancelled. A
 * `complyCubeCheckEvents` inbox idles so; a child's completion may have woken it since it started the timer.
 */
function idleOnTimer(events: readonly temporal.api.history.v1.IHistoryEvent[]): boolean {
  const last = events.at(-1);
  if (!last?.timerStartedEventAttributes && !last?.workflowTaskCompletedEventAttributes) return false;
  const open = new Set<string>();
  for (const e of events) {
    if (e.timerStartedEventAttributes) open.add(String(e.timerStartedEventAttributes.timerId));
    const closed = e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes;
    if (closed) open.delete(String(closed.timerId));
  }
  return open.size > 0;
}

/** How a recorded run ended, for the summary line: the result's state, or the closing event. */
function finalStateOf(history: temporal.api.history.v1.IHistory): string {
  const events = history.events ?? [];
  const last = events.at(-1);
  if (idleOnTimer(events)) {
    const count = (has: (e: temporal.api.history.v1.IHistoryEvent) => unknown) => events.filter(has).length;
    const signalled = count((e) => e.externalWorkflowExecutionSignaledEventAttributes);
    const refused = count((e) => e.signalExternalWorkflowExecutionFailedEventAttributes);
    const children = count((e) => e.childWorkflowExecutionStartedEventAttributes);
    return `open, idle: ${signalled} signalled, ${refused} refused, ${children} started`;
  }
  if (last?.workflowExecutionContinuedAsNewEventAttributes) return 'CONTINUED_AS_NEW';
  if (last?.workflowExecutionCanceledEventAttributes) return 'CANCELED';
  if (last?.workflowExecutionFailedEventAttributes) return 'FAILED';
  const payload = last?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  if (payload === undefined) return 'COMPLETED';
  const result = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
  const state = result['state'];
  if (typeof state === 'string') {
    // onboarding (and the core run it started), monitoring case, core-banking run (and its offboarding)
    const core = result['core'] !== undefined ? ', core started' : '';
    const offboarding =
      state.startsWith('CORE_') && result['offboardingWorkflowId'] !== undefined
        ? ', offboarding started'
        : '';
    return `${state}${core}${offboarding}`;
  }
  if ('onboardingWithdrawn' in result) {
    return result['onboardingWithdrawn'] === true ? 'offboarded, onboarding withdrawn' : 'offboarded';
  }
  if ('registrations' in result && Array.isArray(result['reenabled'])) {
    return `${String(result['registrations'])} webhooks ours, ${result['reenabled'].length} enabled again`;
  }
  if ('monitoringEnabled' in result)
    return `monitoring ${result['monitoringEnabled'] === true ? 'on' : 'off'}`;
  if ('riskLevel' in result) {
    const offboarding = result['offboardingWorkflowId'] !== undefined ? ', offboarding started' : '';
    return `re-scored ${String(result['riskLevel'])}${offboarding}`;
  }
  return 'COMPLETED';
}

/** Runs `workers` (each until the next one has stopped) while `fn` runs, as nested `runUntil`s. */
function runAll(workers: readonly Worker[], fn: () => Promise<void>): Promise<void> {
  const [first, ...rest] = workers;
  return first === undefined ? fn() : first.runUntil(runAll(rest, fn));
}

/** `--only <file-substring>`, repeatable; bad usage exits 2 with the usage line. */
function parseOnly(argv: string[]): string[] {
  try {
    const { values } = parseArgs({ args: argv, options: { only: { type: 'string', multiple: true } } });
    return values.only ?? [];
  } catch (err) {
    process.stderr.write(
      `${err instanceof Error ? err.message : String(err)}\nusage: npm run record-histories [-- --only <file-substring>]...\n`,
    );
    return process.exit(2);
  }
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const legacy = SCENARIOS.flatMap((s) => s.files).filter((file) => LEGACY_FILES.includes(file));
  if (legacy.length > 0)
    throw new Error(`scenarios must not overwrite the legacy histories: ${legacy.join(', ')}`);
  const chosen =
    only.length === 0
      ? SCENARIOS
      : SCENARIOS.filter((s) => s.files.some((f) => only.some((o) => f.includes(o))));
  if (chosen.length === 0) {
    const files = SCENARIOS.flatMap((s) => s.files).join('\n  ');
    process.stderr.write(`no scenario writes a file matching ${only.join(', ')}; the files:\n  ${files}\n`);
    process.exit(2);
  }

  const startedAt = Date.now();
  installRuntime('WARN');
  const { env } = await startLocalTemporal({
    extraArgs: [
      '--dynamic-config-value',
      `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_AFTER}`,
    ],
  });
  const sandbox = await startSandbox({ port: 0, rateLimitPerMinute: 0, logLevel: 'silent' });
  // Checks complete 300 ms after creation. No webhook is registered: the script sends what the bridge would.
  const complyCubeSandbox = await startComplyCubeSandbox({
    port: 0,
    checkDelayMs: 300,
    rateLimitPerSecond: 0,
    logLevel: 'silent',
  });
  const riskSandbox = await startRiskSandbox({ port: 0, logLevel: 'silent' });
  // Scans end 1 s after a customer's creation (the run reads them Pending first), the AML team's answer 2 s
  // later. No webhook is registered: the script sends what the bridge would.
  const cosSandbox = await startCosSandbox({
    port: 0,
    ...COS_CLIENT,
    scanDelayMs: 1_000,
    reviewDelayMs: 2_000,
    logLevel: 'silent',
  });
  try {
    const mesh = createMeshClient({
      config: {
        baseUrl: sandbox.url,
        requestTimeoutMs: 10_000,
        credentials: { kind: 'access-key', accessKey: IDENTITY, secret: new Secret('sandbox') },
      },
    });
    const complyCubeConfig = loadComplyCubeConfig({
      COMPLYCUBE_BASE_URL: complyCubeSandbox.url,
      COMPLYCUBE_API_KEY: DEFAULT_COMPLYCUBE_API_KEY,
      COMPLYCUBE_CHECK_TYPE: COMPLYCUBE_CHECK_TYPE,
      COMPLYCUBE_RETRY_BACKOFF: '1s',
    });
    const complyCubeApi = createComplyCubeClient({ config: complyCubeConfig });
    const client = new Client({ connection: env.connection, identity: IDENTITY });
    const workflowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      identity: IDENTITY,
      // The worker's defaults and ComplyCube's applicant check, as src/worker/main.ts gives them: each run
      // records its terms; local activities only.
      activities: createOnboardingTermsActivities(DEFAULTS, {
        complycube: (customer) => complyCubeApplicantProblems(customer as MeshCustomer),
      }),
      enableNonLocalActivities: false,
      ...versioningOptions(VERSION),
      workflowBundle: await bundleOnce(require.resolve('../../src/workflows')),
    });
    const meshWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: meshTaskQueue(TASK_QUEUE),
      identity: IDENTITY,
      activities: createActivities({ mesh }),
      ...versioningOptions(VERSION),
    });
    const complyCubeWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: providerTaskQueue(TASK_QUEUE, 'complycube'),
      identity: IDENTITY,
      // Quiet: "no webhook points at the bridge" is what the health check should find here.
      activities: createComplyCubeActivities({
        complycube: complyCubeApi,
        config: complyCubeConfig,
        logger: { info: () => undefined, warn: () => undefined },
      }),
      ...versioningOptions(VERSION),
    });
    // The second set, for the steps around screening (AROUND_DEFAULTS), on a queue of its own.
    const aroundWorkflowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: AROUND_TASK_QUEUE,
      identity: IDENTITY,
      activities: createOnboardingTermsActivities(AROUND_DEFAULTS, {
        complycube: (customer) => complyCubeApplicantProblems(customer as MeshCustomer),
      }),
      enableNonLocalActivities: false,
      ...versioningOptions(VERSION),
      workflowBundle: await bundleOnce(require.resolve('../../src/workflows')),
    });
    const aroundMeshWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: meshTaskQueue(AROUND_TASK_QUEUE),
      identity: IDENTITY,
      activities: createActivities({ mesh }),
      ...versioningOptions(VERSION),
    });
    const riskWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: riskTaskQueue(AROUND_TASK_QUEUE),
      identity: IDENTITY,
      activities: createRiskActivities({
        risk: createRiskClient({
          config: { baseUrl: riskSandbox.url, apiKey: new Secret(DEFAULT_RISK_API_KEY) },
        }),
      }),
      ...versioningOptions(VERSION),
    });
    const cosConnection = {
      baseUrl: cosSandbox.url,
      tokenUrl: `${cosSandbox.url}/connect/token`,
      clientId: COS_CLIENT.clientId,
      clientSecret: new Secret(COS_CLIENT.clientSecret),
      scope: undefined,
      audience: undefined,
      partnerId: AROUND_DEFAULTS.core!.partnerId,
    };
    const cosWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: coreTaskQueue(AROUND_TASK_QUEUE),
      identity: IDENTITY,
      activities: createCosActivities({
        cos: createCosClient({
          config: cosConnection,
          tokens: createCosTokenProvider({ config: cosConnection }),
        }),
      }),
      ...versioningOptions(VERSION),
    });
    const ctx = new Recorder(
      client,
      new SandboxControl(sandbox.url),
      new ComplyCubeSandboxControl(complyCubeSandbox.url),
      complyCubeApi,
      new CosSandboxControl(cosSandbox.url),
    );

    await mkdir(OUT_DIR, { recursive: true });
    let histories = 0;
    let events = 0;
    const workers = [
      workflowWorker,
      meshWorker,
      complyCubeWorker,
      aroundWorkflowWorker,
      aroundMeshWorker,
      riskWorker,
      cosWorker,
    ];
    await runAll(workers, async () => {
      await promoteIfWanted({
        connection: env.nativeConnection,
        namespace: 'default',
        version: VERSION,
        mode: 'always',
        identity: IDENTITY,
      });
      for (const scenario of chosen) {
        const runs = await scenario.record(ctx);
        if (runs.length !== scenario.files.length) {
          throw new Error(
            `${scenario.files.join(', ')}: ${runs.length} runs recorded for ${scenario.files.length} files`,
          );
        }
        for (const [i, run] of runs.entries()) {
          const file = scenario.files[i]!;
          const handle = client.workflow.getHandle(run.workflowId, run.runId);
          // A cancelled run or a started child may still be finishing; an open one must wait on its timer.
          const history = await waitFor(
            async () => {
              if (run.open !== true && (await handle.describe()).status.name === 'RUNNING') return undefined;
              const fetched = await handle.fetchHistory();
              return run.open !== true || idleOnTimer(fetched.events ?? []) ? fetched : undefined;
            },
            {
              timeoutMs: 30_000,
              intervalMs: 100,
              description: `${file}: ${run.workflowId} to ${run.open === true ? 'wait on its timer' : 'end'}`,
            },
          );
          const finalState = finalStateOf(history);
          if ((finalState === 'CONTINUED_AS_NEW') !== (run.continuesAsNew === true)) {
            throw new Error(
              `${file}: ended ${finalState}, ${run.continuesAsNew === true ? 'expected' : 'not expected'} to continue as new (SUGGEST_CONTINUE_AS_NEW_AFTER=${SUGGEST_CONTINUE_AS_NEW_AFTER})`,
            );
          }
          const count = history.events?.length ?? 0;
          await writeFile(join(OUT_DIR, file), `${historyToJson(history)}\n`);
          histories += 1;
          events += count;
          process.stdout.write(
            `${file.padEnd(66)} ${startOf(history).workflowType.padEnd(23)} ${finalState.padEnd(46)} ${count} events\n`,
          );
        }
      }
    });
    process.stdout.write(
      `${histories} histories (${events} events) written to test/fixtures/histories in ${Math.round((Date.now() - startedAt) / 1000)} s\n`,
    );
  } finally {
    await cosSandbox.close();
    await riskSandbox.close();
    await complyCubeSandbox.close();
    await sandbox.close();
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `record-histories failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
