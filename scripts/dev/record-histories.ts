/**
 * Records the event histories of real `onboardCustomer` runs into test/fixtures/histories/*.json, the
 * fixtures test/workflows/replay.test.ts replays on every CI run: a later change to the workflow that
 * would break the runs in flight (nondeterminism) then fails the test instead of production.
 *
 *   npx tsx scripts/dev/record-histories.ts
 *
 * Runs everything in process on free ports: a Temporal dev server (the same binary the tests use,
 * scripts/local-temporal.ts), the Mesh sandbox and the two workers of src/worker/main.ts. Record again only
 * on purpose (a deliberate, patched() change); commit the new files next to the old ones.
 *
 * No personal data: the customers are the sandbox's fictitious test names with nothing else, and every
 * identity the server writes into events is the fixed string below instead of pid@hostname.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createOnboardingTermsActivities } from '../../src/activities';
import { Secret } from '../../src/providers/mesh/config';
import { createMeshClient } from '../../src/providers/mesh/client';
import { startSandbox } from '../../src/sandbox/mesh';
import { caseDecisionSignal, type CaseDecision } from '../../src/contracts/case-decision';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  amendCustomerUpdate,
  decideUpdate,
  DEFAULT_ONBOARDING_POLICY,
  meshTaskQueue,
  statusQuery,
  type OnboardingInput,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { historyToJson } from '../../testkit/history-json';
import { startLocalTemporal } from '../../testkit/temporal-server';

const OUT_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const IDENTITY = 'record-histories';
const TASK_QUEUE = 'record-histories';
const HOUR = 3_600_000;

type Scenario = {
  file: string;
  customer: MeshCustomer;
  /** Drives the run after start (signals, the analyst's decision) and returns its final state. */
  drive(
    handle: WorkflowHandle,
    ctx: { analyst(caseIdentifier: string, decision: string): Promise<void> },
  ): Promise<void>;
  policy?: OnboardingInput['policy'];
};

const person = (externalIdentifier: string, firstName: string, lastName: string): MeshCustomer => ({
  external_identifier: externalIdentifier,
  person: { first_name: firstName, last_name: lastName },
});

/**
 * Histories recorded before the worker supplied each run's terms (the input carried configuration and
 * policy): approve-straight-through, review-positive-decision, prohibited-reject and
 * review-update-then-case-check-negative. Kept as they are: they stand for runs started before that
 * deploy. The scenarios below record the current code, started the way the onboarding service starts
 * a run, with the customer alone; new files go next to the old ones.
 */
const SCENARIOS: Scenario[] = [
  {
    file: 'terms-approve-straight-through.json',
    customer: person('REPLAY-TERMS-APPROVE-0001', 'Test', 'CleanUser'),
    drive: () => Promise.resolve(),
  },
  {
    file: 'terms-review-confirmed-webhook-positive.json',
    customer: person('REPLAY-TERMS-REVIEW-0001', 'Victor', 'Bout'),
    async drive(handle, ctx) {
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      const caseIdentifier = waiting.case!.caseIdentifier;
      await ctx.analyst(caseIdentifier, 'POSITIVE');
      // What the webhook bridge sends for the analyst's decision; the run reads the case to confirm it.
      await handle.signal(caseDecisionSignal, webhookDecision(caseIdentifier, 'POSITIVE', 1));
    },
  },
  {
    file: 'terms-officer-approves-partial-positive.json',
    customer: person('REPLAY-TERMS-OFFICER-0001', 'Victor', 'Bout'),
    async drive(handle, ctx) {
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      const caseIdentifier = waiting.case!.caseIdentifier;
      await ctx.analyst(caseIdentifier, 'PARTIAL_POSITIVE');
      await handle.signal(caseDecisionSignal, webhookDecision(caseIdentifier, 'PARTIAL_POSITIVE', 2));
      await waitFor(handle, (s) => s.escalated, 'the escalation');
      await handle.executeUpdate(decideUpdate, {
        args: [{ outcome: 'APPROVE', actor: 'replay-officer', reason: 'false positive' }],
      });
    },
  },
  {
    // A lost webhook: the run's own case check finds the decision, after an amendment re-scored it.
    file: 'terms-amend-then-case-check-negative.json',
    customer: person('REPLAY-TERMS-CASECHECK-0001', 'Hannah', 'Highmatch'),
    policy: { reviewPollIntervalMs: 2_000 },
    async drive(handle, ctx) {
      const waiting = await waitForState(handle, 'AWAITING_REVIEW');
      await handle.executeUpdate(amendCustomerUpdate, {
        args: [{ customer: { person: { nationality: ['GB'] } }, requestId: 'replay-update-1' }],
      });
      await ctx.analyst(waiting.case!.caseIdentifier, 'NEGATIVE');
    },
  },
  {
    file: 'terms-cancelled-monitoring-off.json',
    customer: person('REPLAY-TERMS-CANCEL-0001', 'Victor', 'Bout'),
    async drive(handle) {
      await waitForState(handle, 'AWAITING_REVIEW');
      await handle.cancel();
    },
  },
];

