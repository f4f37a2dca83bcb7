/**
 * Drill: a deploy while runs wait. Version 1 of the worker starts onboardings (some waiting for review,
 * some in the middle of a slowed screening) and a monitoring case review; version 2, whose
 * `onboardCustomer` has one more step (drills/support/deploy-v2-workflows.ts), is deployed next to it and
 * becomes the current version; new onboardings start; then every decision is delivered.
 *
 * Passes when every run finishes in the right state on the version it started on (Worker Versioning pins
 * onboardings and reviews), new runs take version 2, no workflow task fails (no non-determinism), the old
 * version drains and its worker retires cleanly, and version 2's code could not have replayed version 1's
 * runs: the change was one that needed the pinning.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { monitoringCaseStatusQuery, type MonitoringCaseReviewStatus } from '../src/contracts/monitoring-case';
import { monitoringCaseWorkflowId, onboardingWorkflowId } from '../src/contracts/workflow-ids';
import { promoteCommand, type DeploymentVersion } from '../src/worker/deployment';
import { deploymentNameFor } from '../src/worker/deployment-config';
import { installRuntime } from '../testkit/runtime';
import { resolveTemporalCli } from '../testkit/temporal-cli';
import { prebuiltWorkflowBundle } from '../testkit/bundle';
import { inPool, waitFor } from '../testkit/wait';
import { defineDrill, runStandalone } from './support/drill';
import * as onboardings from './support/onboardings';
import { countOf, sample } from './support/report';
import type { Stack } from './support/stack';
import { describeDeployment, runVersions, waitForCurrent, type RunVersions } from './support/versions';

const V1 = 'drill-v1';
const V2 = 'drill-v2';

export const deploy = defineDrill(
  'deploy',
  'a deploy while runs wait: each run stays on its version, new runs take the new one',
  async ({ report, size, startStack }) => {
    const v2Bundle = await prebuiltWorkflowBundle(
      (line) => report.step(`version 2: ${line}`),
      require.resolve('./support/deploy-v2-workflows'),
    );
    const stack = await startStack();
    const deploymentName = deploymentNameFor(stack.taskQueue);
    const { connection } = stack.client;
    const namespace = stack.client.options.namespace;
    await stack.startBridge();
    const v1Worker = await stack.startWorker({ env: { WORKER_BUILD_ID: V1 } });
    await waitForCurrent(connection, namespace, deploymentName, V1, stack.signal);
    report.step(`version 1 (${deploymentName}:${V1}) is current`);

    // A monitoring case review of an onboarded customer, waiting for the analyst.
    const monitored = onboardings.plan('dm', 1, ['clean']);
    await onboardings.startOnboardings(stack, monitored);
    await onboardings.waitForState(stack, 'APPROVED', monitored.length, 60_000);
    const [customer] = await stack.control.customers(monitored[0]!.externalIdentifier);
    const monitoringCase = await stack.control.openMonitoringCase(customer!.identifier);
    const review = stack.client.workflow.getHandle(monitoringCaseWorkflowId(monitoringCase));
    await waitFor(async () => (await review.query(monitoringCaseStatusQuery)).state === 'AWAITING_DECISION', {
      description: 'the monitoring case review to wait for its decision',
      timeoutMs: 30_000,
      signal: stack.signal,
    });

    // Onboardings waiting for review.
    const waiting = onboardings.plan('dr', size(16, 4), ['match']);
    const waitingCases = await onboardings.startForReview(stack, waiting);

    // The deploy, as docs/deploying.md does it: version 2 starts next to version 1 and polls, but new runs
    // keep going to version 1 until the operator promotes it.
    await stack.startWorker({
      env: { WORKER_BUILD_ID: V2, WORKFLOW_BUNDLE_PATH: v2Bundle, WORKER_DEPLOYMENT_PROMOTE: 'never' },
    });
    const beforePromotion = await describeDeployment(connection, namespace, deploymentName);
    report.step(
      `version 2 polling, not current (current: ${beforePromotion.current ?? 'none'}; versions: ${[...beforePromotion.drainage.keys()].join(', ')})`,
    );

    // Screenings slowed, so some version-1 runs are in the middle of one when version 2 becomes current.
    await stack.control.addFault({
      kind: 'latency',
      latencyMs: { min: 4000, max: 6000 },
      match: { path: 'create-and-screen' },
    });
    const screening = onboardings.plan('ds', size(16, 6), ['clean', 'match', 'prohibited']);
    await onboardings.startOnboardings(stack, screening);
    // Every one of them past its first workflow task (so pinned to version 1), most with a call in flight.
    const { running: inScreening } = await waitFor(() => onboardings.activitiesInFlight(stack, screening), {
      until: ({ pending, running }) => pending.length === screening.length && running.length > 0,
      description: 'every screening scheduled, some in flight',
      timeoutMs: 30_000,
      retryErrors: false,
      signal: stack.signal,
    });
    report.step(
      `version 1 runs: 1 monitoring review, ${waiting.length} awaiting review, ${screening.length} in screening (${inScreening.length} Mesh calls in flight)`,
    );

    // The promotion, with the command the operator's guide gives.
    const promotedAt = Date.now();
    await promoteWithCli(stack, { deploymentName, buildId: V2 });
    const promotionMs = Date.now() - promotedAt;
    await waitForCurrent(connection, namespace, deploymentName, V2, stack.signal);
    report.step(
      `version 2 promoted with the temporal CLI in ${promotionMs} ms; ${inScreening.length} version-1 screenings were in flight`,
    );
    await stack.control.clearFaults();

    const fresh = onboardings.plan('dn', size(16, 6), ['clean', 'match', 'prohibited']);
    await onboardings.startOnboardings(stack, fresh);
    report.step(`${fresh.length} new onboardings started`);

    // Every decision: the analyst decides each case, the sandbox webhooks it, the bridge signals the run.
    const decisions = new Map<string, string>();
    const decide = async (externalIdentifier: string, caseIdentifier: string, i: number) => {
      const decision = i % 2 === 0 ? 'POSITIVE' : 'NEGATIVE';
      decisions.set(externalIdentifier, decision);
      await stack.control.decideCase(caseIdentifier, decision);
    };
    await inPool(waiting, 5, (p, i) =>
      decide(p.externalIdentifier, waitingCases.get(p.externalIdentifier)!, i),
    );
    const matches = [...screening, ...fresh].filter((p) => p.applicant === 'match');
    await waitForReview(stack, matches);
    const matchCases = await onboardings.casesOf(stack, matches);
    await inPool(matches, 5, (p, i) =>
      decide(p.externalIdentifier, matchCases.get(p.externalIdentifier)!, i),
    );
    await stack.control.decideCase(monitoringCase, 'POSITIVE');
    report.step(`${decisions.size + 1} cases decided`);

    const all = [...monitored, ...waiting, ...screening, ...fresh];
    await onboardings.waitForAllClosed(stack, all.length, 120_000);
    const reviewResult = (await review.result()) as MonitoringCaseReviewStatus;
    report.step('every run closed');

    // Which version ran each run, and whether any workflow task failed.
    const versions = new Map<string, RunVersions>();
    const histories: { workflowId: string; history: Awaited<ReturnType<typeof review.fetchHistory>> }[] = [];
    const ids = [...all.map((p) => onboardingWorkflowId(p.externalIdentifier)), review.workflowId];
    await inPool(ids, 10, async (workflowId) => {
      const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
      versions.set(workflowId, runVersions(history));
      histories.push({ workflowId, history });
    });
    const before = new Set(
      [...monitored, ...waiting, ...screening].map((p) => onboardingWorkflowId(p.externalIdentifier)),
    );
    before.add(review.workflowId);
    const onVersion = (id: string, buildId: string) => {
      const v = versions.get(id);
      return v !== undefined && v.buildIds.size === 1 && v.buildIds.has(buildId);
    };
    const notOnV1 = [...before].filter((id) => !onVersion(id, V1));
    const newIds = fresh.map((p) => onboardingWorkflowId(p.externalIdentifier));
    const notOnV2 = newIds.filter(
      (id) => !onVersion(id, V2) || versions.get(id)?.firstCommand !== 'TIMER_STARTED',
    );
    const sum = (field: 'workflowTaskFailures' | 'nonDeterminismErrors' | 'workflowTaskTimeouts') =>
      [...versions.values()].reduce((n, v) => n + v[field], 0);
    const failures = sum('workflowTaskFailures');
    const nonDeterminism = sum('nonDeterminismErrors');

    // The control: version 2's code replaying version 1's onboardings.
    const v1Onboardings = histories.filter(
      ({ workflowId }) => before.has(workflowId) && workflowId !== review.workflowId,
    );
    installRuntime('ERROR'); // the replays below fail on purpose: no warning per history
    let unreplayable = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: v2Bundle } },
      v1Onboardings,
    )) {
      if (result.error instanceof DeterminismViolationError) unreplayable += 1;
    }

    // The old version drains once its last pinned run closes; then its worker can go.
    const drainStarted = Date.now();
    const drained = await waitFor(
      async () => (await describeDeployment(connection, namespace, deploymentName)).drainage.get(V1),
      {
        until: (status) => status === 'DRAINED',
        description: 'version 1 to drain',
        timeoutMs: 90_000,
        signal: stack.signal,
      },
    ).then(
      () => true,
      () => false,
    );
    const drainMs = Date.now() - drainStarted;
    const retired = await v1Worker.stop('SIGTERM', 30_000);
    report.step(
      `version 1 ${drained ? `DRAINED after ${drainMs} ms` : 'not drained'}; its worker exited ${String(retired.code)}`,
    );

    // Every run's outcome.
    const results = await onboardings.outcomes(stack, all);
    const expected = (p: onboardings.Planned) =>
      p.applicant === 'match'
        ? onboardings.DECISION_STATE[decisions.get(p.externalIdentifier) ?? '']
        : onboardings.expectedWithoutReview(p.applicant);
    const wrong = all.filter((p) => results.get(p.externalIdentifier)?.status?.state !== expected(p));
    const customers = await onboardings.customerCount(stack, all, results);

    report.note('runsStartedOnVersion1', before.size);
    report.note('inScreeningAtPromotion', inScreening.length);
    report.note('runsStartedOnVersion2', newIds.length);
    report.note('nonDeterminismErrors', nonDeterminism);
    report.note('workflowTaskFailures', failures);
    report.note('workflowTaskTimeouts', sum('workflowTaskTimeouts'));
    report.note('version1DrainedMs', drained ? drainMs : 'not drained');
    report.step(
      `non-determinism errors: ${nonDeterminism}; workflow task failures: ${failures}; workflow task timeouts: ${sum('workflowTaskTimeouts')}`,
    );

    report.check(
      'every run started before the deploy finished on version 1',
      notOnV1.length === 0,
      `${countOf(before.size - notOnV1.length, before.size)} (onboardings waiting, in screening, and the monitoring review); other: ${sample(notOnV1)}`,
    );
    report.check(
      'every run started after the deploy ran version 2, its extra step included',
      notOnV2.length === 0,
      `${countOf(newIds.length - notOnV2.length, newIds.length)}; other: ${sample(notOnV2)}`,
    );
    report.check(
      'zero non-determinism errors and zero workflow task failures',
      nonDeterminism === 0 && failures === 0,
      `${nonDeterminism} non-determinism errors, ${failures} workflow task failures in ${versions.size} runs`,
    );
    report.check(
      'every onboarding ended as its screening and decision say; the monitoring review cleared',
      wrong.length === 0 && reviewResult.state === 'CLEARED',
      `${countOf(all.length - wrong.length, all.length)} onboardings right (other: ${sample(wrong.map((p) => `${p.externalIdentifier} ${results.get(p.externalIdentifier)?.status?.state ?? '?'}`))}); review ${reviewResult.state}`,
    );
    report.check(
      'one Mesh customer per external identifier',
      customers.notOne.length === 0 && customers.mismatched.length === 0,
      `${customers.total} customers for ${all.length} identifiers; not one: ${sample(customers.notOne)}`,
    );
    report.check(
      'the change needed the pinning: version 2 cannot replay version 1 onboardings',
      v1Onboardings.length > 0 && unreplayable === v1Onboardings.length,
      `${countOf(unreplayable, v1Onboardings.length)} version-1 histories fail on version 2 with a non-determinism error`,
    );
    report.check(
      'version 1 drained once its runs closed and its worker retired cleanly',
      drained && retired.code === 0,
      `${drained ? `DRAINED ${drainMs} ms after the last run closed` : 'still not DRAINED after 90 s'}; SIGTERM exit ${String(retired.code)}`,
    );
  },
);

/** `temporal worker deployment set-current-version`, as docs/deploying.md tells the operator (plus --yes). */
async function promoteWithCli(stack: Stack, version: DeploymentVersion): Promise<void> {
  const cli = await resolveTemporalCli();
  if (cli.kind !== 'path')
    throw new Error('the deploy drill needs the temporal CLI binary (npm run temporal builds it)');
  const [, ...args] = promoteCommand(version, stack.client.options.namespace).split(' ');
  await promisify(execFile)(cli.path, [...args, '--yes', '--address', stack.temporal.address], {
    timeout: 30_000,
  });
}

/** Waits until every run among `planned` awaits review (its own KycOnboardingState). */
async function waitForReview(stack: Stack, planned: readonly onboardings.Planned[]): Promise<void> {
  const wanted = new Set(planned.map((p) => onboardingWorkflowId(p.externalIdentifier)));
  await waitFor(
    async () => {
      const seen = new Set<string>();
      for await (const run of stack.client.workflow.list({
        query: `TaskQueue = "${stack.taskQueue}" AND KycOnboardingState = "AWAITING_REVIEW"`,
      })) {
        if (wanted.has(run.workflowId)) seen.add(run.workflowId);
      }
      return seen.size === wanted.size;
    },
    {
      description: `${wanted.size} onboardings to await review`,
      timeoutMs: 60_000,
      intervalMs: 500,
      signal: stack.signal,
    },
  );
}

if (require.main === module) runStandalone(deploy);