function webhookDecision(caseIdentifier: string, decisionType: string, n: number): CaseDecision {
  return {
    caseIdentifier,
    caseType: 'CUSTOMER_ONBOARDING',
    decisionType,
    source: 'webhook',
    webhookId: `00000000-0000-4000-8000-00000000000${n}`,
    receivedAt: '2026-01-01T00:00:00.000Z',
  };
}

async function waitFor(
  handle: WorkflowHandle,
  predicate: (status: OnboardingStatus) => boolean,
  what: string,
): Promise<OnboardingStatus> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const waitForState = (handle: WorkflowHandle, state: OnboardingStatus['state']) =>
  waitFor(handle, (s) => s.state === state, `state ${state}`);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { env } = await startLocalTemporal();
  const sandbox = await startSandbox({ port: 0, rateLimitPerMinute: 0, logLevel: 'silent' });
  try {
    const mesh = createMeshClient({
      config: {
        baseUrl: sandbox.url,
        requestTimeoutMs: 10_000,
        credentials: { kind: 'access-key', accessKey: IDENTITY, secret: new Secret('sandbox') },
      },
    });
    const client = new Client({ connection: env.connection, identity: IDENTITY });
    const workflowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      identity: IDENTITY,
      // The worker's defaults, as src/worker/main.ts gives them: each run records them as its terms.
      activities: createOnboardingTermsActivities({
        screeningConfigurationIdentifier: 'sandbox-default',
        policy: { ...DEFAULT_ONBOARDING_POLICY, reviewPollIntervalMs: HOUR },
      }),
      enableNonLocalActivities: false,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('../../src/workflows'),
        logger: new DefaultLogger('WARN'),
      }),
    });
    const meshWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: meshTaskQueue(TASK_QUEUE),
      identity: IDENTITY,
      activities: createActivities({ mesh }),
    });
    const analyst = async (caseIdentifier: string, decision: string) => {
      const response = await fetch(`${sandbox.url}/_sandbox/cases/${caseIdentifier}/transition`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stage: 'DECISION', decision }),
      });
      if (!response.ok) throw new Error(`sandbox transition answered ${response.status}`);
    };

    await mkdir(OUT_DIR, { recursive: true });
    await workflowWorker.runUntil(
      meshWorker.runUntil(async () => {
        for (const scenario of SCENARIOS) {
          const handle = await client.workflow.start('onboardCustomer', {
            taskQueue: TASK_QUEUE,
            workflowId: onboardingWorkflowId(scenario.customer.external_identifier),
            args: [
              {
                customer: scenario.customer,
                ...(scenario.policy !== undefined && { policy: scenario.policy }),
              } satisfies OnboardingInput,
            ],
          });
          await scenario.drive(handle, { analyst });
          const result = await (handle.result() as Promise<OnboardingStatus>).catch(
            async () => handle.query(statusQuery), // a cancelled run: its last status
          );
          const history = await handle.fetchHistory();
          await writeFile(join(OUT_DIR, scenario.file), `${historyToJson(history)}\n`);
          process.stdout.write(
            `${scenario.file}: ${result.state} (${history.events?.length ?? 0} events, ${result.reason ?? ''})\n`,
          );
        }
      }),
    );
  } finally {
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
